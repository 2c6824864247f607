// The adapter's options from an integration test's: this helper's own keys taken out, and
// every callback that receives the framework's request (or response) given the
// framework-neutral IntegrationRequest (or IntegrationResponseView) instead.
import type { StoreOption } from '@limitrate/core';
import { flatHeaders } from './node.js';
import type { IntegrationRequest, IntegrationResponseView, IntegrationTestOptions } from './types.js';

/** Keys of IntegrationTestOptions that are not the adapter's. */
const OWN_KEYS: ReadonlySet<string> = new Set(['framework', 'store', 'routes', 'adapterOptions', 'root']);

/** Callbacks whose first argument is the request. */
const REQUEST_CALLBACKS = ['identifyUser', 'identifyPlan', 'skip', 'identifyTokenUsage', 'priority'] as const;

type Fn = (...args: unknown[]) => unknown;

/** A response of any of the frameworks, as a view: node-style (`statusCode`, `getHeaders()`) or a Web Response. */
export function responseView(raw: unknown): IntegrationResponseView {
  if (raw instanceof Response) {
    const headers: Record<string, string> = {};
    raw.headers.forEach((v, k) => (headers[k] = v));
    return { status: raw.status, headers, raw };
  }
  const r = raw as { statusCode?: unknown; getHeaders?: () => Record<string, number | string | string[] | undefined> } | null;
  const status = typeof r?.statusCode === 'number' ? r.statusCode : 0;
  const headers = typeof r?.getHeaders === 'function' ? flatHeaders(r.getHeaders()) : {};
  return { status, headers, raw };
}

/** `estimateCost` anywhere in the policies, given the view; everything else kept as it is. */
function mapPolicies(value: unknown, view: (raw: unknown) => IntegrationRequest, depth: number): unknown {
  if (depth > 8 || typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'estimateCost' && typeof v === 'function') {
      const fn = v as Fn;
      out[k] = function estimateCost(req: unknown) {
        return fn(view(req));
      };
    } else out[k] = mapPolicies(v, view, depth + 1);
  }
  return out;
}

/**
 * The options to give the adapter: the integration test's without its own keys, with
 * `store` resolved, callbacks mapped to the view, and `adapterOptions` merged last.
 */
export function adapterOptionsOf(options: IntegrationTestOptions, store: StoreOption | undefined, view: (raw: unknown) => IntegrationRequest): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) if (!OWN_KEYS.has(k)) out[k] = v;
  if (store !== undefined) out.store = store;
  for (const name of REQUEST_CALLBACKS) {
    const fn = out[name];
    if (typeof fn === 'function') {
      out[name] = function callback(req: unknown) {
        return (fn as Fn)(view(req));
      };
    }
  }
  const override = out.getUserOverride;
  if (typeof override === 'function') {
    out.getUserOverride = function getUserOverride(userId: unknown, req: unknown) {
      return (override as Fn)(userId, view(req));
    };
  }
  const extract = out.extractTokenUsage;
  if (typeof extract === 'function') {
    out.extractTokenUsage = function extractTokenUsage(res: unknown, req: unknown) {
      return (extract as Fn)(responseView(res), view(req));
    };
  }
  if ('policies' in out) out.policies = mapPolicies(out.policies, view, 0);
  return { ...out, ...(options.adapterOptions ?? {}) };
}
