// Running user callbacks of the HTTP layer: synchronous answers stay synchronous, promises are bounded by a timeout, failures become coded errors.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallbackError, LimitRateError } from '../errors/index.js';
import { runCallback, andThen, type Outcome } from './callbacks.js';

const isString = (v: unknown): string | undefined => (typeof v === 'string' ? undefined : `returned ${typeof v}, not a string`);
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

afterEach(() => {
  vi.useRealTimers();
});

function failed(o: Outcome<unknown>): LimitRateError {
  expect(o.ok).toBe(false);
  if (o.ok) throw new Error('unreachable');
  return o.error;
}

describe('runCallback: synchronous callbacks', () => {
  it('returns a plain outcome (no promise) for a synchronous answer, passing the arguments', () => {
    const fn = vi.fn((a: string, b: number) => `${a}-${b}`);
    const out = runCallback<string>('identifyUser', fn as never, ['u', 7], 1000, isString);
    expect(out).not.toBeInstanceOf(Promise);
    expect(out).toEqual({ ok: true, value: 'u-7' });
    expect(fn).toHaveBeenCalledWith('u', 7);
  });

  it('codes a throw as ERR_LIMITRATE_CALLBACK naming the callback, with the cause', () => {
    const boom = new Error('boom');
    const out = runCallback<string>('identifyUser', () => {
      throw boom;
    }, [], 1000, isString);
    expect(out).not.toBeInstanceOf(Promise);
    const error = failed(out as Outcome<string>);
    expect(error).toBeInstanceOf(CallbackError);
    expect(error.code).toBe('ERR_LIMITRATE_CALLBACK');
    expect((error as CallbackError).callback).toBe('identifyUser');
    expect(error.message).toContain('identifyUser');
    expect(error.message).toContain('boom');
    expect(error.cause).toBe(boom);
    expect(error.hint).toEqual(expect.any(String));
  });

  it('codes a thrown non-Error value too', () => {
    const out = runCallback<string>('skip', () => {
      throw 'nope';
    }, [], 1000, isString) as Outcome<string>;
    const error = failed(out);
    expect(error.code).toBe('ERR_LIMITRATE_CALLBACK');
    expect(error.message).toContain('nope');
  });

  it('passes a thrown LimitRateError through unchanged', () => {
    const own = new LimitRateError('ERR_LIMITRATE_STORE', 'store down');
    const out = runCallback<string>('identifyPlan', () => {
      throw own;
    }, [], 1000, isString) as Outcome<string>;
    expect(failed(out)).toBe(own);
  });

  it.each([
    ['a number', 42],
    ['undefined', undefined],
    ['null', null],
    ['an object', { id: 'u' }],
  ])('refuses a wrong type (%s) with the acceptor message, synchronously', (_label, value) => {
    const out = runCallback<string>('identifyUser', () => value, [], 1000, isString);
    expect(out).not.toBeInstanceOf(Promise);
    const error = failed(out as Outcome<string>);
    expect(error.code).toBe('ERR_LIMITRATE_CALLBACK');
    expect(error.message).toContain('identifyUser');
    expect(error.message).toContain('not a string');
  });
});

