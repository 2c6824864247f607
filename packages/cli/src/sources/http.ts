// The HTTP source: GET the inspector endpoint an app mounts (`limitrate.inspector({ token })`)
// with the token, and turn every way that can fail into a message that says what to check.
import { reportQueryString } from '@limitrate/core';
import { CliError, usageError } from '../errors.js';
import type { AnalyticsReport, ReportQuery } from '../report-types.js';
import { VERSION } from '../version.js';
import { innermostMessage, networkCode, networkReason } from './network.js';
import { redactUrl } from './redact.js';
import type { ReportSource } from './types.js';
import { asReport } from './validate.js';

/** Options of `createHttpSource`. */
export interface HttpSourceOptions {
  /** The inspector's URL: `http://127.0.0.1:3000/limitrate`. */
  url: string;
  /** The inspector's token (sent as `Authorization: Bearer <token>`). */
  token?: string;
  /** Give up on a request after this long (default 5 s). */
  timeoutMs?: number;
  /** The fetch to use (default the global one). */
  fetch?: typeof fetch;
}

/** The first characters of a body, on one line, for an error message. */
function excerpt(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat;
}

/** `{ ok: false, code, message }` from the inspector, when the body is one. */
function refusalOf(body: string): { code: string; message: string } | undefined {
  try {
    const v = JSON.parse(body) as unknown;
    if (typeof v === 'object' && v !== null && typeof (v as { message?: unknown }).message === 'string') {
      const { code, message } = v as { code?: unknown; message: string };
      return { code: typeof code === 'string' ? code : '', message };
    }
  } catch {
    // Not JSON: the caller says so.
  }
  return undefined;
}

/**
 * A source that reads the inspector endpoint of a running app. Every failure rejects with a
 * CliError: `ERR_LIMITRATE_CLI_UNREACHABLE` (connection refused, host not found...),
 * `ERR_LIMITRATE_CLI_TIMEOUT`, `ERR_LIMITRATE_CLI_UNAUTHORIZED` (401/403),
 * `ERR_LIMITRATE_CLI_NOT_FOUND` (404, no inspector there) or `ERR_LIMITRATE_CLI_BAD_RESPONSE`
 * (not JSON, another report version, another HTTP error). Throws a usage error at once for
 * a URL that is not http(s).
 *
 * @example
 * ```ts
 * const source = createHttpSource({ url: 'http://127.0.0.1:3000/limitrate', token: process.env.LIMITRATE_TOKEN });
 * const report = await source.fetch({ range: 'hour', filter: { plan: 'free' } });
 * ```
 */
export function createHttpSource(options: HttpSourceOptions): ReportSource {
  const { token, timeoutMs = 5000, fetch: fetchImpl = globalThis.fetch } = options;
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw usageError(`--url ${JSON.stringify(options.url)} is not a URL: write it in full, e.g. http://127.0.0.1:3000/limitrate`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw usageError(`--url ${JSON.stringify(redactUrl(base))} is not http(s): the inspector is served over HTTP, e.g. http://127.0.0.1:3000/limitrate`);
  }
  if (base.username !== '' || base.password !== '') {
    throw usageError(`--url ${JSON.stringify(redactUrl(base))} must not contain user:password@ (fetch refuses credentials in URLs): the inspector takes its secret with --token`);
  }
  const shown = redactUrl(base);
  const seconds = `${Number((timeoutMs / 1000).toFixed(3))}s`;

  return {
    describe: shown,
    async fetch(query: ReportQuery): Promise<AnalyticsReport> {
      const url = new URL(base);
      for (const [k, v] of new URLSearchParams(reportQueryString(query))) url.searchParams.set(k, v);
      const headers: Record<string, string> = { accept: 'application/json', 'user-agent': `limitrate-cli/${VERSION}` };
      if (token !== undefined && token !== '') headers['authorization'] = `Bearer ${token}`;
      const signal = AbortSignal.timeout(timeoutMs);
      let status: number;
      let contentType: string;
      let body: string;
      try {
        const res = await fetchImpl(url, { headers, signal });
        status = res.status;
        contentType = res.headers.get('content-type') ?? '';
        body = await res.text();
      } catch (error) {
        if (error instanceof Error && (error.name === 'TimeoutError' || signal.aborted)) {
          throw new CliError('ERR_LIMITRATE_CLI_TIMEOUT', `${shown} did not answer within ${seconds} — is the app overloaded or stuck? (--timeout waits longer)`, { cause: error });
        }
        const code = networkCode(error);
        const reason = networkReason(code) ?? code ?? innermostMessage(error);
        throw new CliError('ERR_LIMITRATE_CLI_UNREACHABLE', `cannot reach ${shown}: ${reason} — is the app running and the inspector mounted at that path?`, { cause: error });
      }
      if (status === 401 || status === 403) {
        const refusal = refusalOf(body);
        // The inspector's own refusal says what to do after a colon, as the hint below does
        // for the CLI's options: its first clause only, so that the advice is not given twice.
        const reason = refusal?.code === 'ERR_LIMITRATE_UNAUTHORIZED' ? refusal.message.split(':')[0]! : refusal?.message;
        const told = refusal === undefined ? `HTTP ${status}` : `HTTP ${status}${refusal.code ? ` ${refusal.code}` : ''}: ${reason}`;
        const hint =
          token === undefined || token === ''
            ? 'pass the inspector\'s token with --token or LIMITRATE_TOKEN'
            : 'check that --token (or LIMITRATE_TOKEN) is the token given to inspector({ token })';
        throw new CliError('ERR_LIMITRATE_CLI_UNAUTHORIZED', `${shown} refused the request (${told}) — ${hint}`);
      }
      if (status === 404) {
        const refusal = refusalOf(body);
        if (refusal !== undefined && refusal.code.startsWith('ERR_LIMITRATE')) {
          throw new CliError('ERR_LIMITRATE_CLI_NOT_FOUND', `${shown} answered HTTP 404 ${refusal.code}: ${refusal.message}`);
        }
        throw new CliError('ERR_LIMITRATE_CLI_NOT_FOUND', `no LimitRate inspector at ${shown} (HTTP 404) — check the path it is mounted at, e.g. app.use('/limitrate', limitrate.inspector({ token }))`);
      }
      if (status < 200 || status > 299) {
        const refusal = refusalOf(body);
        const told = refusal === undefined ? excerpt(body) : `${refusal.code ? `${refusal.code}: ` : ''}${refusal.message}`;
        throw new CliError('ERR_LIMITRATE_CLI_BAD_RESPONSE', `${shown} answered HTTP ${status}${told ? `: ${told}` : ''}`);
      }
      let value: unknown;
      try {
        value = JSON.parse(body);
      } catch (error) {
        const kind = contentType === '' ? 'no content type' : contentType.split(';')[0];
        throw new CliError('ERR_LIMITRATE_CLI_BAD_RESPONSE', `${shown} did not answer JSON (${kind}: ${JSON.stringify(excerpt(body).slice(0, 40))}) — is that the inspector endpoint?`, { cause: error });
      }
      return asReport(value, shown);
    },
    async close(): Promise<void> {
      // Nothing is held between requests.
    },
  };
}
