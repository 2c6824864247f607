// UpstashStore: core's Store on Upstash Redis over HTTP (@upstash/redis), edge-safe. One
// EVALSHA request per consume decides and commits a request's whole limit set atomically;
// under load, decisions made together share a request (core's RedisBatcher).
import {
  LimitRateError,
  REDIS_CONSUME_SCRIPT,
  REDIS_CONSUME_SHA,
  RedisBatcher,
  RequestError,
  StoreError,
  type Clock,
  type ConsumeOptions,
  type ConsumeResult,
  type LimitSpec,
  type ResetSelector,
  type Store,
} from '@limitrate/core';
import { Redis } from '@upstash/redis';
import { escapeKey, patternTest, scanMatch, unescapeKey } from './codec.js';

/** Options of {@link UpstashStore}. */
export interface UpstashStoreOptions {
  /** Your `Redis` client from `@upstash/redis`. The store sends its requests through it. */
  client?: Redis;
  /** The REST URL (default: `UPSTASH_REDIS_REST_URL`, then `KV_REST_API_URL`, when `client` is not given). */
  url?: string;
  /** The REST token (default: `UPSTASH_REDIS_REST_TOKEN`, then `KV_REST_API_TOKEN`, when `client` is not given). */
  token?: string;
  /** Prefix of every key the store writes (default `limitrate:`). reset({ all: true }) deletes everything under it. */
  keyPrefix?: string;
  /**
   * Longest wait for one HTTP request, in ms (default 1,000). A slower answer rejects with
   * ERR_LIMITRATE_STORE_TIMEOUT so the limiter's failure policy applies; the request is
   * aborted, though the command may still have run on the server.
   */
  timeoutMs?: number;
  /**
   * Time source for tests. By default the script reads the server's `TIME`, so every app
   * instance agrees on the time. With a clock, Redis still expires keys by its own time: a
   * state is kept for its remaining lifetime by that clock, but at least 60 s.
   */
  clock?: Clock;
  /**
   * Most decisions sent in one request (default 64; 1 turns batching off). A decision made
   * while another request is in flight waits for the end of the event-loop turn, and the
   * decisions gathered by then go in one EVALSHA, decided one after the other, each
   * atomically: the same answers with fewer requests (and fewer billed commands). A
   * decision made while nothing is in flight is sent at once.
   */
  maxBatch?: number;
}

/** What @upstash/redis sends requests through (`Redis#client`, the HTTP client or your own Requester). */
interface Requester {
  request(req: { body?: unknown; signal?: AbortSignal }): Promise<{ result?: unknown; error?: string }>;
}

const NAME = 'upstash';
/** Keys per UNLINK request. */
const UNLINK_BATCH = 500;
/** Keys SCAN looks at per request. */
const SCAN_COUNT = '1000';

/**
 * An Upstash Redis store over HTTP: every limit of a request is decided and committed
 * atomically in one EVALSHA request (falling back to EVAL once after a script flush), with
 * time taken from the server. Uses only web APIs (`fetch`, `AbortController`), so it runs on
 * Node.js, Cloudflare Workers, Vercel Edge, Deno and Bun.
 *
 * @example
 * ```ts
 * import { RateLimiter } from '@limitrate/core';
 * import { UpstashStore } from '@limitrate/upstash';
 *
 * const store = new UpstashStore({ url: process.env.UPSTASH_REDIS_REST_URL, token: process.env.UPSTASH_REDIS_REST_TOKEN });
 * const limiter = new RateLimiter({ store, policies: { free: { rate: { maxPerMinute: 10 } } } });
 * ```
 */
export class UpstashStore implements Store {
  readonly name = NAME;
  /** The prefix in front of every key (as given; sent escaped like the keys). */
  readonly keyPrefix: string;
  private readonly requester: Requester;
  private readonly wirePrefix: string;
  private readonly timeoutMs: number;
  private readonly clock: Clock | undefined;
  private readonly batcher: RedisBatcher<string>;
  private closed = false;

