// Store keys and reset(): clear the counters of a user, an endpoint, both, given keys, or all.
import { RateLimiter, manualClock } from '@limitrate/core';

const limiter = new RateLimiter({
  clock: manualClock(Date.UTC(2026, 0, 1)),
  policies: {
    free: {
      endpoints: { 'GET|/users/:id': { rate: { maxPerMinute: 1 } } },
      defaults: { rate: { maxPerMinute: 1, maxPerDay: 100 }, cost: { dailyCap: 5 } },
    },
  },
});

// Keys read <user>:<METHOD|path scope>:<kind>:<algorithm>:<window>, each part escaped.
const chat = await limiter.check({ userId: 'bob', endpoint: 'POST|/api/chat', cost: 0.1 });
console.log(chat.limits.map((l) => l.key).join('\n'));
const user = await limiter.check({ userId: 'team:42 alice', endpoint: 'GET|/users/7' });
console.log(user.limits.map((l) => l.key).join('\n'));

// Use up a few counters, then clear them in different ways.
for (const userId of ['alice', 'bob']) {
  for (const endpoint of ['GET|/users/1', 'GET|/a', 'GET|/b']) await limiter.check({ userId, endpoint });
}
const blocked = async (userId: string, endpoint: string) => !(await limiter.peek({ userId, endpoint })).allowed;

console.log(`reset alice on GET /a:           ${await limiter.reset({ userId: 'alice', endpoint: 'GET|/a' })} keys`);
console.log(`reset GET /users/99 (all users): ${await limiter.reset({ endpoint: 'GET|/users/99' })} keys`);
console.log(`  bob on GET /users/1 still blocked? ${await blocked('bob', 'GET|/users/1')} (same template, same counter)`);
console.log(`reset one key:                   ${await limiter.reset({ key: chat.limits[0]!.key })} key`);
console.log(`reset everything of bob:         ${await limiter.reset({ userId: 'bob' })} keys`);
console.log(`reset all:                       ${await limiter.reset({ all: true })} keys`);
console.log(`  alice on GET /b still blocked? ${await blocked('alice', 'GET|/b')}`);
