// The suite can fail: each deliberately broken store is caught by the cases aimed at its bug,
// with a message that names the store, the case and what was expected.
import { describe, expect, it } from 'vitest';
import { ConformanceError, storeConformance } from '../src/index.js';
import { BROKEN } from './broken-stores.js';

/** Run every case; return the ids that failed, with their errors. */
async function failures(name: string, create: (typeof BROKEN)[number]['create']): Promise<Map<string, unknown>> {
  const failed = new Map<string, unknown>();
  for (const c of storeConformance({ name, create })) {
    try {
      await c.run();
    } catch (error) {
      failed.set(c.id, error);
    }
  }
  return failed;
}

describe('the conformance suite catches broken stores', () => {
  it.each(BROKEN.map((b) => [b.name, b] as const))('%s', async (_name, broken) => {
    const failed = await failures(broken.name, broken.create);
    for (const id of broken.caughtBy) {
      expect([...failed.keys()], `case ${id} should catch the store that ${broken.name}`).toContain(id);
      const error = failed.get(id);
      expect(error).toBeInstanceOf(ConformanceError);
      expect((error as Error).message).toContain(`[${broken.name} › ${id}]`);
    }
  });

  it('explains a violation with the limit and expected vs actual values', async () => {
    const ignoresSoft = BROKEN.find((b) => b.name === 'treats soft limits as hard')!;
    const failed = await failures('ignores-soft', ignoresSoft.create);
    const message = (failed.get('sets/soft-limit-never-vetoes') as Error).message;
    expect(message).toMatch(/allowed expected true, got false/);
  });
});
