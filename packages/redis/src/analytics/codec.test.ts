// Units of the analytics storage format: packed counters, identifier fields, shortened ids,
// the key layout and the prefix check.
import { describe, expect, it } from 'vitest';
import { isZero, MAX_ID_LENGTH, packCounts, packStore, pairField, parseField, storedId, unpackCounts, unpackStore, userField } from './codec.js';
import { analyticsKeys, checkPrefix } from './keys.js';

describe('packed counters', () => {
  it('round-trip, with dollars as whole micro-dollars and latency sums as whole microseconds', () => {
    const c = { requests: 7, allowed: 4, slowed: 1, blocked: 2, logged: 0, degraded: 1, cost: 0.1 + 0.2, tokens: 1200 };
    expect(packCounts(c)).toBe('7,4,1,2,0,1,300000,1200');
    expect(unpackCounts(packCounts(c))).toEqual({ ...c, cost: 0.3 });
    const s = { operations: 3, errors: 1, latencySumMs: 1.2345, latency: [1, 0, 1] };
    expect(packStore(s)).toBe('3,1,1235,1,0,1');
    expect(unpackStore(packStore(s), 4)).toEqual({ operations: 3, errors: 1, latencySumMs: 1.235, latency: [1, 0, 1, 0] });
    expect(isZero(unpackCounts(''))).toBe(true);
    expect(isZero({ ...unpackCounts(''), tokens: 5 })).toBe(false);
  });
});

describe('identifier fields', () => {
  it('are injective JSON arrays, whatever the ids hold', () => {
    const ids = ['', 'a|b', 'a', 'b|c', ':', '"', '\\', '[', '\uD800', '\uFFFD', 'ключ', '🙂', '\u0000'];
    const fields = new Set<string>();
    for (const a of ids) for (const b of ids) fields.add(pairField(a, b));
    expect(fields.size).toBe(ids.length ** 2);
    for (const a of ids) expect(parseField(userField(a, 'p', 'e'), 3)).toEqual([a, 'p', 'e']);
    expect(parseField('o', 2)).toBeUndefined();
    expect(parseField('["a"]', 2)).toBeUndefined();
  });

  it('shorten huge ids, keeping them distinct', () => {
    const a = 'x'.repeat(50_000);
    const b = `${'x'.repeat(49_999)}y`;
    expect(storedId('x'.repeat(MAX_ID_LENGTH))).toBe('x'.repeat(MAX_ID_LENGTH));
    expect(storedId(a)).not.toBe(storedId(b));
    expect(storedId(a).length).toBeLessThanOrEqual(MAX_ID_LENGTH);
    expect(storedId(`${'\uD800'.repeat(2000)}`)).not.toBe(storedId(`${'\uFFFD'.repeat(2000)}`));
  });
});

describe('keys', () => {
  it('share one hash tag', () => {
    const k = analyticsKeys('app:analytics');
    expect([k.minute(60_000), k.minuteUsers(60_000), k.hour(0), k.hourUsers(0), k.blocks, k.instances, k.live]).toEqual([
      '{app:analytics}:m:60000',
      '{app:analytics}:m:60000:u',
      '{app:analytics}:h:0',
      '{app:analytics}:h:0:u',
      '{app:analytics}:blocks',
      '{app:analytics}:instances',
      '{app:analytics}:instances:live',
    ]);
  });

  it('refuse a prefix that would break the tag', () => {
    for (const bad of ['', '{', 'a}', 'x'.repeat(201), '\uD800', 3]) expect(() => checkPrefix(bad, 'p'), String(bad)).toThrow(expect.objectContaining({ code: 'ERR_LIMITRATE_INVALID_CONFIG', path: 'p' }));
    expect(checkPrefix('ключ:analytics', 'p')).toBe('ключ:analytics');
  });
});
