// What happens when a limit is exceeded: block, slowdown, allow-and-log, and dry run.
import { RateLimiter, manualClock, type DryRunEvent } from '@limitrate/core';

const T0 = Date.UTC(2026, 0, 1);
const limiter = new RateLimiter({
  clock: manualClock(T0),
  policies: {
    free: {
      endpoints: {
        'GET|/search': { rate: { maxPerMinute: 2, actionOnExceed: 'slowdown', slowdownMs: 300 } },
        'GET|/feed': { rate: { maxPerMinute: 2, actionOnExceed: 'allow-and-log' } },
        // A soft request limit next to a hard cost cap.
        'POST|/api/chat': { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown' }, cost: { hourlyCap: 0.02 } },
      },
    },
  },
});

for (const endpoint of ['GET|/search', 'GET|/feed']) {
  const seen: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await limiter.check({ userId: 'u', endpoint });
    seen.push(`${r.action}${r.slowdownMs ? ` ${r.slowdownMs}ms` : ''} (allowed=${r.allowed}, current=${r.current})`);
  }
  console.log(`${endpoint}: ${seen.join(' | ')}`);
}
// The limiter never sleeps: with `slowdown`, wait `result.slowdownMs` yourself, then go on.

const chat = [];
for (const cost of [0.01, 0.01, 0.01]) {
  const r = await limiter.check({ userId: 'u', endpoint: 'POST|/api/chat', cost });
  chat.push(`${r.action}/${r.reason ?? '-'}`);
}
console.log(`POST /api/chat: ${chat.join(' | ')} (a block beats a slowdown)`);

// Dry run: nothing is blocked or slowed; results and dryRunLogger say what would have happened.
const logged: DryRunEvent[] = [];
const trial = new RateLimiter({
  clock: manualClock(T0),
  dryRun: true,
  dryRunLogger: (e) => void logged.push(e),
  policies: { free: { rate: { maxPerMinute: 1 } } },
});
for (let i = 0; i < 2; i++) {
  const r = await trial.check({ userId: 'u', endpoint: 'GET|/x' });
  console.log(`dry run ${i + 1}: allowed=${r.allowed} action=${r.action} dryRun=${r.dryRun}`);
}
await trial.events.flush();
console.log('dryRunLogger got:', JSON.stringify(logged));

// Dry run covers every block: here an unknown plan under onUnknownPlan: 'block'.
const strict = new RateLimiter({ clock: manualClock(T0), dryRun: true, onUnknownPlan: 'block', policies: { free: { rate: { maxPerMinute: 1 } } } });
const unknown = await strict.check({ userId: 'u', plan: 'gold' });
console.log(`dry run, unknown plan: allowed=${unknown.allowed} action=${unknown.action} reason=${unknown.reason} dryRun=${unknown.dryRun}`);
