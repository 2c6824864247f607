// metrics and tracing hooks: what @limitrate/prometheus, /datadog and /opentelemetry plug into.
import { RateLimiter, type CheckCounts, type CheckScope, type Instrumentation } from '@limitrate/core';

// Metrics, the cheap way: the limiter counts checks per plan and endpoint (counts: true), and
// hands over the checks it timed; read the counts when you export.
let readCounts: () => readonly CheckCounts[] = () => [];
let timedChecks = 0;
const metrics: Instrumentation = {
  name: 'my-metrics',
  counts: true,
  // Time every check (the default, 100 a second at most, samples under load).
  timingsPerSecond: Infinity,
  attach(limiter) {
    readCounts = limiter.checkCounts!;
  },
  onTimedCheck(r) {
    timedChecks += r.timingWeight;
  },
};

// Tracing: a scope per check, with the policy lookup and the store operation inside it.
const spans: string[] = [];
const tracing: Instrumentation = {
  name: 'my-tracer',
  startCheck(start): CheckScope {
    spans.push(`rate_limit_check ${String(start.endpoint)}`);
    return {
      phase: (name) => void spans.push(`  ${name}`),
      end: (record) => void spans.push(`  end: ${record.outcome}, remaining ${record.result.remaining}`),
      fail: (error) => void spans.push(`  failed: ${String(error)}`),
    };
  },
  onStoreOperation: (op) => void spans.push(`  store ${op.store} ${op.operation} ${op.status}`),
};

const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 3 } } }, metrics, tracing });
for (let i = 0; i < 4; i++) await limiter.check({ userId: 'u', endpoint: 'POST|/api/chat' });

for (const c of readCounts()) console.log(`${c.plan} ${c.endpoint}: allowed ${c.allowed}, blocked ${c.blocked}, latest usage ${c.latest?.current}`);
console.log(`timings stand for ${timedChecks} checks`);
console.log(spans.slice(0, 5).join('\n'));
await limiter.close();
