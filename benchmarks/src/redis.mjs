// The Redis benchmark: decisions per second against one local redis-server, sequentially and
// with 256 in flight, for LimitRate's RedisStore (one limit and a four-limit set),
// rate-limiter-flexible's RateLimiterRedis, and a bare EVALSHA loop (the smallest atomic
// fixed-window script: INCRBY and PEXPIRE) with the same ioredis client settings; plus the
// Redis commands each decision costs, from INFO commandstats. Also over HTTP: @upstash/ratelimit
// and LimitRate's UpstashStore (both through @upstash/redis) against the local
// Upstash-compatible REST server (packages/upstash/test/rest-server.mjs) in front of the same
// redis-server, run in this (the parent) process, so its work is not the worker's. Every
// (subject, mode, pass) runs in its own child process (this file with --worker), passes
// interleaved, medians reported. The CLI is redis-run.mjs; redis.test.ts runs it in quick mode.
import { fork, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startRestServer } from '../../packages/upstash/test/rest-server.mjs';
import { environment, median } from './harness.mjs';

const SELF = fileURLToPath(import.meta.url);
const HUGE = 1e9;

/**
 * The contestants. `setup(client, prefix, rest)` resolves to `decide(userKey)`; subjects with
 * `http: true` talk to the REST server (`rest`: its `{ url, token }`) instead of `client`.
 */
export const REDIS_SUBJECTS = {
  limitrate: {
    label: 'LimitRate RateLimiter.check() on RedisStore, one limit (fixed window)',
    async setup(client, prefix) {
      const { RateLimiter } = await import('@limitrate/core');
      const { RedisStore } = await import('@limitrate/redis');
      const limiter = new RateLimiter({ store: new RedisStore({ client, keyPrefix: prefix }), policies: { free: { rate: { maxPerMinute: HUGE } } } });
      return (user) => limiter.check({ userId: user, endpoint: 'GET|/api/items' });
    },
  },
  'limitrate-4': {
    label: 'LimitRate RateLimiter.check() on RedisStore, four limits (per second, minute, hour, day) decided together',
    async setup(client, prefix) {
      const { RateLimiter } = await import('@limitrate/core');
      const { RedisStore } = await import('@limitrate/redis');
      const rate = { maxPerSecond: HUGE, maxPerMinute: HUGE, maxPerHour: HUGE, maxPerDay: HUGE };
      const limiter = new RateLimiter({ store: new RedisStore({ client, keyPrefix: prefix }), policies: { free: { rate } } });
      return (user) => limiter.check({ userId: user, endpoint: 'GET|/api/items' });
    },
  },
  'limitrate-unbatched': {
    label: 'LimitRate RateLimiter.check() on RedisStore with maxBatch: 1 (one EVALSHA per decision, batching off), one limit',
    async setup(client, prefix) {
      const { RateLimiter } = await import('@limitrate/core');
      const { RedisStore } = await import('@limitrate/redis');
      const limiter = new RateLimiter({ store: new RedisStore({ client, keyPrefix: prefix, maxBatch: 1 }), policies: { free: { rate: { maxPerMinute: HUGE } } } });
      return (user) => limiter.check({ userId: user, endpoint: 'GET|/api/items' });
    },
  },
  'rate-limiter-flexible': {
    label: "rate-limiter-flexible RateLimiterRedis.consume() (its own Lua script), one limit",
    async setup(client, prefix) {
      const { RateLimiterRedis } = await import('rate-limiter-flexible');
      const rl = new RateLimiterRedis({ storeClient: client, keyPrefix: prefix, points: HUGE, duration: 60 });
      return (user) => rl.consume(user);
    },
  },
  'upstash-ratelimit': {
    label: '@upstash/ratelimit Ratelimit.limit(), fixed window (its own Lua script), ephemeral cache and analytics off; over HTTP (@upstash/redis defaults: keep-alive, auto-pipelining) through the local Upstash REST server',
    http: true,
    async setup(_client, prefix, rest) {
      const { Ratelimit } = await import('@upstash/ratelimit');
      const { Redis } = await import('@upstash/redis');
      const rl = new Ratelimit({
        redis: withoutUpstashScriptFlags(new Redis({ url: rest.url, token: rest.token })),
        limiter: Ratelimit.fixedWindow(HUGE, '60 s'),
        prefix: prefix.slice(0, -1), // it adds the ':'
        analytics: false,
        ephemeralCache: false,
      });
      return async (user) => {
        const r = await rl.limit(user);
        // Its timeout (5 s) answers success without Redis: that would not be a decision.
        if (!r.success || r.reason !== undefined) throw new Error(`upstash-ratelimit: unexpected answer ${JSON.stringify(r)}`);
      };
    },
  },
  'limitrate-upstash': {
    label: 'LimitRate RateLimiter.check() on UpstashStore (one EVALSHA request per decision), one limit (fixed window); over HTTP (@upstash/redis, keep-alive) through the local Upstash REST server',
    http: true,
    async setup(_client, prefix, rest) {
      const { RateLimiter } = await import('@limitrate/core');
      const { UpstashStore } = await import('@limitrate/upstash');
      // timeoutMs as @upstash/ratelimit's timeout (5 s; the store's default is 1 s): the same
      // bound for both, far above the latency at 256 in flight here.
      const store = new UpstashStore({ url: rest.url, token: rest.token, keyPrefix: prefix, timeoutMs: 5000 });
      const limiter = new RateLimiter({ store, policies: { free: { rate: { maxPerMinute: HUGE } } } });
      return async (user) => {
        const r = await limiter.check({ userId: user, endpoint: 'GET|/api/items' });
        // A store error (e.g. a timeout) is allowed by the failure policy: not a decision.
        if (!r.allowed || r.reason !== undefined) throw new Error(`limitrate-upstash: unexpected answer ${r.action} ${r.reason}`);
      };
    },
  },
  'bare-evalsha': {
    label: 'bare EVALSHA loop: INCRBY + PEXPIRE on first use (the floor of an atomic fixed window)',
    async setup(client, prefix) {
      client.defineCommand('bareWindow', {
        numberOfKeys: 1,
        lua: "local c = redis.call('INCRBY', KEYS[1], ARGV[1]) if c == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return c",
      });
      return (user) => client.bareWindow(prefix + user, 1, 60_000);
    },
  },
};

