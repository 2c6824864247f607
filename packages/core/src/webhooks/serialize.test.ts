// The wire format of events and batches, and the event ring's drop-oldest behaviour.
import { describe, expect, it } from 'vitest';
import { CallbackError } from '../errors/index.js';
import type { LimitRateEvent } from '../events/types.js';
import { EventRing } from './queue.js';
import { batchJson, eventJson } from './serialize.js';
import { parseRetryAfter } from './http.js';

const base = { timestamp: 5, user: 'u', plan: 'free', endpoint: 'GET|/' };

describe('eventJson / batchJson', () => {
  it('serialises errors as {name, code, message} (code only when there is one)', () => {
    const coded: LimitRateEvent = { type: 'callback_error', ...base, callback: 'estimateCost', fallback: 'allow', error: new CallbackError('estimateCost', 'threw', { cause: new Error('inner') }) };
    expect(JSON.parse(eventJson(coded)).error).toEqual({ name: 'CallbackError', code: 'ERR_LIMITRATE_CALLBACK', message: expect.stringContaining('estimateCost threw') });
    const plain = { ...coded, error: new TypeError('plain') } as unknown as LimitRateEvent;
    expect(JSON.parse(eventJson(plain)).error).toEqual({ name: 'TypeError', message: 'plain' });
  });

  it('never throws: a cyclic event or a BigInt still gives valid JSON', () => {
    const cyclic = { type: 'allowed', ...base } as LimitRateEvent & { self?: unknown };
    cyclic.self = cyclic;
    expect(JSON.parse(eventJson(cyclic))).toEqual({ type: 'allowed', timestamp: 5, error: 'the event could not be serialised as JSON' });
    const big = { type: 'allowed', ...base, n: 10n } as unknown as LimitRateEvent;
    expect(JSON.parse(eventJson(big)).n).toBe('10');
  });

  it('wraps events in the Standard Webhooks envelope', () => {
    const body = batchJson([{ type: 'allowed', ...base }, { type: 'allowed', ...base, user: 'v' }], '2026-01-01T00:00:00.000Z');
    expect(body).toBe('{"type":"limitrate.events","timestamp":"2026-01-01T00:00:00.000Z","data":{"events":[{"type":"allowed","timestamp":5,"user":"u","plan":"free","endpoint":"GET|/"},{"type":"allowed","timestamp":5,"user":"v","plan":"free","endpoint":"GET|/"}]}}');
    expect(JSON.parse(batchJson([], 'x'))).toEqual({ type: 'limitrate.events', timestamp: 'x', data: { events: [] } });
  });
});

describe('EventRing', () => {
  const ev = (i: number): LimitRateEvent => ({ type: 'allowed', ...base, timestamp: i });
  it('is FIFO, evicts the oldest when full, and wraps around', () => {
    const ring = new EventRing(3);
    expect([1, 2, 3].map((i) => ring.push(ev(i)))).toEqual([false, false, false]);
    expect(ring.push(ev(4))).toBe(true);
    expect(ring.take(2).map((e) => e.timestamp)).toEqual([2, 3]);
    ring.push(ev(5));
    ring.push(ev(6));
    expect(ring.push(ev(7))).toBe(true);
    expect(ring.size).toBe(3);
    expect(ring.take(10).map((e) => e.timestamp)).toEqual([5, 6, 7]);
    expect(ring.size).toBe(0);
    ring.push(ev(8));
    expect(ring.clear()).toBe(1);
    expect(ring.take(1)).toEqual([]);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 0, 1);
  it('reads delay-seconds and HTTP dates, caps at 10 minutes, ignores nonsense', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 12 ', now)).toBe(12_000);
    expect(parseRetryAfter(new Date(now + 30_000).toUTCString(), now)).toBe(30_000);
    expect(parseRetryAfter(new Date(now - 30_000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter('86400', now)).toBe(600_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});
