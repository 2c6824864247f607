// Batching for the Redis-protocol stores: decisions made while a round trip is in flight
// wait for the end of the event-loop turn, and go together in one call of the consume
// script, which decides them one after the other, each atomically (the same answers as one
// call each, in arrival order). A decision made while nothing is in flight goes at once, so
// batching adds no wait when the store is idle.
import { decodeRedisBatchReply, pushRedisDecision, redisNowArg } from './redis-codec.js';
import type { ConsumeMode, ConsumeResult, LimitSpec } from './types.js';

/** One round trip of the consume script: the keys of every decision, in order, and ARGV. Resolves to the script's reply. */
export type RedisBatchSend<K> = (keys: K[], argv: string[]) => Promise<unknown>;

interface Pending<K> {
  keys: readonly K[];
  limits: readonly LimitSpec[];
  argv: string[];
  resolve: (result: ConsumeResult) => void;
  reject: (error: unknown) => void;
}

/** Runs `fn` after the current event-loop turn: setImmediate in Node, a zero timeout elsewhere. */
const afterTurn: (fn: () => void) => void = typeof setImmediate === 'function' ? (fn) => void setImmediate(fn) : (fn) => void setTimeout(fn, 0);

/**
 * Gathers decisions into calls of the consume script.
 *
 * @example
 * ```ts
 * const batcher = new RedisBatcher<string>((keys, argv) => redis.evalsha(REDIS_CONSUME_SHA, keys, argv), 64, toStoreError);
 * const result = await batcher.consume(['limitrate:u1:GET|/a:r:fw:60000'], limits, 'consume', undefined, undefined);
 * ```
 */
export class RedisBatcher<K> {
  private queue: Pending<K>[] = [];
  private queueNow: number | undefined;
  private inFlight = 0;
  private scheduled = false;

  /**
   * @param send one round trip of the consume script.
   * @param maxBatch most decisions per call (1: every decision on its own).
   * @param failure the error each decision of a failed call rejects with.
   */
  constructor(
    private readonly send: RedisBatchSend<K>,
    private readonly maxBatch: number,
    private readonly failure: (error: unknown) => unknown,
  ) {}

  /** Decides one request's limits (`keys` are the stored keys, one per limit) at `now` (undefined: the server's time). Throws for limits it cannot encode. */
  consume(keys: readonly K[], limits: readonly LimitSpec[], mode: ConsumeMode, at: number | undefined, now: number | undefined): Promise<ConsumeResult> {
    const argv: string[] = [];
    pushRedisDecision(argv, limits, mode, at);
    return new Promise<ConsumeResult>((resolve, reject) => {
      // One call has one time: a decision at another time (an injected clock moved) starts a new call.
      if (this.queue.length > 0 && this.queueNow !== now) this.flush();
      this.queueNow = now;
      this.queue.push({ keys, limits, argv, resolve, reject });
      if (this.inFlight === 0 || this.queue.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        afterTurn(this.scheduledFlush);
      }
    });
  }

  /** Sends what is waiting now (for close()). */
  flush(): void {
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    const keys: K[] = [];
    const argv: string[] = [redisNowArg(this.queueNow)];
    for (const p of batch) {
      for (const k of p.keys) keys.push(k);
      for (const a of p.argv) argv.push(a);
    }
    this.inFlight++;
    let sent: Promise<unknown>;
    try {
      sent = this.send(keys, argv);
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(
      (reply) => {
        this.inFlight--;
        let results: ConsumeResult[];
        try {
          results = decodeRedisBatchReply(reply, batch);
        } catch (error) {
          const e = this.failure(error);
          for (const p of batch) p.reject(e);
          return;
        }
        for (let i = 0; i < batch.length; i++) batch[i]!.resolve(results[i]!);
      },
      (error: unknown) => {
        this.inFlight--;
        const e = this.failure(error);
        for (const p of batch) p.reject(e);
      },
    );
  }

  private readonly scheduledFlush = (): void => {
    this.scheduled = false;
    this.flush();
  };
}
