// A scripted session against the express-ai app over real HTTP (`pnpm walkthrough`): prices,
// a cost cap running out, a token budget settled at actual usage, and a soft enterprise cap.
// The limiter's clock is pinned to 10:45:00 UTC so that the numbers are the same every run.
import { manualClock } from '@limitrate/core';
import { createApp, listen } from './app.js';

const lines: string[] = [];
const { app, limiter } = createApp({
  log: (line) => lines.push(line),
  modelDelayMs: 5,
  overrides: {
    clock: manualClock(Date.UTC(2026, 0, 1, 10, 45)),
    // An enterprise trial whose contract caps spend at $0.01 an hour (soft, like every enterprise cap).
    userOverrides: { 'acme-trial': { hourlyCap: 0.01 } },
  },
});
const { server, url } = await listen(app, 0);

type Json = Record<string, unknown>;
async function chat(key: string, model: string, promptChars: number, maxTokens: number): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'x'.repeat(promptChars) }], max_tokens: maxTokens }),
  });
  return { status: res.status, body: (await res.json()) as Json };
}
async function usage(key: string): Promise<Json> {
  return (await (await fetch(`${url}/v1/usage`, { headers: { authorization: `Bearer ${key}` } })).json()) as Json;
}
/** Prints the limiter's events since the last call. */
async function events(): Promise<void> {
  await limiter.limiter.events.flush();
  for (const line of lines.splice(0)) console.log(`    ${line}`);
}
const money = (n: unknown): string => `$${String(n)}`;
const step = (title: string): void => console.log(`\n== ${title}`);

step('GET /v1/models: prices per 1M tokens');
const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: Array<{ id: string; usd_per_1m_tokens: { input: number; output: number } }> };
for (const m of models.data) console.log(`  ${m.id.padEnd(14)} input ${money(m.usd_per_1m_tokens.input).padEnd(6)} output ${money(m.usd_per_1m_tokens.output)}`);

step('alice (free: $0.05/hour, $0.20/day, 20,000 tokens/min) sends claude-sonnet prompts of 2,000 tokens, max_tokens 1,000');
for (let i = 1; ; i++) {
  const r = await chat('sk-free-alice', 'claude-sonnet', 8000, 1000);
  if (r.status === 200) {
    const b = r.body.billing as Json;
    const u = (await usage('sk-free-alice')).usd_this_hour as Json;
    console.log(`  #${i} 200  estimated ${money(b.estimated_usd)}, actual ${money(b.actual_usd)}, spent this hour ${money(u.used)} of ${money(u.cap)}`);
    await events();
    continue;
  }
  console.log(`  #${i} ${r.status}  ${JSON.stringify(r.body, null, 2).replace(/\n/g, '\n  ')}`);
  await events();
  break;
}
console.log('  (priced at the estimate alone, the third request would have been refused: 3 x $0.021 > $0.05)');

step('alice again, with a small gpt-4o-mini request: the cap is in dollars, and this one still fits');
{
  const r = await chat('sk-free-alice', 'gpt-4o-mini', 400, 200);
  const b = r.body.billing as Json;
  console.log(`  ${r.status}  estimated ${money(b.estimated_usd)}, actual ${money(b.actual_usd)}`);
  await events();
}

step('carol (free) sends gpt-4o-mini prompts of 4,000 tokens with max_tokens 6,000: 10,000 tokens each, estimated');
let actualTotal = 0;
for (let i = 1; ; i++) {
  const r = await chat('sk-free-carol', 'gpt-4o-mini', 16_000, 6000);
  if (r.status === 200) {
    const u = r.body.usage as { total_tokens: number };
    actualTotal += u.total_tokens;
    const t = (await usage('sk-free-carol')).tokens_this_minute as Json;
    console.log(`  #${i} 200  used ${u.total_tokens} tokens; tokens this minute ${String(t.used)} of ${String(t.limit)} (actual usage: ${actualTotal})`);
    await events();
    continue;
  }
  console.log(`  #${i} ${r.status}  reason ${String(r.body.reason)}: ${String(r.body.message)}`);
  await events();
  break;
}
console.log('  (counted at the estimates, the third request would have been refused: 3 x 10,000 > 20,000)');

step('acme-trial (enterprise, overridden to $0.01/hour): soft caps are served, and logged for billing');
for (let i = 1; i <= 4; i++) {
  const r = await chat('sk-enterprise-acme-trial', 'gpt-4o', 4000, 500);
  const u = (await usage('sk-enterprise-acme-trial')).usd_this_hour as Json;
  console.log(`  #${i} ${r.status}  spent this hour ${money(u.used)} of ${money(u.cap)}`);
  await events();
}

await new Promise((resolve) => server.close(resolve));
await limiter.close();
