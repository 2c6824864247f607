// A wrong configuration fails when the limiter is built, with every problem listed.
import { ConfigError, RateLimiter, isLimitRateError } from '@limitrate/core';

try {
  new RateLimiter({
    policies: {
      free: {
        rate: { maxPerMinut: 10 }, // typo
        endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 10, actionOnExceed: 'throttle' } } },
      },
    },
    onStoreError: 'ignore',
    identifyUser: (req: unknown) => String(req), // belongs to an HTTP adapter
    circuitBreaker: { threshold: 5 }, // a later release
  } as never); // `as never`: these mistakes would not even type-check
} catch (error) {
  if (error instanceof ConfigError) {
    console.log(`${error.code}, first at ${error.path}; ${error.issues.length} issues:`);
    for (const issue of error.issues) console.log(`- ${issue.code} at ${issue.path}: ${issue.message}. ${issue.hint}`);
  }
}

// Errors reported at run time (result.error, events) are LimitRateErrors with a code too.
const limiter = new RateLimiter({ policies: { free: { rate: { maxPerMinute: 1 } } } });
try {
  await limiter.check({ userId: 'u', tokens: -5 });
} catch (error) {
  console.log(`check() with a bad request: ${isLimitRateError(error, 'ERR_LIMITRATE_INVALID_REQUEST') ? 'ERR_LIMITRATE_INVALID_REQUEST' : 'unexpected'}`);
}
await limiter.close();

// A closed limiter refuses further checks.
try {
  await limiter.check({ userId: 'u' });
} catch (error) {
  console.log(`check() after close(): ${isLimitRateError(error) ? error.code : 'unexpected'}`);
}
