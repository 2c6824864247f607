// What the fault tests share: the policies and requests they drive, the bound every check
// must settle within, and a guard that fails a test on any unhandled rejection.
// The guard is core's test helper, shared by every store's tests.
export { failOnUnhandledRejections } from '../../core/src/__tests__/unhandled.js';

export const policies = { free: { rate: { maxPerDay: 1_000_000 } }, tight: { rate: { maxPerDay: 3 } } };
/** A request on the plan with a limit of 3 a day. */
export const tight = (userId: string) => ({ userId, plan: 'tight', endpoint: 'GET|/x' });
/** The i-th request of the load, each from its own user (never refused). */
export const fresh = (i: number) => ({ userId: `load${i}`, plan: 'free', endpoint: 'GET|/x' });
/** Far above commandTimeoutMs / storeTimeoutMs, far below "hanging". */
export const BOUND_MS = 4000;
