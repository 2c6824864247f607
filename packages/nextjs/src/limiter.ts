// Building the HttpLimiter behind each helper: the adapter's own options (`routes`) taken
// out, `store: { type: 'upstash' }` resolved here with an import bundlers can follow (so it
// works on the edge runtime and inside Next.js bundles), and every configuration problem
// reported in one ConfigError.
import { ConfigError, DeferredStore, HttpLimiter, validateConfig, type ConfigIssue, type HttpLimiterOptions } from '@limitrate/core';
import { compileRoutes, type RouteTable } from './routes.js';

/** Options every helper of this package adds to core's HTTP options. */
export interface RouteOptions {
  /**
   * Route templates, in Next.js file syntax (`/api/users/[id]`, `/docs/[...slug]`) or with
   * colons (`/api/users/:id`). A request whose path matches one is counted under that
   * template (the most specific wins), so `/api/users/1` and `/api/users/2` share the
   * endpoint `GET|/api/users/:id`.
   */
  routes?: readonly string[];
}

/** Loads @limitrate/upstash with a literal specifier, which bundlers (webpack, Turbopack) resolve and bundle. */
const loadUpstash = (): Promise<Record<string, unknown>> => import('@limitrate/upstash') as unknown as Promise<Record<string, unknown>>;

/** Problems with `store` alone, as core reports them. */
function storeIssues(store: unknown): ConfigIssue[] {
  try {
    validateConfig({ policies: { free: {} }, store });
    return [];
  } catch (error) {
    return error instanceof ConfigError ? error.issues.filter((i) => i.path.startsWith('store')) : [];
  }
}

/** `store: { type: 'upstash', ... }` as a store whose package is imported by this one. */
function resolveStore<T extends HttpLimiterOptions<never, never>>(options: T): T {
  const store = options.store as { type?: unknown; consume?: unknown } | undefined;
  if (typeof store !== 'object' || store === null || store.type !== 'upstash' || typeof store.consume === 'function') return options;
  if (storeIssues(store).length > 0) return options; // core reports them
  return { ...options, store: new DeferredStore('upstash', store as Record<string, unknown>, options.clock, loadUpstash) };
}

/**
 * The HttpLimiter of a helper and its route table. `more` returns the helper's own
 * problems with the options (given the limiter, or undefined when core refused the options
 * first); all of them are thrown together with core's.
 */
export function buildLimiter<TReq, TRes>(
  options: (HttpLimiterOptions<TReq, TRes> & RouteOptions) | undefined,
  more: (http: HttpLimiter<TReq, TRes> | undefined) => ConfigIssue[] = () => [],
): { http: HttpLimiter<TReq, TRes>; routes: RouteTable } {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    return { http: new HttpLimiter<TReq, TRes>(options as unknown as HttpLimiterOptions<TReq, TRes>), routes: compileRoutes(undefined).table };
  }
  const { routes: routeList, ...rest } = options;
  const { table, issues } = compileRoutes(routeList);
  let http: HttpLimiter<TReq, TRes>;
  try {
    http = new HttpLimiter<TReq, TRes>(resolveStore(rest as HttpLimiterOptions<never, never>) as unknown as HttpLimiterOptions<TReq, TRes>);
  } catch (error) {
    const mine = error instanceof ConfigError ? [...issues, ...more(undefined)] : [];
    if (mine.length > 0) throw new ConfigError([...mine, ...(error as ConfigError).issues]);
    throw error;
  }
  const all = [...issues, ...more(http)];
  if (all.length > 0) {
    void http.close().catch(() => undefined);
    throw new ConfigError(all);
  }
  return { http, routes: table };
}
