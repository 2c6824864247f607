// mockRedis(): an in-memory stand-in for an ioredis client, deciding exactly as Redis runs
// LimitRate's consume script, with injectable latency, failures and hangs.
import { RequestError } from '@limitrate/core';
import { argToBinary, binaryToBytes, binaryToUtf8, utf8ToBinary, type CommandArg } from './bytes.js';
import { FaultControlled, FaultInjector, type FaultErrors, type FaultOptions } from './faults.js';
import { MockRedisServer, type MockClock, type Reply } from './server.js';

/** A command's arguments: strings (sent as UTF-8), numbers, bytes, or arrays of them (flattened, as ioredis does). */
export type MockCommandArg = CommandArg | readonly CommandArg[];

/** Which commands the faults' failures apply to: names (any case), or a test on the command. */
export type CommandFilter = readonly string[] | ((command: string, args: readonly string[]) => boolean);

/** Options of {@link mockRedis}. */
export interface MockRedisOptions extends FaultOptions {
  /**
   * Time source the keys expire by and `TIME` answers from (default `Date.now()`). Pass your
   * test clock so that expiry and the server-time path follow it.
   */
  clock?: MockClock;
  /** Share the data of another mock (`other.server`), as two connections to one Redis. Its clock is used. */
  server?: MockRedisServer;
  /** ioredis's `keyPrefix`: added to the keys of every command (not to SCAN and KEYS patterns). */
  keyPrefix?: string;
  /** Commands that failures (failureRate, fail(), failNext()) apply to (default: all). Latency applies to all. */
  failOn?: CommandFilter;
}

/** ioredis's connection states, the ones the mock goes through. */
export type MockRedisStatus = 'wait' | 'ready' | 'end';

type Listener = (...args: unknown[]) => void;

const OPTION_KEYS = new Set(['clock', 'server', 'keyPrefix', 'failOn', 'latency', 'failureRate', 'timeout', 'seed']);

/** Commands whose first argument is a key, whose every argument is, and those with a key count. */
const FIRST_KEY = new Set(['GET', 'SET', 'PTTL', 'TTL']);
const ALL_KEYS = new Set(['DEL', 'UNLINK', 'EXISTS']);

function injected(error: Error, code: string): Error {
  return Object.assign(error, { code, injected: true });
}

const REDIS_ERRORS: FaultErrors = {
  error: () => injected(new Error('connect ECONNREFUSED 127.0.0.1:6379 (injected by mockRedis)'), 'ECONNREFUSED'),
  timeout: () => injected(new Error('Command timed out'), 'ETIMEDOUT'),
};

const closedError = () => new Error('Connection is closed.');

/**
 * An in-memory Redis client with the ioredis methods LimitRate uses (`call`, `callBuffer`,
 * `evalsha`, `unlink`, SCAN...). Create it with {@link mockRedis}.
 *
 * @example
 * ```ts
 * const redis = mockRedis({ clock });
 * const store = new RedisStore({ client: redis as unknown as Redis }); // ioredis's type
 * const replica = redis.duplicate(); // another connection to the same data
 * redis.server.flushScripts();       // as after a restart: the next EVALSHA gets NOSCRIPT
 * ```
 */
export class MockRedis extends FaultControlled {
  /** Always false: a standalone client (RedisStore reads it). */
  readonly isCluster = false;
  /** The ioredis options RedisStore reads. */
  readonly options: { readonly keyPrefix?: string };
  /** The data behind this client (shared with `duplicate()`s and mocks made with `{ server }`). */
  readonly server: MockRedisServer;
  /** ioredis's connection status: `ready` until quit() or disconnect(), `ready` again after connect(). */
  status: MockRedisStatus = 'ready';
  private readonly failOn: CommandFilter | undefined;
  private readonly prefix: string;
  private readonly listeners = new Map<string, { fn: Listener; once: boolean }[]>();
  private readonly settings: MockRedisOptions;

