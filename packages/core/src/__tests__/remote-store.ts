// A remote-like store for tests: the memory store's answers, asynchronously and under another
// name (so the limiter times its round trips), that fails on demand.
import { MemoryStore } from '../stores/memory.js';
import type { ConsumeOptions, LimitSpec, ResetSelector, Store } from '../stores/types.js';

export class AsyncStore implements Store {
  readonly name = 'remote';
  readonly inner = new MemoryStore({ cleanupIntervalMs: 0 });
  fail = false;
  async consume(limits: readonly LimitSpec[], options?: ConsumeOptions) {
    await Promise.resolve();
    if (this.fail) throw new Error('connection refused');
    return this.inner.consume(limits, options);
  }
  async reset(selector: ResetSelector) {
    return this.inner.reset(selector);
  }
}