/**
 * @upstash/ratelimit 2.2's scripts start with `#!lua flags=allow-key-locking`, a flag only
 * Upstash knows (it locks just the script's KEYS there); redis-server 7 refuses the script.
 * This wraps its @upstash/redis client so that EVAL sends the script without that first line
 * (what a script without flags is to Redis) and EVALSHA asks for that script's SHA: the same
 * requests, one EVALSHA per decision, the same Lua otherwise.
 */
function withoutUpstashScriptFlags(redis) {
  const sha = (text) => createHash('sha1').update(text).digest('hex');
  const plainSha = new Map();
  return new Proxy(redis, {
    get(target, prop) {
      if (prop === 'evalsha') return (hash, keys, args) => target.evalsha(plainSha.get(hash) ?? hash, keys, args);
      if (prop === 'eval') {
        return (script, keys, args) => {
          const plain = script.replace(/^#!lua[^\n]*\n/, '');
          if (plain !== script) plainSha.set(sha(script), sha(plain));
          return target.eval(plain, keys, args);
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export const DEFAULT_REDIS_SUBJECTS = Object.keys(REDIS_SUBJECTS);
export const REDIS_MODES = [
  { id: 'sequential', inFlight: 1 },
  { id: 'in-flight-256', inFlight: 256 },
];
export const REDIS_FULL = { passes: 3, durationSec: 4, warmupSec: 1, users: 10_000 };
export const REDIS_QUICK = { passes: 1, durationSec: 0.5, warmupSec: 0.2, users: 100 };

/** Commands executed so far, by name (INFO commandstats), without INFO itself. */
async function commandCounts(client) {
  const text = await client.info('commandstats');
  const out = {};
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) if (m[1] !== 'info') out[m[1]] = Number(m[2]);
  return out;
}

/** One child: set up the subject, warm up, then decide for `durationSec` with `inFlight` outstanding. */
async function worker({ url, rest, subject, inFlight, durationSec, warmupSec, users, pass }) {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { enableAutoPipelining: false, maxRetriesPerRequest: 1 });
  const admin = new Redis(url);
  const prefix = `bench:${subject}:${inFlight}:${pass}:`;
  // HTTP subjects: count the requests (@upstash/redis calls the global fetch per request).
  let fetches = 0;
  if (REDIS_SUBJECTS[subject].http) {
    const realFetch = globalThis.fetch;
    globalThis.fetch = (...args) => {
      fetches++;
      return realFetch(...args);
    };
  }
  const decide = await REDIS_SUBJECTS[subject].setup(client, prefix, rest);
  const keys = Array.from({ length: users }, (_, i) => `user-${i}`);
  let next = 0;
  const run = async (seconds) => {
    const until = performance.now() + seconds * 1000;
    let done = 0;
    const lane = async () => {
      while (performance.now() < until) {
        await decide(keys[next++ % users]);
        done++;
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
    return done;
  };
  await run(warmupSec);
  const before = await commandCounts(admin);
  const fetchesBefore = fetches;
  const t0 = performance.now();
  const decisions = await run(durationSec);
  const elapsed = (performance.now() - t0) / 1000;
  const httpRequests = fetches - fetchesBefore;
  const after = await commandCounts(admin);
  const perDecision = {};
  for (const [name, calls] of Object.entries(after)) {
    const d = calls - (before[name] ?? 0);
    if (d > 0) perDecision[name] = Math.round((d / decisions) * 1000) / 1000;
  }
  client.disconnect();
  admin.disconnect();
  const result = { decisions, elapsed, perSec: decisions / elapsed, perDecision };
  if (REDIS_SUBJECTS[subject].http) result.httpPerDecision = Math.round((httpRequests / decisions) * 1000) / 1000;
  return result;
}

function runWorker(args) {
  return new Promise((resolve, reject) => {
    const child = fork(SELF, ['--worker', JSON.stringify(args)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result;
    child.on('message', (m) => (result = m));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 && result !== undefined ? resolve(result) : reject(new Error(`${args.subject} worker exited with code ${code}`))));
  });
}

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/**
 * LIMITRATE_REDIS_URL, or a private redis-server for the run (stopped after). `isolated`:
 * always a private one, since INFO commandstats counts every client's commands.
 */
async function redisForRun(isolated) {
  if (process.env.LIMITRATE_REDIS_URL && !isolated) return { url: process.env.LIMITRATE_REDIS_URL, stop: async () => {} };
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'limitrate-bench-redis-'));
  const server = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const { Redis } = await import('ioredis');
  for (let i = 0; i < 100; i++) {
    const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {}); // not up yet: the loop tries again
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      break;
    } catch {
      probe.disconnect();
      await delay(50);
    }
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      server.kill();
      await new Promise((r) => server.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The whole run. Options: quick, subjects, passes, durationSec, warmupSec, users, isolated, log. */
export async function runRedisBenchmarks(options = {}) {
  const cfg = { ...(options.quick ? REDIS_QUICK : REDIS_FULL) };
  for (const k of Object.keys(REDIS_FULL)) if (options[k] !== undefined) cfg[k] = options[k];
  const subjects = options.subjects ?? DEFAULT_REDIS_SUBJECTS;
  const log = options.log ?? (() => {});
  const started = performance.now();
  const redis = await redisForRun(options.isolated === true);
  const http = subjects.some((s) => REDIS_SUBJECTS[s].http);
  const rounds = new Map();
  let rest;
  try {
    // One REST server for the run, in this process (idle while a worker runs otherwise).
    if (http) rest = await startRestServer(redis.url, 'bench-token');
    for (let pass = 0; pass < cfg.passes; pass++) {
      for (const mode of REDIS_MODES) {
        const order = subjects.map((_, i) => subjects[(i + pass) % subjects.length]);
        for (const subject of order) {
          const args = { url: redis.url, subject, inFlight: mode.inFlight, durationSec: cfg.durationSec, warmupSec: cfg.warmupSec, users: cfg.users, pass };
          if (REDIS_SUBJECTS[subject].http) args.rest = { url: rest.url, token: rest.token };
          const r = await runWorker(args);
          if (rest !== undefined) rest.requests.length = 0; // its request log, unused here
          const key = `${mode.id} ${subject}`;
          if (!rounds.has(key)) rounds.set(key, []);
          rounds.get(key).push(r);
          const viaHttp = r.httpPerDecision === undefined ? '' : `  HTTP requests per decision ${r.httpPerDecision}`;
          log(`pass ${pass + 1}/${cfg.passes}  ${mode.id.padEnd(14)} ${subject.padEnd(22)} ${Math.round(r.perSec).toLocaleString('en-US').padStart(8)} decisions/s  commands per decision ${JSON.stringify(r.perDecision)}${viaHttp}`);
        }
      }
    }
  } finally {
    await rest?.close();
    await redis.stop();
  }
  const client = `ioredis 5, enableAutoPipelining false, one connection per subject${http ? '; HTTP subjects: @upstash/redis 1.39 (keep-alive) to the local Upstash REST server, which uses one ioredis connection to the same Redis' : ''}`;
  const results = { kind: 'redis', environment: environment(), quick: options.quick === true, config: { ...cfg, subjects, client }, modes: {} };
  for (const mode of REDIS_MODES) {
    results.modes[mode.id] = { inFlight: mode.inFlight, subjects: {} };
    for (const subject of subjects) {
      const all = rounds.get(`${mode.id} ${subject}`);
      const entry = { label: REDIS_SUBJECTS[subject].label, perSec: median(all.map((r) => r.perSec)), samples: all.map((r) => Math.round(r.perSec)), perDecision: all[all.length - 1].perDecision };
      if (REDIS_SUBJECTS[subject].http) entry.httpPerDecision = all[all.length - 1].httpPerDecision;
      results.modes[mode.id].subjects[subject] = entry;
    }
  }
  results.targets = evaluateRedisTargets(results);
  results.durationSec = Math.round((performance.now() - started) / 100) / 10;
  return results;
}

const ratio = (results, mode, a, b) => {
  const s = results.modes[mode]?.subjects;
  return s?.[a] && s?.[b] ? s[a].perSec / s[b].perSec : undefined;
};
const calls = (results, subject, mode = 'in-flight-256') => results.modes[mode]?.subjects[subject]?.perDecision;

/**
 * Round trips per decision: EVALSHA and EVAL calls (everything else INFO commandstats counts
 * for these subjects ran inside their scripts).
 */
export function roundTrips(perDecision) {
  if (perDecision === undefined) return undefined;
  return (perDecision.evalsha ?? 0) + (perDecision.eval ?? 0);
}

/** limitrate-upstash / upstash-ratelimit in both modes, as text (undefined: not measured). */
function upstashVs(results) {
  const seq = ratio(results, 'sequential', 'limitrate-upstash', 'upstash-ratelimit');
  const load = ratio(results, 'in-flight-256', 'limitrate-upstash', 'upstash-ratelimit');
  return seq === undefined || load === undefined ? undefined : `${seq.toFixed(2)}x one at a time, ${load.toFixed(2)}x at 256 in flight`;
}

/**
 * The issue's targets, each with its measured value and verdict (undefined: not measured);
 * `informative` rows have no target and no verdict.
 */
export function evaluateRedisTargets(results) {
  /** Exactly one EVALSHA per decision one at a time, and never more than one under load. */
  const oneEach = (subject) => {
    const seq = calls(results, subject, 'sequential');
    const load = calls(results, subject);
    if (seq === undefined || load === undefined) return { value: undefined, met: undefined };
    return { value: `${roundTrips(seq)} one at a time, ${roundTrips(load)} at 256 in flight`, met: seq.evalsha === 1 && roundTrips(seq) === 1 && roundTrips(load) <= 1 };
  };
  const unbatched = calls(results, 'limitrate-unbatched');
  const rows = [
    { id: 'R1', description: 'LimitRate, one limit: 1 EVALSHA per decision (one at a time; under load, batched decisions share one)', ...oneEach('limitrate') },
    { id: 'R1.4', description: 'LimitRate, four-limit set: 1 EVALSHA per decision (likewise)', ...oneEach('limitrate-4') },
    {
      id: 'R1.u',
      description: 'LimitRate with batching off: exactly 1 EVALSHA per decision at 256 in flight',
      value: roundTrips(unbatched),
      met: unbatched === undefined ? undefined : unbatched.evalsha === 1 && roundTrips(unbatched) === 1,
    },
    { id: 'R2', description: '256 in flight: LimitRate / rate-limiter-flexible decisions per second >= 1.5x', value: ratio(results, 'in-flight-256', 'limitrate', 'rate-limiter-flexible'), target: 1.5 },
    { id: 'R3', description: '256 in flight: LimitRate / bare EVALSHA loop >= 0.85x', value: ratio(results, 'in-flight-256', 'limitrate', 'bare-evalsha'), target: 0.85 },
    { id: 'U1', description: 'Over HTTP (local Upstash REST server): LimitRate UpstashStore / @upstash/ratelimit decisions per second (informative, no target)', value: upstashVs(results), informative: true },
  ];
  for (const r of rows) if (r.target !== undefined) r.met = r.value === undefined ? undefined : r.value >= r.target;
  return rows;
}

/** The figures as Markdown (README). */
export function formatRedisMarkdown(results) {
  const e = results.environment;
  const L = [`Measured ${e.date.slice(0, 10)}, Node ${e.node}, ${e.cpu} x ${e.cores} cores; ${results.config.client}; ${results.config.users.toLocaleString('en-US')} users round-robin; ${results.config.passes} passes x ${results.config.durationSec} s per subject and mode, medians.${results.quick ? ' QUICK MODE: figures not representative.' : ''}`];
  for (const [id, m] of Object.entries(results.modes)) {
    L.push('', `\`${id}\` (${m.inFlight} in flight):`, '', '| subject | decisions/s | passes | vs rate-limiter-flexible | vs bare EVALSHA | round trips | Redis commands per decision (in scripts included) |', '|---|---:|---|---:|---:|---:|---|');
    for (const [s, r] of Object.entries(m.subjects)) {
      const vs = (b) => (s === b || !m.subjects[b] ? '' : `${(r.perSec / m.subjects[b].perSec).toFixed(2)}x`);
      const cmds = Object.entries(r.perDecision).map(([k, v]) => `${k} ${v}`).join(', ');
      const trips = r.httpPerDecision === undefined ? roundTrips(r.perDecision) : `${roundTrips(r.perDecision)} (HTTP ${r.httpPerDecision})`;
      L.push(`| ${s} | ${Math.round(r.perSec).toLocaleString('en-US')} | ${r.samples.map((x) => x.toLocaleString('en-US')).join(', ')} | ${vs('rate-limiter-flexible')} | ${vs('bare-evalsha')} | ${trips} | ${cmds} |`);
    }
  }
  L.push('', '| target | measured | verdict |', '|---|---:|---|');
  const verdict = (t) => (t.value === undefined || (t.met === undefined && !t.informative) ? 'not measured' : t.informative ? 'no target' : t.met ? '**met**' : '**NOT met**');
  for (const t of results.targets) L.push(`| ${t.id}: ${t.description} | ${t.value === undefined ? 'n/a' : t.target === undefined ? t.value : `${t.value.toFixed(2)}x`} | ${verdict(t)} |`);
  return L.join('\n');
}

if (process.argv[2] === '--worker') {
  worker(JSON.parse(process.argv[3])).then(
    (r) => process.send(r, () => process.exit(0)),
    (e) => {
      process.stderr.write(`${e?.stack ?? e}\n`);
      process.exit(1);
    },
  );
}