  constructor(options: MockRedisOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new RequestError('mockRedis options must be an object', 'Use e.g. mockRedis({ latency: 10 })');
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.has(key)) throw new RequestError(`mockRedis has no option ${JSON.stringify(key)}`, `Use ${[...OPTION_KEYS].join(', ')}`);
    }
    const { clock, server, keyPrefix, failOn, ...faults } = options;
    if (server !== undefined && !(server instanceof MockRedisServer)) throw new RequestError('mockRedis server must be the server of another mock (other.server)', 'Use mockRedis({ server: other.server })');
    if (server !== undefined && clock !== undefined) throw new RequestError('mockRedis takes a clock or a server, not both (a server has its clock)', 'Leave out clock: the server keeps the clock it was made with');
    if (keyPrefix !== undefined && typeof keyPrefix !== 'string') throw new RequestError(`mockRedis keyPrefix must be a string, got ${typeof keyPrefix}`, "Use e.g. keyPrefix: 'app:'");
    if (failOn !== undefined && typeof failOn !== 'function' && !Array.isArray(failOn)) throw new RequestError('mockRedis failOn must be a list of command names or a function', "Use e.g. failOn: ['EVALSHA', 'EVAL']");
    super(new FaultInjector('mockRedis', faults));
    this.settings = options;
    this.server = server ?? new MockRedisServer(clock);
    this.failOn = Array.isArray(failOn) ? failOn.map((c: string) => c.toUpperCase()) : failOn;
    this.prefix = keyPrefix === undefined ? '' : utf8ToBinary(keyPrefix);
    this.options = keyPrefix === undefined ? {} : { keyPrefix };
  }

  // --- ioredis's generic commands ---

  /** Sends any command; strings in the reply are decoded as UTF-8 (ioredis `call`). */
  call(command: string, ...args: MockCommandArg[]): Promise<unknown> {
    return this.send(command, args).then(toText);
  }

  /** Sends any command; strings in the reply come back as Buffers (ioredis `callBuffer`). */
  callBuffer(command: string, ...args: MockCommandArg[]): Promise<unknown> {
    return this.send(command, args).then(toBuffers);
  }

  evalsha(sha: string, numkeys: number | string, ...args: MockCommandArg[]): Promise<unknown> {
    return this.call('EVALSHA', sha, numkeys, ...args);
  }

  eval(script: string, numkeys: number | string, ...args: MockCommandArg[]): Promise<unknown> {
    return this.call('EVAL', script, numkeys, ...args);
  }

  // --- ioredis's named commands (the ones LimitRate and its tests use) ---

  get(key: CommandArg): Promise<string | null> {
    return this.call('GET', key) as Promise<string | null>;
  }

  set(key: CommandArg, value: CommandArg, ...options: MockCommandArg[]): Promise<'OK' | null> {
    return this.call('SET', key, value, ...options) as Promise<'OK' | null>;
  }

  del(...keys: MockCommandArg[]): Promise<number> {
    return this.call('DEL', ...keys) as Promise<number>;
  }

  unlink(...keys: MockCommandArg[]): Promise<number> {
    return this.call('UNLINK', ...keys) as Promise<number>;
  }

  exists(...keys: MockCommandArg[]): Promise<number> {
    return this.call('EXISTS', ...keys) as Promise<number>;
  }

  pttl(key: CommandArg): Promise<number> {
    return this.call('PTTL', key) as Promise<number>;
  }

  keys(pattern: CommandArg): Promise<string[]> {
    return this.call('KEYS', pattern) as Promise<string[]>;
  }

  scan(cursor: number | string, ...options: MockCommandArg[]): Promise<[string, string[]]> {
    return this.call('SCAN', cursor, ...options) as Promise<[string, string[]]>;
  }

  dbsize(): Promise<number> {
    return this.call('DBSIZE') as Promise<number>;
  }

  flushall(): Promise<'OK'> {
    return this.call('FLUSHALL') as Promise<'OK'>;
  }

  time(): Promise<[string, string]> {
    return this.call('TIME') as Promise<[string, string]>;
  }

  ping(): Promise<string> {
    return this.call('PING') as Promise<string>;
  }

  script(subcommand: string, ...args: MockCommandArg[]): Promise<unknown> {
    return this.call('SCRIPT', subcommand, ...args);
  }

  // --- connection ---

  /** Opens the connection again after quit() or disconnect(). */
  connect(): Promise<void> {
    if (this.status !== 'ready') {
      this.status = 'ready';
      this.emit('connect');
      this.emit('ready');
    }
    return Promise.resolve();
  }

  /** Closes the connection: later commands reject with "Connection is closed.", hung ones too. */
  quit(): Promise<'OK'> {
    this.end();
    return Promise.resolve('OK');
  }

  disconnect(): void {
    this.end();
  }

  /** A new client on the same data, with the same options (its own faults and counters), as ioredis's duplicate(). */
  duplicate(): MockRedis {
    const { clock: _clock, ...rest } = this.settings;
    return new MockRedis({ ...rest, server: this.server });
  }

  // --- events (ioredis is an EventEmitter) ---

  on(event: string, listener: Listener): this {
    return this.listen(event, listener, false);
  }

  addListener(event: string, listener: Listener): this {
    return this.listen(event, listener, false);
  }

  once(event: string, listener: Listener): this {
    return this.listen(event, listener, true);
  }

  off(event: string, listener: Listener): this {
    const list = this.listeners.get(event);
    const i = list?.findIndex((l) => l.fn === listener) ?? -1;
    if (i >= 0) list!.splice(i, 1);
    return this;
  }

  removeListener(event: string, listener: Listener): this {
    return this.off(event, listener);
  }

  removeAllListeners(event?: string): this {
    if (event === undefined) this.listeners.clear();
    else this.listeners.delete(event);
    return this;
  }

  listenerCount(event: string): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  emit(event: string, ...args: unknown[]): boolean {
    const list = this.listeners.get(event);
    if (list === undefined || list.length === 0) return false;
    for (const l of [...list]) {
      if (l.once) this.off(event, l.fn);
      l.fn(...args);
    }
    return true;
  }

  private listen(event: string, fn: Listener, once: boolean): this {
    const list = this.listeners.get(event);
    if (list === undefined) this.listeners.set(event, [{ fn, once }]);
    else list.push({ fn, once });
    return this;
  }

  private end(): void {
    if (this.status === 'end') return;
    this.status = 'end';
    this.faults.releaseHung(closedError);
    this.emit('close');
    this.emit('end');
  }

  /** One command: counted, faults applied, run on the server at once, answered after the latency. */
  private send(command: string, raw: readonly MockCommandArg[]): Promise<Reply> {
    const name = String(command).toUpperCase();
    let args: string[];
    try {
      args = this.withPrefix(name, flatten(raw).map(argToBinary));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    if (this.status === 'end') {
      this.faults.plan(name, false);
      return Promise.reject(closedError());
    }
    const filter = this.failOn;
    const eligible = filter === undefined || (typeof filter === 'function' ? filter(name, args.map(binaryToUtf8)) : filter.includes(name));
    const plan = this.faults.plan(name, eligible);
    return this.faults.deliver(plan, () => this.server.execute(name, args), REDIS_ERRORS, true);
  }

  /** ioredis's keyPrefix: in front of each key argument. */
  private withPrefix(name: string, args: string[]): string[] {
    const p = this.prefix;
    if (p === '') return args;
    if (FIRST_KEY.has(name)) return args.map((a, i) => (i === 0 ? p + a : a));
    if (ALL_KEYS.has(name)) return args.map((a) => p + a);
    if (name === 'EVAL' || name === 'EVALSHA') {
      const n = Number(args[1]);
      return args.map((a, i) => (i >= 2 && i < 2 + n ? p + a : a));
    }
    return args;
  }
}

