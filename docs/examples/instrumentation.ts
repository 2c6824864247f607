// metrics and tracing hooks: what @limitrate/prometheus, /datadog and /opentelemetry plug into.
import { RateLimiter, type CheckScope, type Instrumentation } from '@limitrate/core';

// Metrics: one record per check. Count every check; time one in four, weighing each timing by 4.
const counts = new Map<string, number>();
let timedChecks = 0;
const metrics: Instrumentation = {
  name: 'my-metrics',
  timeEvery: 4,
  onCheck(r) {
    const key = `${r.result.plan} ${r.result.endpoint} ${r.outcome}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (r.durationSeconds !== undefined) timedChecks += r.timingWeight;
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

console.log([...counts].map(([k, n]) => `${k}: ${n}`).join('\n'));
console.log(`timings stand for ${timedChecks} checks`);
console.log(spans.slice(0, 5).join('\n'));
await limiter.close();
