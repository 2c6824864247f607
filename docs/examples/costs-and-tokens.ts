// An AI endpoint limited by requests, by tokens and by spend, all checked atomically.
import { RateLimiter, manualClock } from '@limitrate/core';

interface ChatRequest {
  model: 'small' | 'large';
  prompt: string;
}
const PRICE_PER_CHAR = { small: 0.000_001, large: 0.000_02 }; // dollars

const clock = manualClock(Date.UTC(2026, 0, 1));
const limiter = new RateLimiter<ChatRequest>({
  clock,
  policies: {
    free: {
      endpoints: {
        'POST|/api/chat': {
          rate: { maxPerMinute: 20, maxTokensPerMinute: 2_000, maxTokensPerDay: 20_000 },
          cost: {
            estimateCost: (req) => req.prompt.length * PRICE_PER_CHAR[req.model],
            hourlyCap: 0.05,
            dailyCap: 0.2,
          },
        },
      },
    },
  },
});

const chat = (raw: ChatRequest, tokens?: number) =>
  limiter.check({ userId: 'u1', endpoint: 'POST|/api/chat', raw, ...(tokens === undefined ? {} : { tokens }) });

// estimateCost prices the raw request; the token count is given when known.
let r = await chat({ model: 'large', prompt: 'x'.repeat(1_000) }, 300);
console.log(`charged $${r.cost} and ${r.tokens} tokens; limits:`);
for (const l of r.limits) console.log(`  ${l.id.padEnd(10)} ${l.unit.padEnd(8)} used ${l.used} of ${l.limit}`);

// The hourly cap blocks once the next request would pass $0.05; nothing else is counted.
r = await chat({ model: 'large', prompt: 'x'.repeat(1_500) }, 300);
r = await chat({ model: 'large', prompt: 'x'.repeat(1_500) }, 300);
console.log(`third request: allowed=${r.allowed} reason=${r.reason} blockedBy=${r.blockedBy?.id} retryAfter=${r.retryAfter}s`);
console.log(`  its tokens were not counted: tokens:1m used ${r.limits.find((l) => l.id === 'tokens:1m')?.used}`);

// A request can carry its own cost instead; costs round up to the next micro-dollar.
const exact = await limiter.check({ userId: 'u2', endpoint: 'POST|/api/chat', cost: 0.000_000_3 });
console.log(`a cost of $0.0000003 is charged as $${exact.cost}`);

// checkCost checks (and charges) only the cost caps.
const costOnly = await limiter.checkCost({ userId: 'u3', endpoint: 'POST|/api/chat', cost: 0.01 });
console.log(`checkCost: ${costOnly.limits.map((l) => l.id).join(', ')}`);