  constructor(options: UpstashStoreOptions = {}) {
    const { client, url, token, keyPrefix = 'limitrate:', timeoutMs = 1000, clock, maxBatch = 64 } = options;
    if (client !== undefined && (url !== undefined || token !== undefined)) {
      throw new RequestError('UpstashStore takes either client, or url and token, not both', 'Pass your @upstash/redis client, or the REST URL and token for the store to use');
    }
    if (typeof keyPrefix !== 'string') {
      throw new RequestError(`UpstashStore keyPrefix must be a string, got ${typeof keyPrefix}`, "Use e.g. 'limitrate:' (the default)");
    }
    if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
      throw new RequestError(`UpstashStore timeoutMs must be a positive number of ms, got ${String(timeoutMs)}`, 'Use e.g. 1000');
    }
    if (!Number.isInteger(maxBatch) || maxBatch < 1) {
      throw new RequestError(`UpstashStore maxBatch must be a whole number of decisions, 1 or more, got ${String(maxBatch)}`, 'Use e.g. 64 (the default), or 1 to send every decision on its own');
    }
    this.keyPrefix = keyPrefix;
    this.wirePrefix = escapeKey(keyPrefix);
    this.timeoutMs = timeoutMs;
    this.clock = clock;
    this.requester = requesterOf(client ?? ownClient(url, token));
    const send = (keys: string[], argv: string[]) => this.timed('consume', (signal) => this.evalConsume(['EVALSHA', REDIS_CONSUME_SHA, String(keys.length), ...keys, ...argv], signal));
    this.batcher = new RedisBatcher<string>(send, maxBatch, storeError);
  }

  /** Decide and (unless refused or peeking) commit every limit in one request. Never throws: failures reject. */
  consume(limits: readonly LimitSpec[], options?: ConsumeOptions): Promise<ConsumeResult> {
    if (this.closed) return Promise.reject(closedError());
    try {
      const n = limits.length;
      const keys: string[] = new Array(n);
      for (let i = 0; i < n; i++) keys[i] = this.wirePrefix + escapeKey(limits[i]!.key);
      return this.batcher.consume(keys, limits, options?.mode ?? 'consume', options?.at, this.clock?.now());
    } catch (error) {
      return Promise.reject(storeError(error));
    }
  }

  /** Delete keys (given, by pattern, or all under the prefix); resolves to how many were removed. */
  async reset(selector: ResetSelector): Promise<number> {
    if (this.closed) throw closedError();
    try {
      if ('keys' in selector) return await this.unlink(selector.keys.map((key) => this.wirePrefix + escapeKey(key)));
      const pattern = 'all' in selector ? '*' : selector.pattern;
      const match = scanMatch(this.keyPrefix, pattern);
      const test = patternTest(pattern);
      const head = this.wirePrefix;
      let removed = 0;
      let cursor = '0';
      do {
        const reply = await this.timed('reset', (signal) => this.command(['SCAN', cursor, 'MATCH', match, 'COUNT', SCAN_COUNT], signal));
        const [next, keys] = scanReply(reply);
        cursor = next;
        // SCAN may over-match (an escape code can contain what a pattern looks for): check each key exactly.
        const chosen = keys.filter((key) => key.startsWith(head) && test(unescapeKey(key.slice(head.length))));
        if (chosen.length > 0) removed += await this.unlink(chosen);
      } while (cursor !== '0');
      return removed;
    } catch (error) {
      throw storeError(error);
    }
  }

  /** Stop accepting calls. (HTTP needs no connection to be closed; your own client stays usable.) */
  close(): Promise<void> {
    if (!this.closed) this.batcher.flush();
    this.closed = true;
    return Promise.resolve();
  }

  /** EVALSHA; after NOSCRIPT (a flush or a new server), EVAL once, which also caches the script. */
  private async evalConsume(body: string[], signal: AbortSignal): Promise<unknown> {
    try {
      return await this.command(body, signal);
    } catch (error) {
      if (!(error instanceof Error) || !/^(Command failed: )?NOSCRIPT/.test(error.message)) throw error;
      const again = body.slice();
      again[0] = 'EVAL';
      again[1] = REDIS_CONSUME_SCRIPT;
      return await this.command(again, signal);
    }
  }

  /** One HTTP request: the command as a JSON array, its reply as it came (no JSON deserialisation). */
  private async command(body: string[], signal: AbortSignal): Promise<unknown> {
    const { result, error } = await this.requester.request({ body, signal });
    if (error !== undefined && error !== null) throw new Error(String(error));
    return result;
  }

  private async unlink(keys: readonly string[]): Promise<number> {
    let removed = 0;
    for (let i = 0; i < keys.length; i += UNLINK_BATCH) {
      const batch = keys.slice(i, i + UNLINK_BATCH);
      const reply = await this.timed('reset', (signal) => this.command(['UNLINK', ...batch], signal));
      const count = Number(reply);
      if (!Number.isInteger(count)) throw new TypeError(`Unexpected reply to UNLINK: ${typeof reply}`);
      removed += count;
    }
    return removed;
  }

  /** Runs requests under one deadline: on timeout, rejects with a coded error and aborts them. */
  private timed<T>(what: string, op: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const ms = this.timeoutMs;
    const controller = new AbortController();
    return new Promise<T>((resolve, reject) => {
      // Not unref'd: a caller waiting on a hung server must get its answer. Always cleared.
      const timer = setTimeout(() => {
        reject(new StoreError(NAME, `did not answer ${what} within ${ms} ms`, { timeout: true }));
        controller.abort('LimitRate store timeout');
      }, ms);
      let pending: Promise<T>;
      try {
        pending = op(controller.signal);
      } catch (error) {
        pending = Promise.reject(error);
      }
      pending.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(storeError(error));
        },
      );
    });
  }
}

