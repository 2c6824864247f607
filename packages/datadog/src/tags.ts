// Turning plan, endpoint, user and other values into valid Datadog tags.

const MAX_TAG_LENGTH = 200;

/**
 * A tag value Datadog and the DogStatsD protocol accept: letters, digits, `_ - : . /`;
 * anything else (the `|` of `POST|/api`, `,`, `#`, spaces, newlines) becomes `_`.
 * Empty values become `none`. At most 200 characters with the key.
 */
export function tagValue(value: string): string {
  if (value === '') return 'none';
  const clean = value.replace(/[^A-Za-z0-9_\-:./]/g, '_');
  return clean.length > 150 ? clean.slice(0, 150) : clean;
}

/** `key:value`, sanitised. */
export function tag(key: string, value: string): string {
  const t = `${key}:${tagValue(value)}`;
  return t.length > MAX_TAG_LENGTH ? t.slice(0, MAX_TAG_LENGTH) : t;
}

/** Global tags given as `['env:prod']` or `{ env: 'prod' }`, sanitised. */
export function normalizeGlobalTags(tags: readonly string[] | Readonly<Record<string, string>> | undefined): string[] {
  if (tags === undefined) return [];
  if (Array.isArray(tags)) {
    return (tags as readonly string[]).map((t) => {
      const i = t.indexOf(':');
      return i > 0 ? tag(t.slice(0, i), t.slice(i + 1)) : tagValue(t);
    });
  }
  return Object.entries(tags as Readonly<Record<string, string>>).map(([k, v]) => tag(k, v));
}
