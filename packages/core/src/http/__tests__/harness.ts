// Shared fixtures for the HttpLimiter unit tests (engine-*.test.ts): a fake request/response, a limiter on a
// manual clock that records its events, and small readers for decisions and events.
import { expect } from 'vitest';
import { manualClock } from '../../clock.js';
import type { CallbackErrorEvent, EventOf, LimitRateEvent } from '../../events/types.js';
import { HttpLimiter, type HttpDecision, type HttpRequestInfo } from '../engine.js';
import type { HttpLimiterOptions } from '../options.js';

export interface FakeReq {
  user?: string;
  plan?: string;
  tokens?: number;
  prio?: number;
  skip?: boolean;
}
export interface FakeRes {
  tokens?: number;
}
export type Options = Omit<HttpLimiterOptions<FakeReq, FakeRes>, 'clock' | 'onEvent'>;
export type Answer = HttpDecision<FakeRes> | Promise<HttpDecision<FakeRes>>;

/** 2026-01-01T00:00:00Z: aligned to every window. */
export const T0 = Date.UTC(2026, 0, 1);
export const IP = '203.0.113.7';
export const ITEMS = 'GET|/api/items';
export const CHAT = 'POST|/api/chat';

/** An HttpLimiter on a manual clock at T0 whose events are collected in `events` (`flushed()` waits for delivery). */
export function makeHttp(options: Options) {
  const clock = manualClock(T0);
  const events: LimitRateEvent[] = [];
  const http = new HttpLimiter<FakeReq, FakeRes>({ clock, onEvent: (e) => void events.push(e), ...options });
  const flushed = async () => {
    await http.events.flush();
    return events;
  };
  return { http, clock, events, flushed };
}

/** A GET /api/items request from IP, with overrides. */
export function info(over: Partial<HttpRequestInfo<FakeReq>> = {}): HttpRequestInfo<FakeReq> {
  return { method: 'GET', path: '/api/items', remoteAddress: IP, raw: {}, ...over };
}

/** The decision, which must have come back synchronously. */
export function now(d: Answer): HttpDecision<FakeRes> {
  expect(d).not.toBeInstanceOf(Promise);
  return d as HttpDecision<FakeRes>;
}

export const ofType = <T extends LimitRateEvent['type']>(events: LimitRateEvent[], type: T) => events.filter((e) => e.type === type) as Array<EventOf<T>>;
export const callbackErrors = (events: LimitRateEvent[]) => ofType(events, 'callback_error') as CallbackErrorEvent[];
/** Header names of a decision, in order. */
export const names = (d: HttpDecision<FakeRes>) => d.headers.map(([n]) => n);
export const header = (d: HttpDecision<FakeRes>, name: string) => d.headers.find(([n]) => n === name)?.[1];
/** Lets queued microtasks and timers of 0 ms run. */
export const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