describe('runCallback: asynchronous callbacks', () => {
  it('returns a promise of the outcome for a promise', async () => {
    const out = runCallback<string>('identifyUser', () => Promise.resolve('u1'), [], 1000, isString);
    expect(out).toBeInstanceOf(Promise);
    await expect(out).resolves.toEqual({ ok: true, value: 'u1' });
  });

  it('accepts a thenable that is not a Promise', async () => {
    const thenable = { then: (resolve: (v: string) => void) => resolve('from-thenable') };
    const out = runCallback<string>('identifyUser', () => thenable, [], 1000, isString);
    expect(out).toBeInstanceOf(Promise);
    await expect(out).resolves.toEqual({ ok: true, value: 'from-thenable' });
  });

  it('codes a rejection as ERR_LIMITRATE_CALLBACK with the cause, never rejecting', async () => {
    const boom = new Error('db down');
    const out = await runCallback<string>('identifyPlan', () => Promise.reject(boom), [], 1000, isString);
    const error = failed(out);
    expect(error).toBeInstanceOf(CallbackError);
    expect(error.code).toBe('ERR_LIMITRATE_CALLBACK');
    expect(error.message).toContain('identifyPlan');
    expect(error.message).toContain('db down');
    expect(error.cause).toBe(boom);
  });

  it('checks the resolved value with the acceptor', async () => {
    const out = await runCallback<string>('identifyUser', () => Promise.resolve(7), [], 1000, isString);
    const error = failed(out);
    expect(error.code).toBe('ERR_LIMITRATE_CALLBACK');
    expect(error.message).toContain('not a string');
  });

  it('gives up after the timeout with ERR_LIMITRATE_CALLBACK_TIMEOUT (and not before)', async () => {
    vi.useFakeTimers();
    let settled: Outcome<string> | undefined;
    void (runCallback<string>('identifyUser', () => never<string>(), [], 250, isString) as Promise<Outcome<string>>).then((o) => {
      settled = o;
    });
    await vi.advanceTimersByTimeAsync(249);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    const error = failed(settled!);
    expect(error.code).toBe('ERR_LIMITRATE_CALLBACK_TIMEOUT');
    expect(error.message).toContain('identifyUser');
    expect(error.message).toContain('250');
  });

  it('an answer inside the timeout wins, and a late one after the timeout is ignored', async () => {
    vi.useFakeTimers();
    const slow = (ms: number, value: string) => () => new Promise<string>((resolve) => setTimeout(() => resolve(value), ms));
    const fast = runCallback<string>('skip', slow(100, 'in time'), [], 200, isString) as Promise<Outcome<string>>;
    const late = runCallback<string>('skip', slow(300, 'too late'), [], 200, isString) as Promise<Outcome<string>>;
    await vi.advanceTimersByTimeAsync(400);
    expect(await fast).toEqual({ ok: true, value: 'in time' });
    expect(failed(await late).code).toBe('ERR_LIMITRATE_CALLBACK_TIMEOUT');
  });

  it('a rejection after the timeout causes no unhandled rejection', async () => {
    vi.useFakeTimers();
    const out = runCallback<string>('identifyUser', () => new Promise<string>((_, reject) => setTimeout(() => reject(new Error('late')), 500)), [], 100, isString) as Promise<Outcome<string>>;
    await vi.advanceTimersByTimeAsync(600);
    expect(failed(await out).code).toBe('ERR_LIMITRATE_CALLBACK_TIMEOUT');
  });
});

describe('andThen', () => {
  it('stays synchronous for a synchronous value', () => {
    const out = andThen(2, (v) => v * 3);
    expect(out).toBe(6);
  });

  it('returns the function result as is, even when that is a promise', async () => {
    const p = Promise.resolve('x');
    expect(andThen(1, () => p)).toBe(p);
  });

  it('chains on a promise', async () => {
    const out = andThen(Promise.resolve(2), (v) => v * 3);
    expect(out).toBeInstanceOf(Promise);
    await expect(out).resolves.toBe(6);
  });

  it('propagates a rejection of the input promise', async () => {
    const fn = vi.fn();
    await expect(andThen(Promise.reject(new Error('no')), fn)).rejects.toThrow('no');
    expect(fn).not.toHaveBeenCalled();
  });

  it('lets a synchronous throw of fn escape synchronously', () => {
    expect(() =>
      andThen(1, () => {
        throw new Error('sync');
      }),
    ).toThrow('sync');
  });

  it('composes with runCallback without ever allocating a promise on the synchronous path', () => {
    const out = andThen(runCallback<string>('identifyUser', () => 'u', [], 1000, isString), (o) => (o.ok ? o.value.toUpperCase() : 'x'));
    expect(out).toBe('U');
  });
});
