// The inspector: analytics on, the report served at /limitrate behind a token (what
// `npx limitrate dashboard --url ... --token ...` reads), here read with fetch.
import type { AddressInfo } from 'node:net';
import express from 'express';
import { limitrate } from '@limitrate/express';
import type { AnalyticsReport } from '@limitrate/core';

const token = process.env.LIMITRATE_INSPECTOR_TOKEN ?? 'a-long-random-secret';
const lr = limitrate({
  analytics: true,
  identifyUser: (req) => req.get('x-user-id') ?? req.ip ?? 'anonymous',
  policies: { free: { endpoints: { 'POST|/api/chat': { rate: { maxPerHour: 3 } } }, defaults: { rate: { maxPerMinute: 60 } } } },
});

const app = express();
// Before the limiter: the dashboard's polling is neither limited nor counted.
app.get('/limitrate', lr.inspector({ token }));
app.use(lr);
app.post('/api/chat', (_req, res) => res.json({ reply: 'hi' }));

const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
for (let i = 0; i < 5; i++) await fetch(`${base}/api/chat`, { method: 'POST', headers: { 'x-user-id': 'alice' } });

const res = await fetch(`${base}/limitrate?range=hour`, { headers: { authorization: `Bearer ${token}` } });
const report = (await res.json()) as AnalyticsReport;
console.log(`requests: ${report.totals.requests}, blocked: ${report.totals.blocked}`);
for (const e of report.endpoints) console.log(`${e.endpoint}: ${e.allowed} allowed, ${e.blocked} blocked`);
const last = report.recentBlocks[0]!;
console.log(`last block: ${last.user} on ${last.endpoint}, ${last.message}`);
console.log(`without the token: HTTP ${(await fetch(`${base}/limitrate`)).status}`);

server.close();
await lr.close();
