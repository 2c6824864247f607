// Public types of the webhook sender and of Standard Webhooks signing and verification.
import type { Clock } from '../clock.js';
import type { LimitRateEventType } from '../events/types.js';

/**
 * One webhook endpoint: where to POST, what to send, and how hard to try.
 *
 * @example
 * ```ts
 * const config: WebhookConfig = { url: 'https://example.com/hooks/limitrate', secret: process.env.LIMITRATE_WEBHOOK_SECRET };
 * ```
 */
export interface WebhookConfig {
  /** The receiver's absolute `http:` or `https:` URL. */
  url: string;
  /**
   * Signing secret (Standard Webhooks): `'whsec_'` + base64 of the key bytes, or any other
   * string, used as its UTF-8 bytes. Give several during a rotation: every one signs, and the
   * receiver accepts the request when any one verifies. Without a secret, requests are unsigned.
   */
  secret?: string | readonly string[];
  /**
   * Event types to send (default: every type but `allowed`, which fires on every request, and
   * the sender's own `webhook_failed` / `webhook_dropped`, which are sent only when listed here).
   * `'*'` is every type but the sender's own.
   */
  events?: readonly LimitRateEventType[] | '*';
  /** Most events per POST (default 20). */
  batchSize?: number;
  /** A partial batch is sent at most this long after its first event was queued (default 1000 ms). */
  flushIntervalMs?: number;
  /** Most events waiting for this endpoint (default 1000); when full, the oldest are dropped. */
  maxQueue?: number;
  /** Retries of a batch after its first attempt (default 5); then it is given up (`webhook_failed`). */
  maxRetries?: number;
  /** Time limit of one attempt, response body included (default 5000 ms). */
  timeoutMs?: number;
  /** First retry delay; it doubles on each retry, with jitter (default 250 ms). */
  retryDelayMs?: number;
  /** Longest retry delay (default 30,000 ms). A `Retry-After` may ask for longer, up to 10 minutes. */
  maxRetryDelayMs?: number;
  /** Extra request headers (`content-type` and the `webhook-*` headers are the sender's). */
  headers?: Record<string, string>;
}

/**
 * Options of a {@link WebhookSender} beyond its endpoints.
 *
 * @example
 * ```ts
 * const sender = new WebhookSender([{ url }], { legacyUrl: process.env.OLD_WEBHOOK_URL });
 * ```
 */
export interface WebhookSenderOptions {
  /** Time of events, of batches and of the `webhook-timestamp` header (default: the system clock). */
  clock?: Clock;
  /** The fetch to send with (default: the global `fetch`, looked up when a request is made). */
  fetch?: typeof fetch;
  /** Random numbers in [0, 1) for retry jitter (default `Math.random`). */
  random?: () => number;
  /**
   * LimitRate v3's `webhookUrl`: one unsigned POST per event whose body is the event itself,
   * queued, retried and bounded like any endpoint (batch size 1, default event types).
   */
  legacyUrl?: string;
  /**
   * How long `close()` (and `flush()`) keep trying an endpoint before giving up on what is left
   * (default: the larger of twice the endpoint's `timeoutMs` and 10 seconds).
   */
  closeTimeoutMs?: number;
}

/**
 * Counters of a {@link WebhookSender}, summed over its endpoints (an event sent to two
 * endpoints counts twice). Every event an endpoint accepted is in exactly one of `queued`,
 * `inFlight`, `sent`, `failed` and `dropped`.
 */
export interface WebhookStats {
  /** Events waiting in the queues. */
  queued: number;
  /** Events in batches being sent (or waiting to be retried). */
  inFlight: number;
  /** Events the receivers acknowledged with a 2xx. */
  sent: number;
  /** Events in batches that were given up (`webhook_failed`). */
  failed: number;
  /** Events dropped from full queues, from a disabled endpoint or at close (`webhook_dropped`). */
  dropped: number;
  /** Attempts after the first one of their batch. */
  retries: number;
}

/** The three Standard Webhooks headers, as `verifyWebhook` reads them. */
export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** A Fetch API `Headers` object, or anything else with a case-insensitive `get`. */
export interface HeadersLike {
  get(name: string): string | null;
}

/**
 * Where `verifyWebhook` finds the headers: the three headers as a plain object, a Fetch API
 * `Headers`, or Node's `IncomingMessage.headers` (names are matched case-insensitively).
 */
export type WebhookHeaderSource = WebhookHeaders | HeadersLike | Readonly<Record<string, string | readonly string[] | undefined>>;

/** Options of `verifyWebhook`. */
export interface VerifyWebhookOptions {
  /** Largest accepted difference between `webhook-timestamp` and now, either way (default 300 s). */
  toleranceSeconds?: number;
  /** The current time in milliseconds since the epoch, like `Clock.now()` (default `Date.now()`). */
  now?: number;
}
