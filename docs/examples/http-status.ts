// A caller's quota without counting anything: what `limiter.status(req)`,
// `getRateLimitStatus(limiter, req)` and `createStatusEndpoint(limiter)` of
// @limitrate/express answer, in LimitRate v3's shape plus every limit.
import { HttpLimiter, manualClock } from '@limitrate/core';

interface Req {
  user: string;
}

const limiter = new HttpLimiter<Req>({
  clock: manualClock(Date.UTC(2026, 0, 1, 12, 0, 15)),
  identifyUser: (req) => req.user,
  policies: {
    free: {
      endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 10, maxPerDay: 100 }, cost: { dailyCap: 1 } } },
      defaults: { rate: { maxPerMinute: 60 } },
    },
  },
});
const chat = { method: 'POST', path: '/api/chat', route: '/api/chat', remoteAddress: '198.51.100.7', raw: { user: 'alice' } };
for (let i = 0; i < 7; i++) await limiter.decide(chat);

// The status of the request's own endpoint, or of another one named explicitly (here from
// a GET /api/quota request).
const quota = { method: 'GET', path: '/api/quota', route: '/api/quota', remoteAddress: '198.51.100.7', raw: { user: 'alice' } };
const s = await limiter.status(quota, 'POST|/api/chat');
const { limits, ...v3 } = s;
console.log(JSON.stringify(v3));
for (const l of limits) console.log(`  ${l.id.padEnd(8)} used ${l.used} of ${l.limit}, resets in ${l.resetInSeconds} s`);
console.log(`still 7 used after asking: ${(await limiter.status(quota, 'POST|/api/chat')).used}`);
await limiter.close();
