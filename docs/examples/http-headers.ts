// The rate-limit headers of each `headers` mode, on an allowed request and on a 429.
import { HttpLimiter, manualClock, type HeaderMode } from '@limitrate/core';

const info = { method: 'POST', path: '/api/chat', route: '/api/chat', remoteAddress: '198.51.100.7', raw: {} };

for (const headers of ['v3', 'draft', 'legacy', 'both', false] as HeaderMode[]) {
  // 20 seconds into a minute: the window resets in 40 s, at 00:01:00 UTC (Unix time 1767225660).
  const limiter = new HttpLimiter({
    clock: manualClock(Date.UTC(2026, 0, 1, 0, 0, 20)),
    headers,
    policies: { free: { rate: { maxPerMinute: 2, maxTokensPerHour: 50_000 } } },
  });
  const allowed = await limiter.decide(info);
  await limiter.decide(info);
  const refused = await limiter.decide(info);
  console.log(`headers: ${JSON.stringify(headers)}`);
  for (const [name, value] of allowed.headers) console.log(`  ${name}: ${value}`);
  // The 429 sends the same headers (with nothing remaining) and Retry-After.
  const added = refused.headers.filter(([name]) => !allowed.headers.some(([n]) => n === name));
  console.log(`  on the 429, also: ${added.map(([name, value]) => `${name}: ${value}`).join(', ')}`);
  await limiter.close();
}
