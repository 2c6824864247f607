// In-flight limits (`concurrency`): at most `max` requests of an endpoint run at once; the
// others wait in a priority queue (or are refused at once with actionOnExceed: 'block').
// A slot is freed when the response finishes or the connection closes: the middleware
// calls `done` then; here it is called by hand.
import { HttpLimiter, type HttpDecision, type HttpRequestInfo } from '@limitrate/core';

interface Req {
  name: string;
  priority: number;
}

const limiter = new HttpLimiter<Req>({
  priority: (req) => req.priority, // lower first (default 5)
  policies: {
    free: {
      endpoints: {
        'POST|/api/generate': { concurrency: { max: 1, maxQueueSize: 2, queueTimeout: 100 } },
        'POST|/api/export': { concurrency: { max: 1, actionOnExceed: 'block' } },
      },
    },
  },
});
const call = (path: string, name: string, priority = 5): HttpRequestInfo<Req> => ({ method: 'POST', path, route: path, remoteAddress: `198.51.100.${name.charCodeAt(0) - 96}`, raw: { name, priority } });
const finish = (d: HttpDecision<unknown>) => d.done?.({ statusCode: 200, completed: true, res: undefined });
const outcome = (d: HttpDecision<unknown>) => (d.action === 'continue' ? 'runs' : `${d.status}: ${String(d.body?.message)}`);

// Four clients (a, b, c, d from four addresses): the slots are shared by everyone on the plan.
const a = limiter.decide(call('/api/generate', 'a'));
const b = limiter.decide(call('/api/generate', 'b'));
const c = limiter.decide(call('/api/generate', 'c', 1));
const d = limiter.decide(call('/api/generate', 'd'));
for (const [name, p] of [['a', a], ['b', b], ['c', c], ['d', d]] as const) {
  console.log(`${name}: ${p instanceof Promise ? 'waits for a slot' : outcome(p)}`);
}
const order: string[] = [];
void Promise.resolve(b).then((x) => { order.push('b'); finish(x); });
void Promise.resolve(c).then((x) => { order.push('c'); finish(x); });
finish(await a); // a's response is done: the slot passes to c (priority 1), then to b
await Promise.all([b, c]);
console.log(`served after a: ${order.join(', ')}`);

// A request that waits longer than queueTimeout is refused.
const holder = await limiter.decide(call('/api/generate', 'e'));
const waiting = limiter.decide(call('/api/generate', 'f'));
await new Promise((resolve) => setTimeout(resolve, 150)); // e is still running
console.log(`f after 150 ms: ${outcome(await waiting)}`);
finish(holder);

// actionOnExceed: 'block' refuses at once instead of queueing.
const first = await limiter.decide(call('/api/export', 'g'));
const second = await limiter.decide(call('/api/export', 'h'));
console.log(`export, 1st: ${outcome(first)}\nexport, 2nd: ${outcome(second)} (Retry-After: ${second.headers.find(([n]) => n === 'Retry-After')?.[1]})`);
finish(first);
await limiter.close();
