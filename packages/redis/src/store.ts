// RedisStore: core's Store on Redis or Valkey through ioredis. One EVALSHA per consume
// decides and commits a request's whole limit set atomically, on the server's clock.
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
import { Redis, type Cluster } from 'ioredis';
import { matchPattern, tagKey, taggedPattern, toRedisBytes, type TaggedPattern } from './codec.js';
import { consumeAcrossSlots } from './cross-slot.js';
import { groupBySlot } from './slot.js';

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /**
   * Your ioredis client (standalone or Cluster), or a client with the same surface (such as
   * `mockRedis()` from `@limitrate/testing`). The store uses it but never closes it.
   */
  client?: Redis | Cluster | RedisClientLike;
  /** A Redis URL (`redis://user:pass@host:6379/0`, `rediss://...`): the store creates its own client and closes it on close(). */
  url?: string;
  /** Prefix of every key the store writes (default `limitrate:`). reset({ all: true }) deletes everything under it. */
  keyPrefix?: string;
  /**
   * Longest wait for one Redis round trip, in ms (default 1,000). A slower answer rejects
   * with ERR_LIMITRATE_STORE_TIMEOUT so the limiter's failure policy applies; the command
   * may still run on the server.
   */
  commandTimeoutMs?: number;
  /**
   * Time source for tests. By default the script reads the Redis server's `TIME`, so every
   * app server agrees on the time. With a clock, Redis still expires keys by its own time:
   * a state is kept for its remaining lifetime by that clock, but at least 60 s.
   */
  clock?: Clock;
  /**
   * Wrap the part of each key that names the request's owner (core's escaped user id) in a
   * Redis Cluster hash tag, `limitrate:{user}:GET|/a:...`, so that all limits of one user
   * share a slot. Default: on for a Cluster client, off for standalone (whose key layout
   * stays `limitrate:user:GET|/a:...`). Turn it on in standalone to keep the Cluster layout,
   * e.g. before moving to a Cluster or behind a cluster proxy.
   */
  hashTags?: boolean;
  /**
   * Most decisions sent in one EVALSHA (default 64; 1 turns batching off). A decision made
   * while another round trip is in flight waits for the end of the event-loop turn, and the
   * decisions gathered by then go in one EVALSHA, decided one after the other, each
   * atomically (so the same as one EVALSHA each, with fewer round trips). A decision made
   * while nothing is in flight is sent at once. Off on a Cluster, where every decision goes
   * to its own slot.
   */
  maxBatch?: number;
}

const NAME = 'redis';
/** Keys per UNLINK when deleting a list of keys. */
const UNLINK_BATCH = 500;

type Bytes = string | Buffer;
type Node = Redis;

/**
 * A Redis or Valkey store: every limit of a request is decided and committed atomically in
 * one EVALSHA (falling back to EVAL once after a script flush or a restart), with time
 * taken from the server.
 *
 * @example
 * ```ts
 * import { RateLimiter } from '@limitrate/core';
 * import { RedisStore } from '@limitrate/redis';
 *
 * const store = new RedisStore({ url: process.env.REDIS_URL });
 * const limiter = new RateLimiter({ store, policies: { free: { rate: { maxPerMinute: 10 } } } });
 * ```
 */
/**
 * A client shaped like ioredis's, for test doubles: the store sends LimitRate's script with
 * `call('EVALSHA' | 'EVAL', ...)` and also uses `unlink`, `scan`, the connection `status`
 * and events, `quit` and `disconnect`, as ioredis has them.
 *
 * @example
 * ```ts
 * import { mockRedis } from '@limitrate/testing';
 * const store = new RedisStore({ client: mockRedis() });
 * ```
 */
export interface RedisClientLike {
  call(command: string, ...args: never[]): Promise<unknown>;
  evalsha(...args: never[]): Promise<unknown>;
}

export class RedisStore implements Store {
  readonly name = NAME;
  /** The prefix in front of every key. */
  readonly keyPrefix: string;
  /**
   * The ioredis client the store sends its commands on (yours, or the one it created from
   * `url`). Read-only: share it (e.g. `redisAnalytics()` does) but leave closing it to
   * whoever owns it.
   */
  readonly client: Redis | Cluster;
  private readonly ownsClient: boolean;
  private readonly timeoutMs: number;
  private readonly clock: Clock | undefined;
  /** The client's own ioredis `keyPrefix`, which ioredis adds to KEYS but not to SCAN patterns. */
  private readonly clientPrefix: string;
  /** Whether keys carry the owner's hash tag (see {@link RedisStoreOptions.hashTags}). */
  readonly hashTags: boolean;
  private readonly cluster: boolean;
  private readonly batcher: RedisBatcher<Bytes>;
  private closed = false;

