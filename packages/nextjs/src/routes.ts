// Route templates the user names (`routes: ['/api/users/[id]', '/docs/:path*']`): written in
// Next.js file syntax or with colons, matched against request paths by core's endpoint
// patterns (the most specific template wins, as in Next's router), and cached by path.
import { canonicalEndpoint, comparePatterns, matchesEndpoint, parseEndpointPattern, type ConfigIssue, type EndpointPattern } from '@limitrate/core';

/** Distinct paths whose template is remembered (a full cache starts over). */
const CACHE_LIMIT = 10_000;

interface Entry {
  pattern: EndpointPattern;
  /** What requests matching it are counted as (`/api/users/:id`, `/docs/*`). */
  template: string;
}

/** Templates by request path: `match(path)` names the template that path belongs to. */
export interface RouteTable {
  /** The template of the first (most specific) route matching `path`, or undefined. */
  match(path: string): string | undefined;
  readonly size: number;
}

const EMPTY: RouteTable = { match: () => undefined, size: 0 };

/**
 * One segment of a template in colon syntax: `[id]` is `:id`, `[...slug]` and
 * `[[...slug]]` are `*` (the rest of the path); `(group)` and `@slot` segments are not in URLs.
 * Returns undefined for a segment to drop.
 */
function colonSegment(segment: string): { text: string; optionalRest: boolean } | undefined {
  if (/^\(.*\)$/.test(segment) || segment.startsWith('@')) return undefined;
  const optional = /^\[\[\.\.\.[^\]]+\]\]$/.test(segment);
  if (optional || /^\[\.\.\.[^\]]+\]$/.test(segment)) return { text: '*', optionalRest: optional };
  const param = /^\[([^\]]+)\]$/.exec(segment);
  if (param !== null) return { text: `:${param[1]}`, optionalRest: false };
  if (/^:.+\*$/.test(segment)) return { text: '*', optionalRest: true }; // path-to-regexp's :path*
  if (/^:.+\+$/.test(segment)) return { text: '*', optionalRest: false }; // :path+
  return { text: segment, optionalRest: false };
}

/**
 * A template in colon syntax (`/api/users/[id]` -> `/api/users/:id`), with whether its last
 * segment may match nothing at all (`[[...slug]]`, `:path*`).
 *
 * @example
 * ```ts
 * toColonTemplate('/shop/(store)/[...slug]'); // { template: '/shop/*', optionalRest: false }
 * ```
 */
export function toColonTemplate(source: string): { template: string; optionalRest: boolean } {
  const out: string[] = [];
  let optionalRest = false;
  const parts = source.split('/');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === '') continue;
    const seg = colonSegment(part);
    if (seg === undefined) continue;
    out.push(seg.text);
    optionalRest = seg.optionalRest && i === parts.length - 1;
  }
  return { template: `/${out.join('/')}`, optionalRest };
}

/** Compiles `routes`; invalid entries become issues at `routes[i]`. */
export function compileRoutes(routes: unknown): { table: RouteTable; issues: ConfigIssue[] } {
  if (routes === undefined) return { table: EMPTY, issues: [] };
  const issues: ConfigIssue[] = [];
  const bad = (path: string, message: string) =>
    issues.push({ path, code: 'ERR_LIMITRATE_INVALID_CONFIG', message, hint: "Write route templates like '/api/users/[id]', '/api/users/:id' or '/docs/[...slug]'" });
  if (!Array.isArray(routes)) {
    bad('routes', `must be an array of route templates, got ${typeof routes}`);
    return { table: EMPTY, issues };
  }
  const entries: Entry[] = [];
  routes.forEach((source: unknown, i) => {
    if (typeof source !== 'string' || !source.startsWith('/')) {
      bad(`routes[${i}]`, `must be a path starting with "/", got ${JSON.stringify(source)}`);
      return;
    }
    const { template, optionalRest } = toColonTemplate(source);
    const parsed = parseEndpointPattern(`*|${template}`);
    if (typeof parsed === 'string') {
      bad(`routes[${i}]`, parsed);
      return;
    }
    entries.push({ pattern: parsed, template });
    if (optionalRest) {
      // `/docs/[[...slug]]` matches `/docs` itself too, counted under the same template.
      const base = parseEndpointPattern(`*|${template.slice(0, -2) || '/'}`);
      if (typeof base !== 'string') entries.push({ pattern: base, template });
    }
  });
  entries.sort((a, b) => comparePatterns(a.pattern, b.pattern));
  return { table: entries.length === 0 ? EMPTY : routeTable(entries), issues };
}

function routeTable(entries: readonly Entry[]): RouteTable {
  let cache = new Map<string, string | null>();
  return {
    size: entries.length,
    match(path) {
      const hit = cache.get(path);
      if (hit !== undefined) return hit ?? undefined;
      const ep = canonicalEndpoint(path, 'GET');
      let found: string | null = null;
      for (const e of entries) {
        if (matchesEndpoint(e.pattern, ep)) {
          found = e.template;
          break;
        }
      }
      if (cache.size >= CACHE_LIMIT) cache = new Map();
      cache.set(path, found);
      return found ?? undefined;
    },
  };
}
