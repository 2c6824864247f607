// The three actions and dry run: slowdown delays the handler (and skips it when the client
// leaves during the delay), allow-and-log serves past the limit, dry run never refuses.
import type { DryRunEvent } from '@limitrate/core';
import { describe, expect, it } from 'vitest';
import { EventLog, ctx, nextRequest, ok, useHarness } from './helpers.js';

describe('actions and dry run', () => {
  const h = useHarness();

  it('slowdown: the request past the limit is served, after slowdownMs, and slowdown_applied is emitted', async () => {
    const log = new EventLog();
    let ran = 0;
    const GET = h.withRateLimit({
      identifyUser: () => 'u',
      onEvent: log.onEvent,
      policies: { free: { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown', slowdownMs: 150 } } },
    })(async (request) => {
      ran++;
      return ok(request);
    });
    expect((await GET(nextRequest('/x'), ctx())).status).toBe(200);
    let settled = false;
    const slowed = GET(nextRequest('/x'), ctx()).then((r) => {
      settled = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false); // still waiting: the handler has not run
    expect(ran).toBe(1);
    expect((await slowed)!.status).toBe(200);
    expect(ran).toBe(2);
    expect((await log.waitFor('slowdown_applied'))[0]).toMatchObject({ user: 'u', endpoint: 'GET|/x', value: 150 });
  });

  it('slowdown: a request whose client leaves during the delay is not served', async () => {
    let ran = 0;
    const GET = h.withRateLimit({ identifyUser: () => 'u', policies: { free: { rate: { maxPerMinute: 1, actionOnExceed: 'slowdown', slowdownMs: 5_000 } } } })(async (request) => {
      ran++;
      return ok(request);
    });
    await GET(nextRequest('/x'), ctx());
    const client = new AbortController();
    const slowed = GET(nextRequest('/x', { signal: client.signal }), ctx());
    await new Promise((r) => setTimeout(r, 20));
    client.abort();
    const started = Date.now();
    const r = await slowed;
    expect(Date.now() - started).toBeLessThan(4_000); // did not sit out the 5 s
    expect(r!.status).toBe(499);
    expect(ran).toBe(1);
  });

  it('allow-and-log: serves past the limit, counts on, and emits rate_exceeded with action allow-and-log', async () => {
    const log = new EventLog();
    const GET = h.withRateLimit({ identifyUser: () => 'u', onEvent: log.onEvent, policies: { free: { rate: { maxPerMinute: 1, actionOnExceed: 'allow-and-log' } } } })(ok);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await GET(nextRequest('/x'), ctx()))!.status);
    expect(statuses).toEqual([200, 200, 200]);
    const events = await log.waitFor('rate_exceeded', 2);
    expect(events.map((e) => [e.action, e.value])).toEqual([
      ['allow-and-log', 2],
      ['allow-and-log', 3],
    ]);
  });

  it('dry run: never refuses, and reports what it would have done', async () => {
    const dry: DryRunEvent[] = [];
    const GET = h.withRateLimit({ identifyUser: () => 'u', dryRun: true, dryRunLogger: (e) => void dry.push(e), policies: { free: { rate: { maxPerMinute: 1 } } } })(ok);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await GET(nextRequest('/x'), ctx()))!.status);
    expect(statuses).toEqual([200, 200, 200]);
    await new Promise((r) => setTimeout(r, 20));
    expect(dry.length).toBe(2);
    expect(dry[0]).toMatchObject({ user: 'u', endpoint: 'GET|/x', action: 'block', reason: 'rate_exceeded', limit: 1 });
  });
});
