// Test helper: each test of the file fails if a promise rejection went unhandled while it
// ran (stores and limiters must settle every promise they create).
import { afterEach, beforeEach, expect } from 'vitest';

export function failOnUnhandledRejections(): void {
  let unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => void unhandled.push(e);
  beforeEach(() => {
    unhandled = [];
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(async () => {
    // Rejections are reported a turn later: give them time to surface.
    await new Promise((r) => setTimeout(r, 10));
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });
}
