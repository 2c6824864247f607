// The in-memory Redis behind mockRedis and mockUpstash: string keys with expiry on the
// mock's clock, the script cache (EVALSHA / NOSCRIPT / EVAL of LimitRate's consume script),
// SCAN, UNLINK and the other commands LimitRate's stores and their tests send.
import { REDIS_CONSUME_SCRIPT, REDIS_CONSUME_SHA, RequestError } from '@limitrate/core';
import { binaryToUtf8, utf8ToBinary } from './bytes.js';
import { runConsumeScript, ScriptError, type ScriptKeyspace } from './consume-script.js';
import { globMatch } from './glob.js';

/** A command's reply: bulk and status strings (binary strings), integers, nil, arrays. */
export type Reply = string | number | null | Reply[];

/**
 * An error reply, as ioredis reports one (`ReplyError`, the message as Redis wrote it).
 *
 * @example
 * ```ts
 * await mockRedis().evalsha(REDIS_CONSUME_SHA, 0).catch((e: ReplyError) => e.message); // 'NOSCRIPT No matching script. Please use EVAL.'
 * ```
 */
export class ReplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplyError';
  }
}

/**
 * A source of the current time in ms; the mocks' keys expire by it and `TIME` reads it.
 *
 * @example
 * ```ts
 * const redis = mockRedis({ clock: manualClock(Date.now()) });
 * ```
 */
export interface MockClock {
  now(): number;
}

interface Entry {
  value: string;
  /** Expiry time (ms on the server's clock), or undefined for none. */
  at: number | undefined;
}

const wrongArgs = (name: string) => new ReplyError(`ERR wrong number of arguments for '${name.toLowerCase()}' command`);
const NOT_INTEGER = 'ERR value is not an integer or out of range';
const SYNTAX = 'ERR syntax error';

function integer(text: string | undefined): number {
  if (text === undefined || !/^-?\d+$/.test(text)) throw new ReplyError(NOT_INTEGER);
  const v = Number(text);
  if (!Number.isSafeInteger(v)) throw new ReplyError(NOT_INTEGER);
  return v;
}

/**
 * The data of one mock Redis, shared by every client made on it (`mockRedis({ server })`,
 * `mockUpstash({ server })`, `client.duplicate()`): what several app servers talking to one
 * Redis would see. Its inspection methods bypass the clients' faults and counters.
 *
 * @example
 * ```ts
 * const redis = mockRedis();
 * const upstash = mockUpstash({ server: redis.server }); // the same keys
 * redis.server.keys('limitrate:*'); // ['limitrate:u1:GET|/a:r:fw:60000']
 * ```
 */
export class MockRedisServer {
  /** The clock keys expire by and `TIME` answers from. */
  readonly clock: MockClock;
  private readonly data = new Map<string, Entry>();
  private readonly scripts = new Set<string>();
  private readonly cursors = new Map<string, string>();
  private nextCursor = 1;

  constructor(clock: MockClock = { now: () => Date.now() }) {
    if (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function') {
      throw new RequestError('mock Redis clock must have a now() method returning ms', 'Pass e.g. manualClock(0) from @limitrate/core, or leave it out for Date.now()');
    }
    this.clock = clock;
  }

  /** The live keys (as UTF-8 text), sorted, matching a Redis glob (default `*`). */
  keys(pattern = '*'): string[] {
    const now = this.clock.now();
    const p = utf8ToBinary(pattern);
    return this.liveKeys(now)
      .filter((k) => matches(p, k))
      .map(binaryToUtf8);
  }

  /** A key's value (UTF-8 text), or undefined when it is absent or expired. */
  get(key: string): string | undefined {
    const value = this.lookup(utf8ToBinary(key), this.clock.now())?.value;
    return value === undefined ? undefined : binaryToUtf8(value);
  }

  /** A key's remaining time to live in ms, as PTTL answers: -2 absent, -1 no expiry. */
  pttl(key: string): number {
    const now = this.clock.now();
    const e = this.lookup(utf8ToBinary(key), now);
    if (e === undefined) return -2;
    return e.at === undefined ? -1 : Math.round(e.at - now);
  }

  /** Number of live keys. */
  get size(): number {
    return this.liveKeys(this.clock.now()).length;
  }

  /** Delete every key (FLUSHALL). Scripts stay loaded. */
  flushAll(): void {
    this.data.clear();
    this.cursors.clear();
  }

  /** Forget the loaded scripts (SCRIPT FLUSH), as after a restart: the next EVALSHA gets NOSCRIPT. */
  flushScripts(): void {
    this.scripts.clear();
  }

  /** Whether the consume script is loaded (EVAL or SCRIPT LOAD ran since the last flush). */
  get scriptLoaded(): boolean {
    return this.scripts.has(REDIS_CONSUME_SHA);
  }

