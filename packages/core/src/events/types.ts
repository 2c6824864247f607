// The typed events LimitRate emits (v3's event names and fields, plus v4's).
import type { LimitRateError } from '../errors/index.js';

/** Fields every event carries. */
export interface BaseEvent {
  /** When it happened (ms since the epoch, from the limiter's clock). */
  timestamp: number;
  user: string;
  plan: string;
  /** Canonical endpoint, `METHOD|/path`. */
  endpoint: string;
}

/** The request passed every limit. */
export interface AllowedEvent extends BaseEvent {
  type: 'allowed';
}

/** A limit was exceeded. `value` is the usage the request would have reached, `threshold` the limit. */
export interface ExceededEvent extends BaseEvent {
  type: 'rate_exceeded' | 'cost_exceeded' | 'token_limit_exceeded';
  /** `1s`, `1m`, `1h`, `1d` or `bucket`. */
  window: string;
  value: number;
  threshold: number;
  /** What was done about it. */
  action: 'block' | 'slowdown' | 'allow-and-log';
  /** Seconds until the same request would be admitted (absent when it never can). */
  retryAfterSeconds?: number;
  /** Id of the limit (`rate:1m`, `cost:1d`, ...). */
  limit: string;
  /** Token count of the request (token limits). */
  tokens?: number;
  /** Request cost in dollars (cost limits). */
  cost?: number;
  /** True when `dryRun` is on: nothing was actually blocked or slowed. */
  dryRun: boolean;
}

/** A `slowdown` rule delayed the request by `value` ms. */
export interface SlowdownEvent extends BaseEvent {
  type: 'slowdown_applied';
  value: number;
}

/** A client IP matched the blocklist (emitted by HTTP adapters). */
export interface IpBlockedEvent extends BaseEvent {
  type: 'ip_blocked';
  ip: string;
}

/** The store failed or timed out; `policy` says what the request got. */
export interface StoreErrorEvent extends BaseEvent {
  type: 'store_error';
  store: string;
  error: LimitRateError;
  policy: 'allow' | 'block';
}

/**
 * A ResilientStore's circuit breaker changed state: `open` (calls skip the store and get the
 * insurance store's answer, or the failure policy), `half-open` (one probe call goes to the
 * store), `closed` (the store answers again). `user`, `plan` and `endpoint` are empty.
 */
export interface StoreCircuitEvent extends BaseEvent {
  type: 'store_circuit';
  /** The wrapped store's name. */
  store: string;
  state: 'closed' | 'open' | 'half-open';
  previous: 'closed' | 'open' | 'half-open';
  /** Consecutive failures counted when the state changed. */
  failures: number;
  /** The insurance store's name, when there is one. */
  insurance?: string;
  /** The failure that opened (or reopened) the circuit. */
  error?: LimitRateError;
}

/**
 * A call to a ResilientStore's store failed or timed out and the insurance store answered it
 * instead. Calls answered by the insurance store while the circuit is open emit no event
 * (see `store_circuit`). `user`, `plan` and `endpoint` are empty.
 */
export interface StoreFallbackEvent extends BaseEvent {
  type: 'store_fallback';
  store: string;
  insurance: string;
  error: LimitRateError;
}

/** A user callback failed; `fallback` says what the limiter did instead. */
export interface CallbackErrorEvent extends BaseEvent {
  type: 'callback_error';
  callback: string;
  error: LimitRateError;
  fallback: string;
}

/** Usage reconciled after a response (`record()`): positive charges, negative refunds. */
export interface UsageRecordedEvent extends BaseEvent {
  type: 'usage_recorded';
  /** Tokens charged (+) or refunded (-). */
  tokens: number;
  /** Dollars charged (+) or refunded (-). */
  cost: number;
  /** True when the charge took a token or cost limit past its limit. */
  overLimit: boolean;
}

/** The request named a plan that has no policy. */
export interface UnknownPlanEvent extends BaseEvent {
  type: 'unknown_plan';
  /** The plan the request asked for (`plan` holds the one applied, or '' for none). */
  requestedPlan: string;
  handling: 'default' | 'allow' | 'block';
}

/** A webhook receiver could not be reached or refused a batch after every retry. */
export interface WebhookFailedEvent extends BaseEvent {
  type: 'webhook_failed';
  url: string;
  /** Events in the batch that was given up on. */
  events: number;
  attempts: number;
  /** Last HTTP status, when there was a response. */
  status?: number;
  error: string;
}

/** The webhook queue was full: the oldest events were dropped to make room. */
export interface WebhookDroppedEvent extends BaseEvent {
  type: 'webhook_dropped';
  url: string;
  /** Events dropped this time. */
  count: number;
}

export type LimitRateEvent =
  | AllowedEvent
  | WebhookFailedEvent
  | WebhookDroppedEvent
  | ExceededEvent
  | SlowdownEvent
  | IpBlockedEvent
  | StoreErrorEvent
  | StoreCircuitEvent
  | StoreFallbackEvent
  | CallbackErrorEvent
  | UsageRecordedEvent
  | UnknownPlanEvent;

export type LimitRateEventType = LimitRateEvent['type'];

/** The event of a given type (works for union-typed events such as ExceededEvent too). */
export type EventOf<T extends LimitRateEventType> = LimitRateEvent extends infer E ? (E extends { type: infer U } ? (T extends U ? E : never) : never) : never;

/** What `dryRunLogger` receives (v3 shape). */
export interface DryRunEvent {
  timestamp: Date;
  user: string;
  plan: string;
  endpoint: string;
  action: 'block' | 'slowdown' | 'allow-and-log';
  reason: 'rate_exceeded' | 'cost_exceeded' | 'token_limit_exceeded';
  current: number;
  limit: number;
  /** Seconds. */
  retryAfter: number;
}

/** Returned by subscriptions; call `dispose()` to unsubscribe. */
export interface Disposable {
  dispose(): void;
}
