// Endpoint keys: parsing `'METHOD|/path'` policy keys (literal paths, `:param` templates and
// `*` wildcards), canonicalising request endpoints, and ordering patterns by specificity.

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE'] as const;

/** Segment kinds, most specific first. */
const LITERAL = 0;
const PARAM = 1;
const REST = 2;

/** A parsed policy key. */
export interface EndpointPattern {
  /** The key as written in the config. */
  source: string;
  /** Canonical form: upper-case method, normalised lower-case path (`POST|/users/:id`). */
  key: string;
  /** Upper-case method, or `*` for any. */
  method: string;
  /** Lower-case literal text per segment ('' for params and wildcards). */
  segments: string[];
  kinds: number[];
  /** True when every segment is literal (looked up in a map, not scanned). */
  literal: boolean;
  /** True for the path `*` on its own: any path, the root included. */
  anyPath: boolean;
}

/** A request's endpoint in canonical form. */
export interface CanonicalEndpoint {
  /** `METHOD|/path` with the method upper-case (`*` when unknown) and the path normalised. */
  key: string;
  method: string;
  path: string;
  segments: string[];
}

const UNRESERVED = /%(2[DdEe]|3[0-9]|[46][1-9A-Fa-f]|[57][0-9Aa]|5[Ff]|7[Ee])/g;

/**
 * Normalise a URL path for matching and counting: drop the query and fragment, collapse
 * repeated slashes, drop a trailing slash, decode percent-encoded unreserved characters
 * and lower-case it (paths match case-insensitively, like Express's default router).
 */
export function normalizePath(raw: string): string {
  let p = raw;
  const q = p.search(/[?#]/);
  if (q >= 0) p = p.slice(0, q);
  if (p.includes('%')) p = p.replace(UNRESERVED, (m) => String.fromCharCode(parseInt(m.slice(1), 16)));
  p = p.toLowerCase();
  if (!p.startsWith('/')) p = `/${p}`;
  p = p.replace(/\/{2,}/g, '/');
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

/**
 * Canonicalise a request endpoint. Accepts `'POST|/api/chat'`, or a path plus a method,
 * or nothing (the endpoint `*|*`, which only plan defaults match).
 */
export function canonicalEndpoint(endpoint: string | undefined, method: string | undefined): CanonicalEndpoint {
  let m = method;
  let path = endpoint;
  if (endpoint !== undefined) {
    const bar = endpoint.indexOf('|');
    if (bar >= 0) {
      m = endpoint.slice(0, bar);
      path = endpoint.slice(bar + 1);
    }
  }
  const upper = m === undefined || m === '' ? '*' : m.trim().toUpperCase();
  if (path === undefined || path === '' || path === '*') {
    return { key: `${upper}|*`, method: upper, path: '*', segments: [] };
  }
  const normalized = normalizePath(path.trim());
  return { key: `${upper}|${normalized}`, method: upper, path: normalized, segments: normalized === '/' ? [] : normalized.slice(1).split('/') };
}

/** Why a policy key is invalid, or the parsed pattern. */
export function parseEndpointPattern(source: string): EndpointPattern | string {
  const bar = source.indexOf('|');
  if (bar < 0) return 'must look like "METHOD|/path" (for example "POST|/api/chat" or "*|/api/*")';
  const method = source.slice(0, bar).trim().toUpperCase();
  if (method !== '*' && !(HTTP_METHODS as readonly string[]).includes(method)) {
    return `"${source.slice(0, bar)}" is not an HTTP method (use one of ${HTTP_METHODS.join(', ')} or *)`;
  }
  const rawPath = source.slice(bar + 1).trim();
  if (rawPath === '*') {
    return { source, key: `${method}|*`, method, segments: [''], kinds: [REST], literal: false, anyPath: true };
  }
  if (!rawPath.startsWith('/')) return `the path "${rawPath}" must start with "/"`;
  if (/[?#]/.test(rawPath)) return `the path "${rawPath}" must not contain a query string or fragment`;
  const path = normalizePath(rawPath);
  const parts = path === '/' ? [] : path.slice(1).split('/');
  const segments: string[] = [];
  const kinds: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === '*') {
      segments.push('');
      kinds.push(i === parts.length - 1 ? REST : PARAM);
    } else if (part.startsWith(':')) {
      if (part.length === 1) return `the path "${rawPath}" has a parameter without a name (use ":id")`;
      segments.push('');
      kinds.push(PARAM);
    } else if (part === '**') {
      return 'use a single "*" as the last segment to match the rest of the path (for example "GET|/api/*")';
    } else if (part.includes('*')) {
      return `the segment "${part}" mixes "*" with text; "*" must be a whole segment`;
    } else {
      segments.push(part);
      kinds.push(LITERAL);
    }
  }
  // Canonical key keeps parameter names (lower-cased) so that it reads like the config.
  return { source, key: `${method}|${path}`, method, segments, kinds, literal: kinds.every((k) => k === LITERAL), anyPath: false };
}

/** Does `pattern` match the canonical request endpoint? */
export function matchesEndpoint(pattern: EndpointPattern, ep: CanonicalEndpoint): boolean {
  if (pattern.method !== '*' && pattern.method !== ep.method) return false;
  if (ep.path === '*') return false;
  const segs = ep.segments;
  const kinds = pattern.kinds;
  const n = kinds.length;
  for (let i = 0; i < n; i++) {
    const kind = kinds[i]!;
    if (kind === REST) return segs.length > i || pattern.anyPath;
    if (i >= segs.length) return false;
    if (kind === LITERAL && pattern.segments[i] !== segs[i]) return false;
    if (kind === PARAM && segs[i] === '') return false;
  }
  return segs.length === n;
}

/**
 * Precedence: the most specific path wins. Paths are compared segment by segment from the
 * left: a literal beats a `:param` or single `*`, which beats a trailing `*`. When one
 * path runs out first, the longer one wins. Between equal paths, a named method beats
 * `*`. Remaining ties keep the order of the config.
 */
export function comparePatterns(a: EndpointPattern, b: EndpointPattern): number {
  const n = Math.min(a.kinds.length, b.kinds.length);
  for (let i = 0; i < n; i++) {
    const d = a.kinds[i]! - b.kinds[i]!;
    if (d !== 0) return d;
  }
  if (a.kinds.length !== b.kinds.length) return b.kinds.length - a.kinds.length;
  const am = a.method === '*' ? 1 : 0;
  const bm = b.method === '*' ? 1 : 0;
  return am - bm;
}