  /**
   * Runs one command (name in any case; arguments as binary strings, see bytes.ts) at the
   * clock's current time, atomically. Throws a {@link ReplyError} for an error reply.
   */
  execute(name: string, args: readonly string[]): Reply {
    const cmd = name.toUpperCase();
    const now = this.clock.now();
    switch (cmd) {
      case 'PING':
        if (args.length > 1) throw wrongArgs(cmd);
        return args[0] ?? 'PONG';
      case 'ECHO':
        if (args.length !== 1) throw wrongArgs(cmd);
        return args[0]!;
      case 'TIME':
        if (args.length !== 0) throw wrongArgs(cmd);
        return [...timeOf(now)];
      case 'GET':
        if (args.length !== 1) throw wrongArgs(cmd);
        return this.lookup(args[0]!, now)?.value ?? null;
      case 'SET':
        return this.set(args, now);
      case 'DEL':
      case 'UNLINK':
        if (args.length < 1) throw wrongArgs(cmd);
        return this.remove(args, now);
      case 'EXISTS':
        if (args.length < 1) throw wrongArgs(cmd);
        return args.filter((k) => this.lookup(k, now) !== undefined).length;
      case 'PTTL':
      case 'TTL': {
        if (args.length !== 1) throw wrongArgs(cmd);
        const e = this.lookup(args[0]!, now);
        if (e === undefined) return -2;
        if (e.at === undefined) return -1;
        return cmd === 'PTTL' ? Math.max(0, Math.round(e.at - now)) : Math.max(0, Math.round((e.at - now) / 1000));
      }
      case 'KEYS':
        if (args.length !== 1) throw wrongArgs(cmd);
        return this.liveKeys(now).filter((k) => matches(args[0]!, k));
      case 'SCAN':
        return this.scan(args, now);
      case 'DBSIZE':
        return this.liveKeys(now).length;
      case 'FLUSHALL':
      case 'FLUSHDB':
        if (args.length > 1 || (args.length === 1 && !/^(a?sync)$/i.test(args[0]!))) throw new ReplyError(SYNTAX);
        this.flushAll();
        return 'OK';
      case 'SCRIPT':
        return this.script(args);
      case 'EVAL':
      case 'EVALSHA':
        return this.eval(cmd, args, now);
      default:
        throw new ReplyError(`ERR unknown command '${name}', with args beginning with: ${args.map((a) => `'${a}' `).join('')}`);
    }
  }

  private lookup(key: string, now: number): Entry | undefined {
    const e = this.data.get(key);
    if (e === undefined) return undefined;
    // Redis: a key is expired once its time is strictly in the past.
    if (e.at !== undefined && now > e.at) {
      this.data.delete(key);
      return undefined;
    }
    return e;
  }

  private liveKeys(now: number): string[] {
    const keys: string[] = [];
    for (const k of [...this.data.keys()]) if (this.lookup(k, now) !== undefined) keys.push(k);
    return keys.sort();
  }

  private remove(keys: readonly string[], now: number): number {
    let removed = 0;
    for (const k of keys) {
      if (this.lookup(k, now) !== undefined) {
        this.data.delete(k);
        removed++;
      }
    }
    return removed;
  }

  private set(args: readonly string[], now: number): Reply {
    if (args.length < 2) throw wrongArgs('SET');
    const [key, value] = args as [string, string];
    let at: number | undefined;
    let keepTtl = false;
    let only: 'NX' | 'XX' | undefined;
    for (let i = 2; i < args.length; i++) {
      const opt = args[i]!.toUpperCase();
      if (opt === 'NX' || opt === 'XX') {
        if (only !== undefined) throw new ReplyError(SYNTAX);
        only = opt;
      } else if (opt === 'KEEPTTL') {
        keepTtl = true;
      } else if (opt === 'EX' || opt === 'PX' || opt === 'EXAT' || opt === 'PXAT') {
        if (at !== undefined || i + 1 >= args.length) throw new ReplyError(SYNTAX);
        const v = integer(args[++i]);
        if (v <= 0) throw new ReplyError("ERR invalid expire time in 'set' command");
        at = opt === 'EX' ? now + v * 1000 : opt === 'PX' ? now + v : opt === 'EXAT' ? v * 1000 : v;
      } else {
        throw new ReplyError(SYNTAX);
      }
    }
    if (keepTtl && at !== undefined) throw new ReplyError(SYNTAX);
    const existing = this.lookup(key, now);
    if ((only === 'NX' && existing !== undefined) || (only === 'XX' && existing === undefined)) return null;
    this.store(key, value, keepTtl ? existing?.at : at);
    return 'OK';
  }

  private store(key: string, value: string, at: number | undefined): void {
    this.data.set(key, { value, at });
  }

