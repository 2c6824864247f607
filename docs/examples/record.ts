// record(): settle tokens and cost once the response says what they really were.
import { RateLimiter, manualClock, type RateLimitResult } from '@limitrate/core';

const limiter = new RateLimiter({
  clock: manualClock(Date.UTC(2026, 0, 1)),
  policies: { free: { rate: { maxTokensPerMinute: 1_000 }, cost: { dailyCap: 1 } } },
});
const used = async (userId: string) =>
  (await limiter.peek({ userId })).limits.map((l) => `${l.id} ${l.used}`).join(', ');

// Estimate up front, then charge the difference (here: a refund of 600 tokens and $0.30).
const r = await limiter.check({ userId: 'alice', tokens: 800, cost: 0.5 });
console.log(`after check:  ${await used('alice')}`);
const rec = await limiter.record(r, { tokens: 200, cost: 0.2 });
console.log(`record -> recorded=${rec.recorded} tokens ${rec.tokens}, cost ${rec.cost}`);
console.log(`after record: ${await used('alice')}`);
await limiter.record(r, { tokens: 200, cost: 0.2 }); // the same numbers again change nothing
console.log(`again:        ${await used('alice')}`);

// Token count unknown up front: the check only probes for room; record() charges it all,
// even past the limit, and the next request is refused.
const probe = await limiter.check({ userId: 'bob' });
await limiter.record(probe, { tokens: 1_200 });
const next = await limiter.check({ userId: 'bob' });
console.log(`bob after 1,200 tokens: ${await used('bob')}; next allowed=${next.allowed}`);

// No check result at hand (say, a background job): record against a request.
await limiter.record({ userId: 'carol' }, { tokens: 50, cost: 0.05 });
console.log(`carol:        ${await used('carol')}`);

// A copy of the result works too (a spread, or JSON sent to a worker): record() reads what
// was charged from its tokens, cost and timestamp, then updates them on the object passed.
const copy = JSON.parse(JSON.stringify(await limiter.check({ userId: 'dave', tokens: 500, cost: 0.1 }))) as RateLimitResult;
await limiter.record(copy, { tokens: 100, cost: 0.1 });
console.log(`dave, via a copy: ${await used('dave')}; the copy now says tokens=${copy.tokens} cost=${copy.cost}`);
await limiter.record(copy, { tokens: 100, cost: 0.1 }); // the same numbers again change nothing
console.log(`again:        ${await used('dave')}`);
