// RedisStore on a real 3-master Redis Cluster: keys carry the owner's hash tag so that all
// limits of one request share a slot (one EVALSHA); hostile ids cannot move the tag; a set
// spread over several slots is all or nothing; scripts reload per master; reset scans every
// master.
import { RateLimiter, REDIS_CONSUME_SCRIPT, REDIS_CONSUME_SHA, type LimitSpec } from '@limitrate/core';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tagKey, untagBinary } from '../src/codec.js';
import { RedisStore } from '../src/index.js';
import { consumeAcrossSlots } from '../src/cross-slot.js';
import { groupBySlot, keySlot } from '../src/slot.js';
import { countCommands, startCluster, type TestCluster } from './cluster-helper.js';
import { startRedis, uniquePrefix } from './redis-server.js';

let cluster: TestCluster;
let client: Cluster;
beforeAll(async () => {
  cluster = await startCluster();
  client = cluster.client();
  await client.ping();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

const fw = (key: string, limit = 1, cost = 1): LimitSpec => ({ key, algorithm: 'fixed-window', limit, windowMs: 600_000, cost });
const HOSTILE_IDS = ['', ' ', '{', '}', '{}', '}{', '{user}', 'a}:{b', 'u:42', ':', '::', '%7B', '*', '[x]', 'ключ', '用户', '🙂', '\uD800', 'e\u0301', 'x'.repeat(10_240), '{'.repeat(5_000)];

/** The stored keys under a prefix, on every master. */
async function storedKeys(prefix: string): Promise<string[]> {
  const all: string[] = [];
  for (const node of client.nodes('master')) all.push(...(await node.keys(`${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`)));
  return all;
}

describe('slots', () => {
  it('computes the same slot as CLUSTER KEYSLOT', async () => {
    const keys = ['', 'a', 'user:1', '{user}:1', 'x{}y', '{}{a}', 'a{b}c{d}', '{{a}}', 'ключ', '🙂{🙂}', 'x'.repeat(10_000), tagKey('u1:GET|/a'), tagKey(':x')];
    for (const k of keys) expect(keySlot(k), k.slice(0, 20)).toBe(await client.cluster('KEYSLOT', k));
  });

  it('tags the owner part: every key of one owner maps to one slot, the empty owner too', () => {
    for (const owner of ['', 'u1', 'a}b', '}', '}}a', '{', 'ключ']) {
      const slots = new Set(['', ':GET|/a:r', ':GET|/b:t', ':x:y:z'].map((rest) => keySlot(`limitrate:${tagKey(owner + rest)}`)));
      expect(slots.size, JSON.stringify(owner)).toBe(1);
    }
  });

  it('tagging is injective and reversible', () => {
    const keys = ['', ':', '::', 'a', 'a:', ':a', '{a}', '{a}:b', '}', '}:', '}}:x', '{:}', '{:}:', 'a}b:c', 'a}:b', 'u1:GET|/a', '🙂:x'];
    const tagged = keys.map(tagKey);
    expect(new Set(tagged).size).toBe(keys.length);
    for (const [i, t] of tagged.entries()) expect(untagBinary(Buffer.from(t).toString('latin1')), JSON.stringify(keys[i])).toBe(Buffer.from(keys[i]!).toString('latin1'));
  });
});

describe('one request, one slot, one EVALSHA', () => {
  it('a request of several limits (two rate windows and a cost cap) costs exactly one script call', async () => {
    const prefix = uniquePrefix('one');
    const counted = cluster.client();
    const store = new RedisStore({ client: counted, keyPrefix: prefix });
    expect(store.hashTags).toBe(true);
    const limiter = new RateLimiter({ store, policies: { free: { rate: { maxPerMinute: 3, maxPerHour: 10 }, cost: { hourlyCap: 1 } } } });
    const request = { userId: 'u:{1}', plan: 'free', endpoint: 'POST|/api/chat', cost: 0.01 };
    await limiter.check(request); // warms the script cache of that master
    const counts = countCommands(counted);
    const results = [await limiter.check(request), await limiter.check(request), await limiter.check(request)];
    expect(results.map((r) => r.allowed)).toEqual([true, true, false]);
    expect((counts.get('EVALSHA') ?? 0) + (counts.get('EVAL') ?? 0)).toBe(3);
    expect(counts.get('EVALSHA')).toBe(3);
    expect([...counts.keys()].sort()).toEqual(['EVALSHA']);
    const keys = await storedKeys(prefix);
    expect(keys.length).toBe(3);
    for (const k of keys) expect(k.startsWith(`${prefix}{u%3A%7B1%7D}:`), k).toBe(true);
    expect(new Set(keys.map((k) => keySlot(k))).size).toBe(1);
    await limiter.close();
  });

  it('hostile ids (braces, colons, unicode, lone surrogates, 10 KB, empty) get their own counters, one slot each, one call each', async () => {
    const prefix = uniquePrefix('hostile');
    const counted = cluster.client();
    const store = new RedisStore({ client: counted, keyPrefix: prefix });
    const limiter = new RateLimiter({ store, policies: { free: { rate: { maxPerMinute: 1, maxPerHour: 5 } } } });
    await limiter.check({ userId: 'warm', plan: 'free', endpoint: 'GET|/x' });
    for (const node of client.nodes('master')) await node.call('SCRIPT', 'LOAD', REDIS_CONSUME_SCRIPT);
    const counts = countCommands(counted);
    for (const userId of HOSTILE_IDS) expect((await limiter.check({ userId, plan: 'free', endpoint: 'GET|/x' })).allowed, JSON.stringify(userId).slice(0, 30)).toBe(true);
    for (const userId of HOSTILE_IDS) expect((await limiter.check({ userId, plan: 'free', endpoint: 'GET|/x' })).allowed, JSON.stringify(userId).slice(0, 30)).toBe(false);
    expect(counts.get('EVALSHA')).toBe(2 * HOSTILE_IDS.length);
    expect([...counts.keys()]).toEqual(['EVALSHA']);
    // Two keys (minute and hour) per id, nothing shared.
    expect(await store.reset({ all: true })).toBe(2 * (HOSTILE_IDS.length + 1));
    await limiter.close();
  });

  it('raw keys whose owner holds braces stay distinct and are decided all or nothing', async () => {
    const store = new RedisStore({ client, keyPrefix: uniquePrefix('raw') });
    const owners = ['{a}', 'a}', '}a', '{', '}', '{}', '', 'a', '}{'];
    for (const o of owners) expect((await store.consume([fw(`${o}:1`), fw(`${o}:2`), fw(o)])).allowed, o).toBe(true);
    for (const o of owners) expect((await store.consume([fw(`${o}:1`)])).allowed, o).toBe(false);
    expect(await store.reset({ all: true })).toBe(3 * owners.length);
  });
});

describe('limits in several slots (decided slot by slot, refunded on refusal)', () => {
  // 'global' and 'u1' hash to different slots (checked below).
  function setup() {
    const store = new RedisStore({ client, keyPrefix: uniquePrefix('xslot') });
    const slot = (key: string) => keySlot(`${store.keyPrefix}${tagKey(key)}`);
    expect(slot('global:all')).not.toBe(slot('u1:GET|/a'));
    return store;
  }
  const used = async (store: RedisStore, limits: LimitSpec[]) => (await store.consume(limits, { mode: 'peek' })).limits.map((l) => l.used);

  it('admits and commits every slot when all allow', async () => {
    const store = setup();
    const set = [fw('u1:GET|/a', 5, 2), fw('global:all', 10, 3), fw('u1:GET|/a:h', 8)];
    const r = await store.consume(set);
    expect(r).toMatchObject({ allowed: true, committed: true });
    expect(r.limits.map((l) => l.used)).toEqual([2, 3, 1]);
    expect(await used(store, set)).toEqual([2, 3, 1]);
  });

  it('commits nothing anywhere when any slot refuses, whichever slot it is', async () => {
    const store = setup();
    const user = fw('u1:GET|/a', 5);
    const global = fw('global:all', 2);
    await store.consume([global]);
    await store.consume([global]);
    expect(await used(store, [global])).toEqual([2]);
    for (const set of [[user, global], [global, user]]) {
      const r = await store.consume(set);
      expect(r).toMatchObject({ allowed: false, committed: false });
      const u = r.limits[set.indexOf(user)]!;
      expect(u).toMatchObject({ allowed: true, used: 0, remaining: 5 });
      expect(r.limits[set.indexOf(global)]).toMatchObject({ allowed: false, used: 2, remaining: 0 });
      expect(await used(store, [user, global])).toEqual([0, 2]);
    }
    // The user limit full, the global one free.
    const s2 = setup();
    await s2.consume([fw('u1:GET|/a', 1)]);
    const r = await s2.consume([fw('global:all', 5), fw('u1:GET|/a', 1)]);
    expect(r).toMatchObject({ allowed: false, committed: false });
    expect(r.limits[0]).toMatchObject({ allowed: true, used: 0 });
    expect(await used(s2, [fw('global:all', 5), fw('u1:GET|/a', 1)])).toEqual([0, 1]);
  });

  it('peek commits nothing; force commits everywhere; soft limits never veto', async () => {
    const store = setup();
    const g = fw('global:all', 1);
    const u = fw('u1:GET|/a', 3);
    expect(await store.consume([g, u], { mode: 'peek' })).toMatchObject({ allowed: true, committed: false });
    expect(await used(store, [g, u])).toEqual([0, 0]);
    await store.consume([g]);
    const forced = await store.consume([g, u], { mode: 'force' });
    expect(forced).toMatchObject({ allowed: false, committed: true });
    expect(await used(store, [g, u])).toEqual([2, 1]);
    const soft = await store.consume([{ ...g, soft: true }, u]);
    expect(soft).toMatchObject({ allowed: true, committed: true });
    expect(await used(store, [g, u])).toEqual([3, 2]);
  });

  it('uses one time for every slot of a decision (the first slot reads TIME)', async () => {
    const store = setup();
    const set = [fw('global:all', 10), fw('u1:GET|/a', 10), fw('u2:GET|/a', 10)];
    const r = await store.consume(set);
    expect(r.allowed).toBe(true);
    // Every fixed window reports the same reset, so every slot used the same `now`.
    expect(new Set(r.limits.map((l) => l.resetMs)).size).toBe(1);
    expect(r.now).toBeGreaterThan(1_600_000_000_000);
  });

  it('concurrent cross-slot sets never over-admit and leave no partial charge', { timeout: 60_000 }, async () => {
    const store = setup();
    const global = fw('global:all', 60);
    const users = Array.from({ length: 8 }, (_, i) => fw(`u${i}:GET|/a`, 10));
    const sets = Array.from({ length: 240 }, (_, i) => [users[i % 8]!, global]);
    const results = await Promise.all(sets.map((s) => store.consume(s)));
    const admitted = results.filter((r) => r.allowed);
    expect(admitted.every((r) => r.committed)).toBe(true);
    expect(results.filter((r) => !r.allowed).every((r) => !r.committed)).toBe(true);
    expect(admitted.length).toBeLessThanOrEqual(60);
    expect(admitted.length).toBeGreaterThan(0);
    // Final state: the global counter and the per-user counters hold exactly the admitted units.
    const perUser = (await store.consume(users, { mode: 'peek' })).limits.map((l) => l.used);
    const g = (await store.consume([global], { mode: 'peek' })).limits[0]!.used;
    expect(g).toBe(admitted.length);
    expect(perUser.reduce((a, b) => a + b, 0)).toBe(admitted.length);
    for (const [i, n] of perUser.entries()) expect(n).toBe(results.filter((r, j) => j % 8 === i && r.allowed).length);
  });
});

describe('cross-slot failures', () => {
  async function harness(failOn: (n: number, mode: string) => boolean) {
    const store = new RedisStore({ client, keyPrefix: uniquePrefix('xfail') });
    const limits = [fw('u1:GET|/a', 5), fw('global:all', 1)];
    const keys = limits.map((l) => `${store.keyPrefix}${tagKey(l.key)}`);
    const groups = groupBySlot(keys, '');
    expect(groups.length).toBe(2);
    let n = 0;
    const run = async (args: (string | Buffer)[]) => {
      const mode = String(args[Number(args[0]) + 2]);
      if (failOn(++n, mode)) throw new Error(`injected failure of call ${n} (${mode})`);
      return client.call('EVALSHA', REDIS_CONSUME_SHA, ...args);
    };
    await store.consume(limits, { mode: 'peek' }); // loads the script where needed
    const used = async () => (await store.consume(limits, { mode: 'peek' })).limits.map((l) => l.used);
    return { store, limits, keys, groups, run, used };
  }

  it('a failing later slot rejects, and the slots already committed are given back', async () => {
    const h = await harness((n) => n === 2);
    await expect(consumeAcrossSlots(h.run, h.limits, h.keys, h.groups, 'consume', undefined, undefined)).rejects.toThrow(/injected/);
    expect(await h.used()).toEqual([0, 0]);
  });

  it('a failing refund still answers refused (the units stay counted: under-, never over-admission)', async () => {
    const h = await harness((_, mode) => mode === 'force');
    const [first, later] = [h.groups[0]!.indexes[0]!, h.groups[1]!.indexes[0]!];
    h.limits[later] = fw(h.limits[later]!.key, 1);
    await h.store.consume([h.limits[later]!]); // the slot visited second is full
    const r = await consumeAcrossSlots(h.run, h.limits, h.keys, h.groups, 'consume', undefined, undefined);
    expect(r).toMatchObject({ allowed: false, committed: false });
    expect(r.limits[later]).toMatchObject({ allowed: false, used: 1 });
    expect(r.limits[first]).toMatchObject({ allowed: true, used: 1 }); // not given back: reported as the consume left it
    expect((await h.used())[first]).toBe(1);
  });
});

describe('scripts and reset', () => {
  it('falls back to EVAL once per master after SCRIPT FLUSH', async () => {
    const store = new RedisStore({ client, keyPrefix: uniquePrefix('flush') });
    const owners = Array.from({ length: 12 }, (_, i) => `o${i}`);
    const masters = new Set(owners.map((o) => client.slots[keySlot(`${store.keyPrefix}{${o}}`)]?.[0]));
    expect(masters.size).toBe(3);
    for (const node of client.nodes('master')) await node.call('SCRIPT', 'FLUSH');
    for (const o of owners) expect((await store.consume([fw(`${o}:a`, 2), fw(`${o}:b`, 2)])).allowed).toBe(true);
    for (const node of client.nodes('master')) expect(await node.call('SCRIPT', 'EXISTS', REDIS_CONSUME_SHA)).toEqual([1]);
  });

  it('reset by keys, by pattern and all scans every master and touches nothing else', async () => {
    const prefix = uniquePrefix('reset');
    const store = new RedisStore({ client, keyPrefix: prefix });
    const users = Array.from({ length: 12 }, (_, i) => `u${i}`);
    for (const u of users) await store.consume([fw(`${u}:GET|/a:r`), fw(`${u}:POST|/b:r`)]);
    await store.consume([fw('other')]);
    await client.set(`outside:{u1}:GET|/a:r`, '1');
    const masters = new Set((await storedKeys(prefix)).map((k) => client.slots[keySlot(k)]?.[0]));
    expect(masters.size).toBe(3);
    expect(await store.reset({ keys: ['u0:GET|/a:r', 'u0:GET|/a:r', 'missing'] })).toBe(1);
    expect(await store.reset({ pattern: 'u1:*' })).toBe(2);
    expect(await store.reset({ pattern: '*:GET|/a:*' })).toBe(10);
    expect(await store.reset({ pattern: 'u1*' })).toBe(2); // u10, u11 POST
    expect(await store.reset({ pattern: 'oth*' })).toBe(1);
    expect(await store.reset({ all: true })).toBe(9); // POST of u0 and u2..u9
    expect(await store.reset({ all: true })).toBe(0);
    expect(await client.exists('outside:{u1}:GET|/a:r')).toBe(1);
    await client.del('outside:{u1}:GET|/a:r');
  });

  it('limiter.reset({ userId }) removes exactly that user on the cluster', async () => {
    const store = new RedisStore({ client, keyPrefix: uniquePrefix('ureset') });
    const limiter = new RateLimiter({ store, policies: { free: { rate: { maxPerMinute: 1, maxPerHour: 5 } } } });
    for (const userId of ['{a}', 'a', 'b:c']) await limiter.check({ userId, plan: 'free', endpoint: 'GET|/x' });
    expect(await limiter.reset({ userId: '{a}' })).toBe(2);
    expect(await limiter.reset({ userId: 'b:c' })).toBe(2);
    expect(await store.reset({ all: true })).toBe(2);
    await limiter.close();
  });

  it("works with a Cluster client that has its own ioredis keyPrefix", async () => {
    const own = uniquePrefix('ioredis');
    const prefixed = cluster.client({ keyPrefix: own });
    const store = new RedisStore({ client: prefixed, keyPrefix: 'lr:' });
    for (const u of ['a', 'b', 'c', 'd']) expect((await store.consume([fw(`${u}:1`), fw(`${u}:2`), fw('global:x', 10)])).allowed).toBe(true);
    expect(await client.exists(`${own}lr:{a}:1`)).toBe(1);
    expect(await store.reset({ pattern: 'a:*' })).toBe(2);
    expect(await store.reset({ all: true })).toBe(7);
  });
});

describe('standalone with hashTags: true (the Cluster layout)', () => {
  it('keeps the tagged layout on a standalone server from a url', async () => {
    const redis = await startRedis();
    try {
      const prefix = uniquePrefix('portable');
      const store = new RedisStore({ url: redis.url, keyPrefix: prefix, hashTags: true });
      expect((await store.consume([fw('u1:GET|/a'), fw('global:all', 5)])).allowed).toBe(true);
      const plain = redis.client();
      expect(await plain.exists(`${prefix}{u1}:GET|/a`, `${prefix}{global}:all`)).toBe(2);
      expect(await store.reset({ pattern: 'u1:*' })).toBe(1);
      expect(await store.reset({ all: true })).toBe(1);
      await store.close();
      expect(() => new RedisStore({ url: redis.url, hashTags: 'yes' as never })).toThrow(/hashTags/);
    } finally {
      await redis.stop();
    }
  });
});