  /** SCAN cursor [MATCH pattern] [COUNT n] [TYPE type]: looks at COUNT keys (in key order) per call. */
  private scan(args: readonly string[], now: number): Reply {
    if (args.length < 1 || args.length % 2 === 0) throw args.length < 1 ? wrongArgs('SCAN') : new ReplyError(SYNTAX);
    const cursor = args[0]!;
    if (!/^\d+$/.test(cursor)) throw new ReplyError('ERR invalid cursor');
    let pattern: string | undefined;
    let count = 10;
    let type: string | undefined;
    for (let i = 1; i < args.length; i += 2) {
      const opt = args[i]!.toUpperCase();
      const v = args[i + 1]!;
      if (opt === 'MATCH') pattern = v;
      else if (opt === 'COUNT') {
        count = integer(v);
        if (count < 1) throw new ReplyError(SYNTAX);
      } else if (opt === 'TYPE') type = v.toLowerCase();
      else throw new ReplyError(SYNTAX);
    }
    // A cursor names the last key looked at: keys added or removed meanwhile never make SCAN skip a key that was there all along.
    const after = cursor === '0' ? undefined : this.cursors.get(cursor);
    this.cursors.delete(cursor);
    const keys = this.liveKeys(now);
    let start = 0;
    if (after !== undefined) while (start < keys.length && keys[start]! <= after) start++;
    else if (cursor !== '0') start = keys.length; // an unknown cursor: the scan is over
    const seen = keys.slice(start, start + count);
    const found = seen.filter((k) => (type === undefined || type === 'string') && (pattern === undefined || matches(pattern, k)));
    let next = '0';
    if (start + count < keys.length) {
      next = String(this.nextCursor++);
      this.cursors.set(next, seen[seen.length - 1]!);
    }
    return [next, found];
  }

  private script(args: readonly string[]): Reply {
    const sub = args[0]?.toUpperCase();
    switch (sub) {
      case 'LOAD':
        if (args.length !== 2) throw wrongArgs('SCRIPT|LOAD');
        this.scripts.add(shaOf(args[1]!));
        return REDIS_CONSUME_SHA;
      case 'EXISTS':
        if (args.length < 2) throw wrongArgs('SCRIPT|EXISTS');
        return args.slice(1).map((sha) => (this.scripts.has(sha.toLowerCase()) ? 1 : 0));
      case 'FLUSH':
        this.flushScripts();
        return 'OK';
      default:
        throw new ReplyError(`ERR unknown subcommand '${args[0] ?? ''}'. Try SCRIPT HELP.`);
    }
  }

  private eval(cmd: 'EVAL' | 'EVALSHA', args: readonly string[], now: number): Reply {
    if (args.length < 2) throw wrongArgs(cmd);
    let sha: string;
    if (cmd === 'EVAL') {
      sha = shaOf(args[0]!);
      this.scripts.add(sha);
    } else {
      sha = args[0]!.toLowerCase();
      if (!this.scripts.has(sha)) throw new ReplyError('NOSCRIPT No matching script. Please use EVAL.');
    }
    const numkeys = integer(args[1]);
    if (numkeys < 0) throw new ReplyError("ERR Number of keys can't be negative");
    if (numkeys > args.length - 2) throw new ReplyError("ERR Number of keys can't be greater than number of args");
    const keys = args.slice(2, 2 + numkeys);
    const argv = args.slice(2 + numkeys);
    const db: ScriptKeyspace = {
      get: (key) => this.lookup(key, now)?.value,
      setPx: (key, value, px) => this.store(key, value, now + px),
      setPxAt: (key, value, pxat) => this.store(key, value, pxat),
    };
    try {
      return runConsumeScript(db, keys, argv, () => timeOf(now));
    } catch (error) {
      if (error instanceof ScriptError) throw new ReplyError(error.message);
      throw error;
    }
  }
}

/** KEYS and SCAN MATCH: `*` alone matches every key (even the empty one), as in Redis; else a glob. */
function matches(pattern: string, key: string): boolean {
  return pattern === '*' || globMatch(pattern, key);
}

/** The consume script as the server receives it (UTF-8 bytes as a binary string). */
const CONSUME_SCRIPT = utf8ToBinary(REDIS_CONSUME_SCRIPT);

/** Redis's TIME for a time in ms: whole seconds and microseconds, as strings. */
function timeOf(now: number): [string, string] {
  const seconds = Math.floor(now / 1000);
  return [String(seconds), String(Math.floor((now - seconds * 1000) * 1000))];
}

/** The SHA-1 of a script the mock can run: only LimitRate's consume script. */
function shaOf(script: string): string {
  if (script === CONSUME_SCRIPT) return REDIS_CONSUME_SHA;
  throw new ReplyError(
    "ERR the mock Redis of @limitrate/testing runs only LimitRate's consume script (REDIS_CONSUME_SCRIPT from @limitrate/core); test other scripts against a real Redis",
  );
}
