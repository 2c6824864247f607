// Token limits with an estimate before the request (identifyTokenUsage) and the real count
// after the response (extractTokenUsage), and not counting failed requests
// (skipFailedRequests). The middleware calls `done` when the response finishes or the
// connection closes; here it is called by hand.
import { HttpLimiter, manualClock, type HttpRequestInfo } from '@limitrate/core';

interface Req {
  body: { max_tokens?: number };
}
interface Res {
  locals: { usage?: { total_tokens: number } };
}

const limiter = new HttpLimiter<Req, Res>({
  clock: manualClock(Date.UTC(2026, 0, 1)),
  identifyTokenUsage: (req) => req.body.max_tokens, // the most the request may use
  extractTokenUsage: (res) => res.locals.usage?.total_tokens, // what it did use
  skipFailedRequests: true,
  policies: { free: { endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 10, maxTokensPerMinute: 1_000 } } } } },
});
const chat = (maxTokens: number): HttpRequestInfo<Req> => ({ method: 'POST', path: '/api/chat', route: '/api/chat', remoteAddress: '198.51.100.7', raw: { body: { max_tokens: maxTokens } } });
const used = async () => {
  const s = await limiter.status(chat(0));
  return s.limits.map((l) => `${l.id} ${l.used}/${l.limit}`).join(', ');
};
const settled = () => limiter.events.flush(); // record() runs after the response, in the background

const steps: Array<[label: string, statusCode: number, completed: boolean, tokens: number | undefined]> = [
  ['a 200 that used 150', 200, true, 150],
  ['a 502, usage unknown', 502, true, undefined], // the request is given back, the estimate stays
  ['a 502 that used 0', 502, true, 0],
  ['the client went away', 200, false, undefined], // an unfinished response counts as failed
];
for (const [label, statusCode, completed, tokens] of steps) {
  const d = await limiter.decide(chat(300));
  const before = await used();
  d.done?.({ statusCode, completed, res: { locals: tokens === undefined ? {} : { usage: { total_tokens: tokens } } } });
  await settled();
  console.log(`${label.padEnd(22)} checked: ${before}  ->  after: ${await used()}`);
}
const d = await limiter.decide(chat(900));
console.log(`an estimate of 900:    ${d.action} ${d.status} ${String(d.body?.reason)}`);
await limiter.close();
