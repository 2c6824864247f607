// mockUpstash(): an in-memory stand-in for an @upstash/redis client (its requester, which
// UpstashStore sends every command through), on the same mock Redis as mockRedis().
import { RequestError } from '@limitrate/core';
import { binaryToUtf8, utf8ToBinary } from './bytes.js';
import { FaultControlled, FaultInjector, type FaultErrors, type FaultOptions } from './faults.js';
import type { CommandFilter } from './mock-redis.js';
import { MockRedisServer, ReplyError, type MockClock, type Reply } from './server.js';

/** Options of {@link mockUpstash}. */
export interface MockUpstashOptions extends FaultOptions {
  /** Time source the keys expire by and `TIME` answers from (default `Date.now()`). */
  clock?: MockClock;
  /** Share the data of another mock (`other.server`, a mockRedis or a mockUpstash). Its clock is used. */
  server?: MockRedisServer;
  /** Commands that failures apply to (default: all). Latency applies to all. */
  failOn?: CommandFilter;
}

/** A request as @upstash/redis's requester takes it: the command as a JSON array. */
export interface MockUpstashRequest {
  /** `['pipeline']` for a pipeline; absent for one command. */
  path?: string[];
  /** One command (`['GET', 'k']`), or for a pipeline a list of them. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** The REST API's answer: `result`, or `error` (errors are thrown, as @upstash/redis does). */
export interface MockUpstashResponse<T = unknown> {
  result?: T;
  error?: string;
}

/**
 * The requester (`redis.client` in @upstash/redis) that UpstashStore sends its requests
 * through; an @upstash/redis `Requester`, so `new Redis(mock.client)` works too.
 */
export interface MockUpstashRequester {
  request<T = unknown>(req: MockUpstashRequest): Promise<MockUpstashResponse<T>>;
}

const OPTION_KEYS = new Set(['clock', 'server', 'failOn', 'latency', 'failureRate', 'timeout', 'seed']);

function injected(error: Error, code: string): Error {
  return Object.assign(error, { code, injected: true });
}

const UPSTASH_ERRORS: FaultErrors = {
  error: () => injected(new TypeError('fetch failed (injected by mockUpstash)', { cause: injected(new Error('connect ECONNREFUSED'), 'ECONNREFUSED') }), 'ECONNREFUSED'),
  timeout: (ms) => injected(new TypeError('fetch failed (injected by mockUpstash)', { cause: injected(new Error(`Headers Timeout Error after ${ms} ms`), 'UND_ERR_HEADERS_TIMEOUT') }), 'UND_ERR_HEADERS_TIMEOUT'),
};

/** The error @upstash/redis throws for an error reply. */
class UpstashError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstashError';
  }
}

/**
 * An in-memory @upstash/redis client: `client.request()` speaks the REST protocol
 * UpstashStore uses, and a few commands are methods for tests. Create it with
 * {@link mockUpstash}.
 *
 * @example
 * ```ts
 * const upstash = mockUpstash({ clock });
 * const store = new UpstashStore({ client: new Redis(upstash.client) });
 * await upstash.keys('limitrate:*');
 * ```
 */
export class MockUpstash extends FaultControlled {
  /** The requester UpstashStore sends its commands through (as `redis.client` of @upstash/redis). */
  readonly client: MockUpstashRequester;
  /** The data behind this client (shared with mocks made with `{ server }`). */
  readonly server: MockRedisServer;
  private readonly failOn: CommandFilter | undefined;

