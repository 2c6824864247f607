// DeferredStore: a store named in the configuration, loaded in the background. Here with
// stand-in modules (the real packages are loaded in packages/redis and packages/upstash
// tests): calls wait for the load then go straight through; a missing package or refused
// options are configuration errors that the limiter throws, never a silent "allow";
// close and events behave whether the load has finished or not.
import { describe, expect, it } from 'vitest';
import { failOnUnhandledRejections } from '../__tests__/unhandled.js';
import { manualClock } from '../clock.js';
import { ConfigError } from '../errors/index.js';
import { EventBus } from '../events/bus.js';
import type { LimitRateEvent } from '../events/types.js';
import { RateLimiter } from '../limiter.js';
import { DeferredStore, type ModuleLoader } from './deferred.js';
import { MemoryStore } from './memory.js';
import type { ConsumeOptions, LimitSpec, ResetSelector, Store } from './types.js';

failOnUnhandledRejections();

const spec: LimitSpec = { key: 'u:a', algorithm: 'fixed-window', limit: 2, windowMs: 60_000, cost: 1 };

/** A stand-in for @limitrate/redis: its RedisStore is a MemoryStore that records its options and closes. */
function fakePackage() {
  const made: { options: Record<string, unknown>; closed: boolean }[] = [];
  class RedisStore implements Store {
    readonly name = 'redis';
    readonly record: { options: Record<string, unknown>; closed: boolean };
    private readonly memory = new MemoryStore({ cleanupIntervalMs: 0 });
    constructor(options: Record<string, unknown>) {
      if (options.url === 'bad') throw new Error('RedisStore url must be redis://');
      this.record = { options, closed: false };
      made.push(this.record);
    }
    consume(limits: readonly LimitSpec[], options?: ConsumeOptions) {
      return this.memory.consume(limits, options);
    }
    reset(selector: ResetSelector) {
      return this.memory.reset(selector);
    }
    close(): void {
      this.record.closed = true;
      this.memory.close();
    }
    attach(bus: EventBus) {
      bus.emit({ type: 'store_circuit', timestamp: 1, store: 'redis', state: 'open', failures: 1 } as unknown as LimitRateEvent);
      return { dispose: () => undefined };
    }
  }
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const load: ModuleLoader = async (specifier) => {
    await gate;
    if (specifier !== '@limitrate/redis') throw new Error(`Cannot find package '${specifier}'`);
    return { RedisStore };
  };
  return { made, load, release };
}

describe('DeferredStore', () => {
  it('calls made before the package loads wait for it, in order; later calls go straight through', async () => {
    const pkg = fakePackage();
    const store = new DeferredStore('redis', { type: 'redis', url: 'redis://x', keyPrefix: 'p:' }, undefined, pkg.load);
    expect(store.name).toBe('redis');
    const early = [store.consume([spec]), store.consume([spec]), store.consume([spec])];
    pkg.release();
    expect((await Promise.all(early)).map((r) => r.allowed)).toEqual([true, true, false]);
    expect(pkg.made).toHaveLength(1);
    expect(pkg.made[0]!.options).toEqual({ url: 'redis://x', keyPrefix: 'p:' });
    // Loaded: the store answers without waiting for anything (the memory stand-in: at once).
    const now = store.consume([{ ...spec, key: 'u:b' }]);
    expect(now).not.toBeInstanceOf(Promise);
    expect(await store.reset({ all: true })).toBeGreaterThan(0);
  });

  it("passes the limiter's clock on, unless the options name one", async () => {
    const pkg = fakePackage();
    pkg.release();
    const clock = manualClock(5);
    await new DeferredStore('redis', { type: 'redis' }, clock, pkg.load).loaded;
    const own = manualClock(7);
    await new DeferredStore('redis', { type: 'redis', clock: own }, clock, pkg.load).loaded;
    expect(pkg.made.map((m) => m.options.clock)).toEqual([clock, own]);
  });

  it('a missing package rejects every call and loaded with a ConfigError that says what to install', async () => {
    const pkg = fakePackage();
    pkg.release();
    const store = new DeferredStore('upstash', { type: 'upstash', url: 'https://x' }, undefined, pkg.load);
    await expect(store.loaded).rejects.toBeInstanceOf(ConfigError);
    const error = await Promise.resolve(store.consume([spec])).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_LIMITRATE_INVALID_CONFIG', path: 'store' });
    expect((error as Error).message).toContain('npm install @limitrate/upstash @upstash/redis');
    expect((error as Error).message).toContain('new UpstashStore(...)');
    await expect(Promise.resolve(store.reset({ all: true }))).rejects.toBeInstanceOf(ConfigError);
  });

  it("options the store refuses are a ConfigError carrying the store's own message", async () => {
    const pkg = fakePackage();
    pkg.release();
    const store = new DeferredStore('redis', { type: 'redis', url: 'bad' }, undefined, pkg.load);
    await expect(store.loaded).rejects.toThrow(/refused its options: RedisStore url must be redis:\/\//);
  });

  it('closed before the load finishes: the loaded store is closed, calls reject ERR_LIMITRATE_CLOSED', async () => {
    const pkg = fakePackage();
    const store = new DeferredStore('redis', { type: 'redis' }, undefined, pkg.load);
    await store.close();
    pkg.release();
    await store.loaded;
    await new Promise((r) => setTimeout(r, 0));
    expect(pkg.made[0]!.closed).toBe(true);
    await expect(Promise.resolve(store.consume([spec]))).rejects.toMatchObject({ code: 'ERR_LIMITRATE_CLOSED' });
  });

  it('attaches event buses to the store once it is loaded, and not after they are disposed', async () => {
    const pkg = fakePackage();
    const store = new DeferredStore('redis', { type: 'redis' }, undefined, pkg.load);
    const kept = new EventBus();
    const dropped = new EventBus();
    const seen: string[] = [];
    kept.on('*', (e) => void seen.push(`kept ${e.type}`));
    dropped.on('*', (e) => void seen.push(`dropped ${e.type}`));
    store.attach(kept);
    store.attach(dropped).dispose();
    pkg.release();
    await store.loaded;
    await kept.flush();
    await dropped.flush();
    expect(seen).toEqual(['kept store_circuit']);
  });
});

describe('a limiter over a store that cannot be loaded', () => {
  it('throws the ConfigError from check (whatever onStoreError says), and ready() rejects with it', async () => {
    const pkg = fakePackage();
    pkg.release();
    const store = new DeferredStore('upstash', { type: 'upstash' }, undefined, pkg.load);
    const events: string[] = [];
    const limiter = new RateLimiter({ store, onStoreError: 'allow', policies: { free: { rate: { maxPerMinute: 5 } } }, onEvent: (e) => void events.push(e.type) });
    await expect(limiter.check({ userId: 'u', endpoint: 'GET|/a' })).rejects.toMatchObject({ code: 'ERR_LIMITRATE_INVALID_CONFIG' });
    await expect(store.loaded).rejects.toBeInstanceOf(ConfigError);
    await limiter.close();
    expect(events).not.toContain('store_error');
  });

  it('ready() resolves at once for other stores', async () => {
    const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 5 } } } });
    await expect(limiter.ready()).resolves.toBeUndefined();
    await limiter.close();
  });
});
