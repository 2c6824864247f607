// The route template of an App Router request, rebuilt from what Next.js passes the handler:
// the path with each dynamic segment's value put back as its name (`/api/users/42` with
// params `{ id: '42' }` is `/api/users/:id`; a catch-all's segments become `*`). A value
// equal to a literal segment (`/api/users/users`) fits more than one place: the template
// then is one that an unambiguous request to the same handler produced before.

/** What a dynamic segment holds: a string, the segments of a catch-all, or nothing (an empty optional catch-all). */
export type ParamValue = string | readonly string[] | undefined;

/** Most templates considered for one request (params whose values repeat literal segments). */
const MAX_CANDIDATES = 16;
/** Most templates a handler remembers. */
const MAX_KNOWN = 64;

/** A segment compared with a param value: Next.js decodes params, paths stay encoded. */
function same(segment: string, value: string): boolean {
  if (segment === value) return true;
  if (!segment.includes('%')) return false;
  try {
    return decodeURIComponent(segment) === value;
  } catch {
    return false;
  }
}

/** Every template of `path` that the params fit, in order from the leftmost placement. */
export function templatesFromParams(path: string, params: Readonly<Record<string, ParamValue>>): string[] {
  const segments = path.split('/');
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)) as Array<[string, string | readonly string[]]>;
  const out: string[] = [];
  const place = (k: number, from: number, parts: string[], shift: number): void => {
    if (out.length >= MAX_CANDIDATES) return;
    if (k === entries.length) {
      out.push(parts.join('/'));
      return;
    }
    const [name, value] = entries[k]!;
    const values: readonly string[] = typeof value === 'string' ? [value] : value;
    for (let i = from; i + values.length <= segments.length; i++) {
      let fits = true;
      for (let j = 0; j < values.length && fits; j++) fits = same(segments[i + j]!, String(values[j]));
      if (!fits) continue;
      const next = parts.slice();
      next.splice(i - shift, values.length, typeof value === 'string' ? `:${name}` : '*');
      place(k + 1, i + values.length, next, shift + values.length - 1);
    }
  };
  place(0, 1, segments, 0);
  return out;
}

/**
 * The template of `path` given the route's params (in route order, as Next.js builds
 * them): the leftmost placement, or undefined when some value is not in the path.
 *
 * @example
 * ```ts
 * templateFromParams('/api/orgs/acme/docs/a/b', { org: 'acme', slug: ['a', 'b'] }); // '/api/orgs/:org/docs/*'
 * ```
 */
export function templateFromParams(path: string, params: Readonly<Record<string, ParamValue>>): string | undefined {
  return templatesFromParams(path, params)[0];
}

/** Whether `v` is a params object (string, string[] or undefined values). */
function isParams(v: unknown): v is Record<string, ParamValue> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const x of Object.values(v)) if (x !== undefined && typeof x !== 'string' && !Array.isArray(x)) return false;
  return true;
}

/**
 * Templates from handler contexts (`{ params }`, a promise since Next.js 15), remembering
 * the unambiguous ones to settle ambiguous requests. One per wrapped handler.
 */
export class ParamTemplates {
  private readonly known = new Set<string>();

  /**
   * The template of a request: the path itself for a route without params; undefined
   * without a usable context (a handler called by hand) or when the params do not fit.
   */
  async of(path: string, context: unknown): Promise<string | undefined> {
    if (typeof context !== 'object' || context === null || !('params' in context)) return undefined;
    let params: unknown;
    try {
      params = await (context as { params: unknown }).params;
    } catch {
      return undefined;
    }
    if (params === undefined || params === null) return path;
    if (!isParams(params)) return undefined;
    const candidates = templatesFromParams(path, params);
    if (candidates.length === 1) {
      const only = candidates[0]!;
      if (!this.known.has(only) && this.known.size < MAX_KNOWN) this.known.add(only);
      return only;
    }
    return candidates.find((t) => this.known.has(t)) ?? candidates[0];
  }
}
