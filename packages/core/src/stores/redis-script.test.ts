// The Redis consume script's SHA-1 is a constant in core (which computes no hashes): it must
// be the script's real SHA-1, or every EVALSHA would miss and fall back to EVAL.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { REDIS_CONSUME_SCRIPT, REDIS_CONSUME_SHA } from './redis-script.js';

describe('REDIS_CONSUME_SHA', () => {
  it('is the SHA-1 of REDIS_CONSUME_SCRIPT', () => {
    expect(REDIS_CONSUME_SHA).toBe(createHash('sha1').update(REDIS_CONSUME_SCRIPT).digest('hex'));
  });
});