function flatten(args: readonly MockCommandArg[]): CommandArg[] {
  const out: CommandArg[] = [];
  for (const a of args) {
    if (Array.isArray(a)) out.push(...(a as readonly CommandArg[]));
    else out.push(a as CommandArg);
  }
  for (const a of out) {
    if (typeof a !== 'string' && typeof a !== 'number' && !(a instanceof Uint8Array)) {
      throw new TypeError(`mockRedis: command arguments must be strings, numbers or Buffers, got ${a === null ? 'null' : typeof a}`);
    }
  }
  return out;
}

function toText(reply: Reply): unknown {
  if (typeof reply === 'string') return binaryToUtf8(reply);
  if (Array.isArray(reply)) return reply.map(toText);
  return reply;
}

function toBuffers(reply: Reply): unknown {
  if (typeof reply === 'string') {
    const bytes = binaryToBytes(reply);
    return typeof Buffer === 'function' ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
  }
  if (Array.isArray(reply)) return reply.map(toBuffers);
  return reply;
}

/**
 * An in-memory Redis client that LimitRate's RedisStore accepts in place of an ioredis
 * client, deciding exactly as Redis does (the consume script, ported), with keys expiring
 * by `clock`. Faults: `latency`, a seeded `failureRate`, `timeout` (failing calls hang),
 * switched at runtime with `fail()`, `failNext()`, `setLatency()`, `setFaults()`; `calls`
 * counts the commands. A command runs when it is sent; its answer arrives after the latency.
 *
 * @example
 * ```ts
 * import { RateLimiter } from '@limitrate/core';
 * import { mockRedis } from '@limitrate/testing';
 *
 * const redis = mockRedis({ latency: 10, failureRate: 0.01, timeout: 5000 });
 * const limiter = new RateLimiter({ store: { client: redis }, policies: { free: { rate: { maxPerMinute: 10 } } } });
 * redis.fail(true); // Redis is down: the limiter's onStoreError policy applies
 * ```
 */
export function mockRedis(options: MockRedisOptions = {}): MockRedis {
  return new MockRedis(options);
}