  constructor(options: MockUpstashOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new RequestError('mockUpstash options must be an object', 'Use e.g. mockUpstash({ latency: 30 })');
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.has(key)) throw new RequestError(`mockUpstash has no option ${JSON.stringify(key)}`, `Use ${[...OPTION_KEYS].join(', ')}`);
    }
    const { clock, server, failOn, ...faults } = options;
    if (server !== undefined && !(server instanceof MockRedisServer)) throw new RequestError('mockUpstash server must be the server of another mock (other.server)', 'Use mockUpstash({ server: other.server })');
    if (server !== undefined && clock !== undefined) throw new RequestError('mockUpstash takes a clock or a server, not both (a server has its clock)', 'Leave out clock: the server keeps the clock it was made with');
    if (failOn !== undefined && typeof failOn !== 'function' && !Array.isArray(failOn)) throw new RequestError('mockUpstash failOn must be a list of command names or a function', "Use e.g. failOn: ['EVALSHA', 'EVAL']");
    super(new FaultInjector('mockUpstash', faults));
    this.server = server ?? new MockRedisServer(clock);
    this.failOn = Array.isArray(failOn) ? failOn.map((c: string) => c.toUpperCase()) : failOn;
    this.client = { request: <T>(req: MockUpstashRequest) => this.request(req) as Promise<MockUpstashResponse<T>> };
  }

  // --- a few commands, for tests (each one request, with the faults) ---

  get(key: string): Promise<string | null> {
    return this.command(['GET', key]) as Promise<string | null>;
  }

  set(key: string, value: string | number, ...options: (string | number)[]): Promise<'OK' | null> {
    return this.command(['SET', key, value, ...options]) as Promise<'OK' | null>;
  }

  del(...keys: string[]): Promise<number> {
    return this.command(['DEL', ...keys]) as Promise<number>;
  }

  unlink(...keys: string[]): Promise<number> {
    return this.command(['UNLINK', ...keys]) as Promise<number>;
  }

  exists(...keys: string[]): Promise<number> {
    return this.command(['EXISTS', ...keys]) as Promise<number>;
  }

  pttl(key: string): Promise<number> {
    return this.command(['PTTL', key]) as Promise<number>;
  }

  keys(pattern: string): Promise<string[]> {
    return this.command(['KEYS', pattern]) as Promise<string[]>;
  }

  scan(cursor: string | number, options: { match?: string; count?: number } = {}): Promise<[string, string[]]> {
    const cmd: (string | number)[] = ['SCAN', cursor];
    if (options.match !== undefined) cmd.push('MATCH', options.match);
    if (options.count !== undefined) cmd.push('COUNT', options.count);
    return this.command(cmd) as Promise<[string, string[]]>;
  }

  dbsize(): Promise<number> {
    return this.command(['DBSIZE']) as Promise<number>;
  }

  flushall(): Promise<'OK'> {
    return this.command(['FLUSHALL']) as Promise<'OK'>;
  }

  ping(): Promise<string> {
    return this.command(['PING']) as Promise<string>;
  }

  time(): Promise<[string, string]> {
    return this.command(['TIME']) as Promise<[string, string]>;
  }

  eval(script: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    return this.command(['EVAL', script, keys.length, ...keys, ...args]);
  }

  evalsha(sha: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    return this.command(['EVALSHA', sha, keys.length, ...keys, ...args]);
  }

  scriptLoad(script: string): Promise<string> {
    return this.command(['SCRIPT', 'LOAD', script]) as Promise<string>;
  }

  /** One command through the requester; an error reply rejects. */
  private async command(body: (string | number)[]): Promise<unknown> {
    const { result } = await this.request({ body });
    return result;
  }

  /** One REST request: counted, faults applied, run at once, answered after the latency; abortable like fetch. */
  private request(req: MockUpstashRequest): Promise<MockUpstashResponse> {
    const signal = req?.signal;
    const aborted = (): MockUpstashResponse => ({ result: signal?.reason ?? 'Aborted' });
    let run: () => MockUpstashResponse;
    let name: string;
    let eligible: boolean;
    try {
      const pipeline = req?.path?.[0] === 'pipeline';
      if (req?.path !== undefined && req.path.length > 0 && !pipeline) throw new TypeError(`mockUpstash supports single commands and pipelines, not /${req.path.join('/')}`);
      const commands = pipeline ? commandList(req.body) : [commandOf(req?.body)];
      name = pipeline ? 'PIPELINE' : commands[0]![0]!.toUpperCase();
      const filter = this.failOn;
      eligible = commands.some(([cmd, ...args]) => filter === undefined || (typeof filter === 'function' ? filter(cmd!.toUpperCase(), args) : filter.includes(cmd!.toUpperCase())));
      run = pipeline ? () => ({ result: commands.map((c) => this.runOne(c, false)) }) : () => this.runOne(commands[0]!, true, req.body);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    // An aborted fetch never reaches the server; @upstash/redis answers with the abort reason.
    if (signal?.aborted === true) return Promise.resolve(aborted());
    const plan = this.faults.plan(name, eligible);
    const answer = this.faults.deliver(plan, run, UPSTASH_ERRORS);
    if (signal === undefined) return answer;
    return new Promise<MockUpstashResponse>((resolve, reject) => {
      const onAbort = () => resolve(aborted());
      signal.addEventListener('abort', onAbort, { once: true });
      answer.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  /** Runs one command; an error reply throws (single command) or becomes `{ error }` (pipeline). */
  private runOne(command: readonly string[], throwErrors: boolean, body?: unknown): MockUpstashResponse {
    try {
      const [name, ...args] = command;
      return { result: toText(this.server.execute(name!, args.map(utf8ToBinary))) };
    } catch (error) {
      if (!(error instanceof ReplyError)) throw error;
      if (!throwErrors) return { error: error.message };
      throw new UpstashError(`${error.message}, command was: ${JSON.stringify(body)}`);
    }
  }
}

function commandOf(body: unknown): string[] {
  if (!Array.isArray(body) || body.length === 0) throw new TypeError('mockUpstash: the request body must be a command, a non-empty JSON array');
  return body.map((part: unknown) => {
    if (typeof part === 'string') return part;
    if (typeof part === 'number' || typeof part === 'boolean') return String(part);
    throw new TypeError(`mockUpstash: command parts must be strings, numbers or booleans, got ${part === null ? 'null' : typeof part}`);
  });
}

function commandList(body: unknown): string[][] {
  if (!Array.isArray(body) || body.length === 0) throw new TypeError('mockUpstash: a pipeline body must be a non-empty array of commands');
  return body.map(commandOf);
}

function toText(reply: Reply): unknown {
  if (typeof reply === 'string') return binaryToUtf8(reply);
  if (Array.isArray(reply)) return reply.map(toText);
  return reply;
}

/**
 * An in-memory @upstash/redis client that LimitRate's UpstashStore accepts in place of
 * `new Redis({ url, token })`, deciding exactly as Redis does, with keys expiring by
 * `clock`, and the same faults as {@link mockRedis}. Requests are answered independently
 * (as concurrent HTTP requests are), each after its latency; an aborted request resolves
 * with the abort reason, as @upstash/redis does.
 *
 * @example
 * ```ts
 * import { RateLimiter } from '@limitrate/core';
 * import { UpstashStore } from '@limitrate/upstash';
 * import { mockUpstash } from '@limitrate/testing';
 * import { Redis } from '@upstash/redis';
 *
 * const upstash = mockUpstash({ latency: { min: 20, max: 80 }, failureRate: 0.05, seed: 7 });
 * const limiter = new RateLimiter({ store: { type: 'upstash', client: upstash }, policies });
 * // or, typed as @upstash/redis's client: a real Redis over the mock's requester
 * const store = new UpstashStore({ client: new Redis(upstash.client), timeoutMs: 200 });
 * ```
 */
export function mockUpstash(options: MockUpstashOptions = {}): MockUpstash {
  return new MockUpstash(options);
}
