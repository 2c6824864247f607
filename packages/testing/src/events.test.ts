// EventLog: records in order, filters by type, resolves a wait as soon as the events come,
// and a wait that times out says what it saw.
import { RateLimiter } from '@limitrate/core';
import { describe, expect, it } from 'vitest';
import { EventLog } from './events.js';

describe('EventLog', () => {
  it('records the events of a limiter and waits for them', async () => {
    const log = new EventLog();
    const limiter = new RateLimiter({ onEvent: log.onEvent, policies: { free: { rate: { maxPerMinute: 1 } } } });
    const waiting = log.waitFor('rate_exceeded');
    await limiter.check({ userId: 'u', endpoint: 'GET|/a' });
    await limiter.check({ userId: 'u', endpoint: 'GET|/a' });
    const [exceeded] = await waiting;
    expect(exceeded).toMatchObject({ type: 'rate_exceeded', user: 'u' });
    expect(log.of('allowed')).toHaveLength(1);
    expect(log.all.map((e) => e.type)).toEqual(['allowed', 'rate_exceeded']);
    log.clear();
    expect(log.all).toEqual([]);
    await limiter.close();
  });

  it('rejects a wait that times out, naming what it saw', async () => {
    const log = new EventLog();
    log.onEvent({ type: 'allowed', timestamp: 1, user: 'u', plan: 'free', endpoint: 'GET|/a' });
    await expect(log.waitFor('store_error', 1, 30)).rejects.toThrow('waited 30 ms for 1 "store_error" event(s), saw 0: allowed');
  });
});
