// The alert webhook: one JSON POST when an alert starts firing and one when it clears. It
// never throws: the outcome is returned for the dashboard's status line.
import type { AlertTransition, AlertUnit } from './alerts.js';
import { messageOf } from './errors.js';

/** The JSON body POSTed to `--webhook`. */
export interface AlertWebhookPayload {
  /** The rule, canonical: `blockRate>5%`. */
  alert: string;
  metric: string;
  /** The metric's value when the state changed, in `unit` (null when not measured). */
  value: number | null;
  threshold: number;
  unit: AlertUnit;
  state: 'firing' | 'resolved';
  /** ISO 8601 time of the report that changed the state. */
  at: string;
  /** What the dashboard watches (`http://host/limitrate`, `redis://host:6379`). */
  source: string;
}

/** What became of a POST. */
export type WebhookResult = { ok: true; status: number } | { ok: false; error: string };

/** Options of `postWebhook`. */
export interface PostWebhookOptions {
  /** Give up after this long (default 5 s). */
  timeoutMs?: number;
  /** The fetch to use (default the global one). */
  fetch?: typeof fetch;
}

/**
 * The webhook body for a transition.
 *
 * @example
 * ```ts
 * alertPayload({ rule, state: 'firing', value: 6.2 }, 'http://127.0.0.1:3000/limitrate', Date.now());
 * ```
 */
export function alertPayload(transition: AlertTransition, source: string, at: number): AlertWebhookPayload {
  const { rule } = transition;
  return {
    alert: rule.id,
    metric: rule.metric,
    value: transition.value,
    threshold: rule.threshold,
    unit: rule.unit,
    state: transition.state,
    at: new Date(at).toISOString(),
    source,
  };
}

/**
 * POSTs a payload as JSON. Resolves with the status, or with the reason it failed (an
 * unreachable host, a timeout, a non-2xx answer); never rejects.
 *
 * @example
 * ```ts
 * const result = await postWebhook('https://hooks.example.com/limitrate', payload);
 * if (!result.ok) console.error(result.error);
 * ```
 */
export async function postWebhook(url: string, payload: AlertWebhookPayload, options: PostWebhookOptions = {}): Promise<WebhookResult> {
  const { timeoutMs = 5000, fetch: fetchImpl = globalThis.fetch } = options;
  try {
    const res = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'limitrate-cli' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Drain the body so the connection can be reused or closed.
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) return { ok: false, error: `HTTP ${res.status}` };
    return { ok: true, status: res.status };
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError') return { ok: false, error: `no answer within ${timeoutMs}ms` };
    const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
    if (cause !== undefined && typeof cause.code === 'string') return { ok: false, error: cause.code };
    return { ok: false, error: messageOf(error) };
  }
}
