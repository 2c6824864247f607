// What a test limiter makes of an adapter configuration: validated as the HTTP adapters
// validate it, then reduced to what the framework-free RateLimiter runs on.
import { ConfigError, HTTP_OPTIONS, validateConfig, type HttpLimiterOptions, type ManualClock, type Policies, type RateLimiterConfig } from '@limitrate/core';

/** Options a test limiter accepts and does not pass to its RateLimiter. */
const NOT_FOR_CORE: readonly string[] = [...HTTP_OPTIONS, 'store', 'clock'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** A clock the test helpers can move: a TestClock, or core's manualClock(). */
export function isManualClock(value: unknown): value is ManualClock {
  return isObject(value) && typeof value.now === 'function' && typeof value.advance === 'function' && typeof value.set === 'function';
}

/** The policies without `concurrency` rules (in-flight limits need a request's whole life, which a test limiter does not see). */
function withoutConcurrency<TReq>(policies: Policies<TReq>): Policies<TReq> {
  const out: Policies<TReq> = {};
  for (const [name, plan] of Object.entries(policies)) {
    const copy = { ...plan };
    if (plan.defaults?.concurrency !== undefined) {
      const { concurrency: _c, ...rest } = plan.defaults;
      copy.defaults = rest;
    }
    if (plan.endpoints !== undefined) {
      copy.endpoints = Object.fromEntries(
        Object.entries(plan.endpoints).map(([key, policy]) => {
          if (policy?.concurrency === undefined) return [key, policy];
          const { concurrency: _c, ...rest } = policy;
          return [key, rest];
        }),
      );
    }
    out[name] = copy;
  }
  return out;
}

/**
 * Validates an adapter configuration (ConfigError with every problem, as the adapters
 * throw) and returns the RateLimiter's part of it, without `store` and `clock`.
 */
export function coreConfigOf<TReq, TRes>(config: HttpLimiterOptions<TReq, TRes>): RateLimiterConfig<TReq> {
  validateConfig(config, { adapterKeys: HTTP_OPTIONS, concurrency: true });
  if (config.clock !== undefined && !isManualClock(config.clock)) {
    throw new ConfigError([
      {
        path: 'clock',
        code: 'ERR_LIMITRATE_INVALID_CONFIG',
        message: 'must be a clock the tests can move (advance and set), such as createTestClock()',
        hint: 'Leave it out to use the shared clock that advanceTime() moves, or pass createTestClock() for a clock of its own',
      },
    ]);
  }
  const core: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) if (!NOT_FOR_CORE.includes(key)) core[key] = value;
  core.policies = withoutConcurrency(config.policies);
  return core as unknown as RateLimiterConfig<TReq>;
}