  constructor(options: RedisStoreOptions = {}) {
    const { client, url, keyPrefix = 'limitrate:', commandTimeoutMs = 1000, clock, hashTags, maxBatch = 64 } = options;
    if (client !== undefined && url !== undefined) {
      throw new RequestError('RedisStore takes either client or url, not both', 'Pass your ioredis client, or a URL for the store to connect to');
    }
    if (typeof keyPrefix !== 'string') {
      throw new RequestError(`RedisStore keyPrefix must be a string, got ${typeof keyPrefix}`, "Use e.g. 'limitrate:' (the default)");
    }
    if (typeof commandTimeoutMs !== 'number' || !(commandTimeoutMs > 0) || !Number.isFinite(commandTimeoutMs)) {
      throw new RequestError(`RedisStore commandTimeoutMs must be a positive number of ms, got ${String(commandTimeoutMs)}`, 'Use e.g. 1000');
    }
    if (client !== undefined && typeof (client as { evalsha?: unknown }).evalsha !== 'function') {
      throw new RequestError('RedisStore client must be an ioredis Redis or Cluster instance', "Pass e.g. new Redis(url) from 'ioredis'");
    }
    if (hashTags !== undefined && typeof hashTags !== 'boolean') {
      throw new RequestError(`RedisStore hashTags must be a boolean, got ${typeof hashTags}`, 'Leave it out (on for Cluster, off for standalone), or pass true or false');
    }
    if (!Number.isInteger(maxBatch) || maxBatch < 1) {
      throw new RequestError(`RedisStore maxBatch must be a whole number of decisions, 1 or more, got ${String(maxBatch)}`, 'Use e.g. 64 (the default), or 1 to send every decision on its own');
    }
    this.keyPrefix = keyPrefix;
    this.cluster = client !== undefined && isCluster(client);
    this.hashTags = hashTags ?? this.cluster;
    const ownPrefix = (client as { options?: { keyPrefix?: unknown } } | undefined)?.options?.keyPrefix;
    this.clientPrefix = typeof ownPrefix === 'string' ? ownPrefix : '';
    this.timeoutMs = commandTimeoutMs;
    this.clock = clock;
    const send = (keys: Bytes[], argv: string[]) =>
      this.timed('consume', () => this.evalConsume([String(keys.length), ...keys, ...argv])).then((reply) => (Buffer.isBuffer(reply) ? reply.toString() : reply));
    this.batcher = new RedisBatcher<Bytes>(send, this.cluster ? 1 : maxBatch, storeError);
    if (client !== undefined) {
      // Any other client has ioredis's surface (checked above: evalsha); used as one.
      this.client = client as Redis | Cluster;
      this.ownsClient = false;
    } else {
      // Fail queued commands fast when Redis is down; the timeout bounds the rest.
      const own = new Redis(url ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
      // Errors reach callers through rejected commands; don't let ioredis print them too.
      own.on('error', () => undefined);
      this.client = own;
      this.ownsClient = true;
    }
  }

  /** Decide and (unless refused or peeking) commit every limit in one round trip. Never throws: failures reject. */
  consume(limits: readonly LimitSpec[], options?: ConsumeOptions): Promise<ConsumeResult> {
    if (this.closed) return Promise.reject(closedError());
    try {
      const mode = options?.mode ?? 'consume';
      const at = options?.at;
      const now = this.clock?.now();
      const keys = this.storedKeys(limits);
      if (this.cluster && limits.length > 1) {
        const groups = groupBySlot(keys, this.clientPrefix);
        if (groups.length > 1) {
          const run = (args: Bytes[]) => this.timed('consume', () => this.evalConsume(args));
          return consumeAcrossSlots(run, limits, keys, groups, mode, now, at).catch((error: unknown) => Promise.reject(storeError(error)));
        }
      }
      return this.batcher.consume(keys, limits, mode, at, now);
    } catch (error) {
      return Promise.reject(storeError(error));
    }
  }

  /** Delete keys (given, by pattern, or all under the prefix); resolves to how many were removed. */
  async reset(selector: ResetSelector): Promise<number> {
    if (this.closed) throw closedError();
    try {
      if ('keys' in selector) return await this.unlink(selector.keys.map((key) => this.storedKey(key)));
      const prefix = this.clientPrefix + this.keyPrefix;
      const scan: TaggedPattern =
        'all' in selector ? { match: matchPattern(prefix, '*') } : this.hashTags ? taggedPattern(prefix, selector.pattern) : { match: matchPattern(prefix, selector.pattern) };
      let removed = 0;
      for (const node of await this.nodes()) removed += await this.scanAndUnlink(node, scan);
      return removed;
    } catch (error) {
      throw storeError(error);
    }
  }

  /** Stop accepting calls and, when the store created the client, close the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.batcher.flush();
    this.closed = true;
    if (!this.ownsClient) return;
    const client = this.client as Redis;
    if (client.status !== 'ready') {
      client.disconnect();
      return;
    }
    try {
      await this.timed('close', () => client.quit());
    } catch {
      client.disconnect();
    }
  }

  /** EVALSHA; after NOSCRIPT (a flush or a restart), EVAL once, which also reloads the script. */
  private async evalConsume(args: Bytes[]): Promise<unknown> {
    const client = this.client;
    try {
      return await client.call('EVALSHA', REDIS_CONSUME_SHA, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return await client.call('EVAL', REDIS_CONSUME_SCRIPT, ...args);
    }
  }

  /** The Redis key of core's key: prefixed, hash-tagged when on, encoded. */
  private storedKey(key: string): Bytes {
    return toRedisBytes(this.keyPrefix + (this.hashTags ? tagKey(key) : key));
  }

  private storedKeys(limits: readonly LimitSpec[]): Bytes[] {
    const keys: Bytes[] = new Array(limits.length);
    for (let i = 0; i < limits.length; i++) keys[i] = this.storedKey(limits[i]!.key);
    return keys;
  }

  /** The nodes to SCAN: the client, or every Cluster master (once the Cluster knows its slots). */
  private async nodes(): Promise<Node[]> {
    const client = this.client;
    if (!isCluster(client)) return [client];
    if (client.status !== 'ready') await this.timed('reset', () => clusterReady(client));
    return client.nodes('master');
  }

  private async scanAndUnlink(node: Node, { match, test }: TaggedPattern): Promise<number> {
    const skip = Buffer.byteLength(this.clientPrefix);
    const prefixBytes = toRedisBytes(this.clientPrefix + this.keyPrefix);
    const own = typeof prefixBytes === 'string' ? Buffer.byteLength(prefixBytes) : prefixBytes.length;
    let removed = 0;
    let cursor = '0';
    do {
      const reply = await this.timed('reset', () => node.callBuffer('SCAN', cursor, 'MATCH', match, 'COUNT', '1000'));
      const [next, found] = reply as [Buffer, Buffer[]];
      cursor = next.toString();
      const keys = test === undefined ? found : found.filter((key) => test(key.subarray(own).toString('latin1')));
      // ioredis adds the client's keyPrefix to UNLINK's keys: take it off first.
      if (keys.length > 0) removed += await this.unlink(skip === 0 ? keys : keys.map((key) => key.subarray(skip)));
    } while (cursor !== '0');
    return removed;
  }

  /** UNLINK in batches (one key per command on a Cluster, where keys live in different slots). */
  private async unlink(keys: readonly Bytes[]): Promise<number> {
    const client = this.client;
    let removed = 0;
    if (isCluster(client)) {
      const counts = await Promise.all(keys.map((key) => this.timed('reset', () => client.unlink(key))));
      for (const c of counts) removed += c;
      return removed;
    }
    for (let i = 0; i < keys.length; i += UNLINK_BATCH) {
      const batch = keys.slice(i, i + UNLINK_BATCH);
      removed += await this.timed('reset', () => client.unlink(...batch));
    }
    return removed;
  }

  /** Runs one round trip, rejecting with a coded error on failure or after the timeout. */
  private timed<T>(what: string, op: () => Promise<T>): Promise<T> {
    const ms = this.timeoutMs;
    return new Promise<T>((resolve, reject) => {
      // Not unref'd: a caller waiting on a hung Redis must get its answer.
      const timer = setTimeout(() => reject(new StoreError(NAME, `did not answer ${what} within ${ms} ms`, { timeout: true })), ms);
      op().then(
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

function isCluster(client: Redis | Cluster | RedisClientLike): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true;
}

/** Resolves once a Cluster client is ready (connecting it if it was created with lazyConnect). */
function clusterReady(client: Cluster): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (client.status === 'ready') return resolve();
    const onReady = () => {
      client.off('end', onEnd);
      resolve();
    };
    const onEnd = () => {
      client.off('ready', onReady);
      reject(new Error('the Cluster connection ended'));
    };
    client.once('ready', onReady);
    client.once('end', onEnd);
    if (client.status === 'wait') client.connect().catch(() => undefined);
  });
}

function closedError(): LimitRateError {
  return new LimitRateError('ERR_LIMITRATE_CLOSED', 'This store has been closed', { hint: 'Create a new store, or stop using it after close()' });
}

/** Coded errors pass through; anything else becomes a StoreError with the original as `cause`. */
function storeError(error: unknown): LimitRateError {
  if (error instanceof LimitRateError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new StoreError(NAME, `failed: ${message}`, { cause: error });
}
