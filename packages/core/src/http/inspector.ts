// The inspector endpoint every adapter mounts (`limitrate.inspector({ token })`): the
// limiter's analytics report as JSON, for `npx limitrate dashboard --url`. Refuses any
// request without the token; the adapters only translate requests and responses.
import type { AnalyticsRecorder } from '../analytics/recorder.js';
import { parseReportQuery } from '../analytics/report.js';
import { ConfigError, isLimitRateError } from '../errors/index.js';

/** Options of `inspector()`. */
export interface InspectorOptions {
  /**
   * The secret the dashboard sends (`Authorization: Bearer <token>`, or the
   * `X-LimitRate-Token` header). Required: the inspector refuses every request without it.
   */
  token: string;
}

/** A request to the inspector, as an adapter describes it. */
export interface InspectorRequest {
  method: string;
  /** The query string's parameters (`range`, `top`, `blocks`, `user`, `plan`, `endpoint`). */
  query: { get(name: string): string | null };
  /** A request header by lower-case name. */
  header(name: string): string | undefined;
}

/** The inspector's answer: always JSON. */
export interface InspectorResponse {
  status: number;
  headers: Array<[string, string]>;
  body: string;
}

/** Answers one inspector request. */
export type InspectorHandler = (request: InspectorRequest) => InspectorResponse;

/** What the inspector reads the analytics from: a limiter (or, for a limiter built on the first request, undefined until then). */
export type InspectedLimiter = { readonly analytics: AnalyticsRecorder | undefined } | undefined;

const MIN_TOKEN = 8;

/** Compares without returning early on the first difference. */
function sameSecret(given: string, expected: string): boolean {
  let diff = given.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) diff |= (given.charCodeAt(i % Math.max(1, given.length)) || 0) ^ expected.charCodeAt(i);
  return diff === 0;
}

function json(status: number, value: unknown, extra: Array<[string, string]> = []): InspectorResponse {
  return {
    status,
    headers: [['content-type', 'application/json; charset=utf-8'], ['cache-control', 'no-store'], ...extra],
    body: JSON.stringify(value),
  };
}

function refusal(status: number, code: string, message: string, extra: Array<[string, string]> = []): InspectorResponse {
  return json(status, { ok: false, code, message }, extra);
}

/** The token given in the request, if any. */
function tokenOf(request: InspectorRequest): string | undefined {
  const auth = request.header('authorization');
  if (auth !== undefined) {
    const m = /^\s*bearer\s+(\S+)\s*$/i.exec(auth);
    if (m !== null) return m[1];
  }
  const header = request.header('x-limitrate-token');
  return header === undefined || header === '' ? undefined : header.trim();
}

/**
 * The inspector's request handler, framework-free (each adapter's `inspector({ token })`
 * wraps it). GET answers the analytics report as JSON; a missing or wrong token answers 401.
 *
 * @example
 * ```ts
 * const inspect = createInspector(() => limiter, { token: process.env.LIMITRATE_INSPECTOR_TOKEN! });
 * const res = inspect({ method: 'GET', query: new URLSearchParams('range=hour'), header: (n) => headers[n] });
 * ```
 */
export function createInspector(limiter: () => InspectedLimiter, options: InspectorOptions): InspectorHandler {
  const token = (options as Partial<InspectorOptions> | undefined)?.token;
  const hint = 'Pass a secret of at least 8 characters, e.g. inspector({ token: process.env.LIMITRATE_INSPECTOR_TOKEN }), and give the same to `npx limitrate dashboard --token`';
  if (typeof token !== 'string' || token.length < MIN_TOKEN) {
    throw new ConfigError([
      {
        path: 'inspector.token',
        code: 'ERR_LIMITRATE_INVALID_CONFIG',
        message: typeof token === 'string' ? `must be at least ${MIN_TOKEN} characters, got ${token.length}` : `is required (the inspector never answers without one), got ${token === undefined ? 'nothing' : typeof token}`,
        hint,
      },
    ]);
  }
  const now = limiter();
  if (now !== undefined && now.analytics === undefined) throw analyticsOff();
  return function inspector(request: InspectorRequest): InspectorResponse {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return refusal(405, 'ERR_LIMITRATE_METHOD_NOT_ALLOWED', `The inspector answers GET, not ${request.method.slice(0, 20)}`, [['allow', 'GET, HEAD']]);
    }
    const given = tokenOf(request);
    const challenge: Array<[string, string]> = [['www-authenticate', 'Bearer realm="limitrate"']];
    if (given === undefined) return refusal(401, 'ERR_LIMITRATE_UNAUTHORIZED', 'The inspector needs its token: send "Authorization: Bearer <token>" (npx limitrate dashboard --token <token>)', challenge);
    if (!sameSecret(given, token)) return refusal(401, 'ERR_LIMITRATE_UNAUTHORIZED', 'The token does not match the inspector\'s: check --token (or LIMITRATE_TOKEN) against inspector({ token })', challenge);
    const target = limiter();
    if (target === undefined) return refusal(503, 'ERR_LIMITRATE_NOT_READY', 'The limiter is built by the first request it limits, and none has arrived yet: try again after one', [['retry-after', '1']]);
    const analytics = target.analytics;
    if (analytics === undefined) return refusal(404, 'ERR_LIMITRATE_ANALYTICS_OFF', 'Analytics is off for this limiter: set analytics: true in its options');
    try {
      return json(200, analytics.report(parseReportQuery(request.query)));
    } catch (error) {
      if (isLimitRateError(error)) return refusal(400, error.code, error.message);
      return refusal(500, 'ERR_LIMITRATE_INSPECTOR', 'The report could not be built; see the server log');
    }
  };
}

function analyticsOff(): ConfigError {
  return new ConfigError([
    {
      path: 'analytics',
      code: 'ERR_LIMITRATE_INVALID_CONFIG',
      message: 'is off, so the inspector would have nothing to show',
      hint: 'Set analytics: true (or analytics options) in the limiter\'s options before mounting inspector()',
    },
  ]);
}