/** The store's own client: no retries (a retried EVALSHA could count a request twice), raw replies. */
function ownClient(url: string | undefined, token: string | undefined): Redis {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  const restUrl = url ?? env.UPSTASH_REDIS_REST_URL ?? env.KV_REST_API_URL;
  const restToken = token ?? env.UPSTASH_REDIS_REST_TOKEN ?? env.KV_REST_API_TOKEN;
  if (typeof restUrl !== 'string' || restUrl === '') {
    throw new RequestError('UpstashStore needs a REST URL', 'Pass url (or client), or set UPSTASH_REDIS_REST_URL');
  }
  if (typeof restToken !== 'string' || restToken === '') {
    throw new RequestError('UpstashStore needs a REST token', 'Pass token (or client), or set UPSTASH_REDIS_REST_TOKEN');
  }
  try {
    return new Redis({ url: restUrl, token: restToken, retry: false, automaticDeserialization: false, enableAutoPipelining: false });
  } catch (error) {
    throw new RequestError(`UpstashStore could not use url ${JSON.stringify(restUrl)}: ${error instanceof Error ? error.message : String(error)}`, 'Pass the https:// REST URL from the Upstash console (not a redis:// URL)');
  }
}

/** The requester every command of `client` goes through; the store uses it directly for exactly one request per call. */
function requesterOf(client: Redis): Requester {
  const requester = (client as unknown as { client?: Partial<Requester> } | null)?.client;
  if (typeof requester?.request !== 'function') {
    throw new RequestError('UpstashStore client must be a Redis instance from @upstash/redis', "Pass e.g. new Redis({ url, token }) from '@upstash/redis', or url and token");
  }
  return requester as Requester;
}

/** `[cursor, keys]` from SCAN's reply. */
function scanReply(reply: unknown): [string, string[]] {
  if (!Array.isArray(reply) || reply.length !== 2 || !Array.isArray(reply[1])) throw new TypeError('Unexpected reply to SCAN');
  return [String(reply[0]), (reply[1] as unknown[]).map(String)];
}

function closedError(): LimitRateError {
  return new LimitRateError('ERR_LIMITRATE_CLOSED', 'This store has been closed', { hint: 'Create a new store, or stop using it after close()' });
}

/**
 * Coded errors pass through; anything else becomes a StoreError with the original as `cause`.
 * @upstash/redis appends the whole command (keys, even the script) to its messages: left out.
 */
function storeError(error: unknown): LimitRateError {
  if (error instanceof LimitRateError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const cut = message.indexOf(', command was: ');
  return new StoreError(NAME, `failed: ${cut === -1 ? message : message.slice(0, cut)}`, { cause: error });
}
