// Good configurations are accepted: every core-only shape shown in ROADMAP.md, v3-style
// configs, exemptions, wildcards and templates; each is built and checked once.
import { describe, expect, it } from 'vitest';
import { manualClock } from '../clock.js';
import type { RateLimiterConfig } from '../config.js';
import { RateLimiter } from '../limiter.js';
import { MemoryStore } from '../stores/memory.js';
import type { Store } from '../stores/types.js';
import type { RateLimitRequest } from '../types.js';
import { validateConfig } from './validate.js';

interface GoodRow {
  name: string;
  config: RateLimiterConfig;
  /** Requests to smoke-test after construction; each must be allowed. Default: one request to the default plan. */
  requests?: RateLimitRequest[];
  /** Expected `limit` of the first request's result, when it says something (Infinity = no limits). */
  limit?: number;
}

const mem = () => new MemoryStore({ cleanupIntervalMs: 0 });

const GOOD_ROWS: GoodRow[] = [
  {
    name: 'ROADMAP Fastify example: store memory + plan shorthand',
    config: { store: { type: 'memory' }, policies: { free: { rate: { maxPerMinute: 10 } } } },
    limit: 10,
  },
  {
    name: 'ROADMAP testing example: plan shorthand only',
    config: { policies: { free: { rate: { maxPerMinute: 10 } } } },
    requests: [{ userId: 'test-user', endpoint: 'POST|/api/chat' }],
    limit: 10,
  },
  {
    name: 'ROADMAP 2.4 algorithm selection (sliding / token / leaky bucket endpoints + defaults)',
    config: {
      policies: {
        free: {
          endpoints: {
            'GET|/api/users': { rate: { algorithm: 'sliding-window', maxPerMinute: 100 } },
            'POST|/api/image': { rate: { algorithm: 'token-bucket', capacity: 10, refillRate: 0.1 } },
            'POST|/api/process': { rate: { algorithm: 'leaky-bucket', capacity: 50, leakRate: 5 } },
          },
          defaults: { rate: { maxPerMinute: 60 } },
        },
      },
    },
    requests: [
      { userId: 'u', endpoint: 'GET|/api/users' },
      { userId: 'u', endpoint: 'POST|/api/image' },
      { userId: 'u', endpoint: 'POST|/api/process' },
      { userId: 'u', endpoint: 'GET|/anything/else' },
    ],
    limit: 100,
  },
  {
    name: 'ROADMAP 2.2 token bucket rule as plan shorthand',
    config: { policies: { free: { rate: { algorithm: 'token-bucket', capacity: 10, refillRate: 0.1 } } } },
    limit: 10,
  },
  {
    name: 'ROADMAP 2.4 smart-mode policies without smart',
    config: { policies: { free: { endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 100 } } } } } },
    requests: [{ userId: 'u', endpoint: 'POST|/api/chat' }],
    limit: 100,
  },
  {
    name: 'v3: endpoints + defaults, slowdown, cost, tokens, overrides, onRedisError, dryRun',
    config: {
      policies: {
        free: {
          endpoints: {
            'POST|/api/chat': {
              rate: { maxPerMinute: 10, burst: 5, maxTokensPerMinute: 10_000, actionOnExceed: 'slowdown', slowdownMs: 500 },
              cost: { estimateCost: (_req: unknown) => 0.002, hourlyCap: 0.1, dailyCap: 1 },
            },
          },
          defaults: { rate: { maxPerMinute: 60 } },
        },
        pro: {
          endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 100, actionOnExceed: 'allow-and-log' }, cost: { estimateCost: () => 0.002, dailyCap: 20, actionOnExceed: 'allow-and-log' } } },
          defaults: { rate: { maxPerSecond: 10, maxPerHour: 10_000, maxPerDay: 100_000 } },
        },
      },
      userOverrides: {
        'user-vip': { maxPerMinute: 1000, reason: 'enterprise trial', endpoints: { 'POST|/api/chat': { maxPerMinute: 200, dailyCap: 50 } } },
        'a@b.com': { maxTokensPerDay: 1_000_000, hourlyCap: 5 },
      },
      getUserOverride: async (userId: string) => (userId === 'vip' ? { maxPerMinute: 500 } : null),
      onRedisError: 'block',
      dryRun: true,
      dryRunLogger: () => undefined,
      onEvent: async () => undefined,
    },
    requests: [
      { userId: 'u1', plan: 'free', endpoint: 'POST|/api/chat', tokens: 100 },
      { userId: 'user-vip', plan: 'pro', endpoint: 'POST|/api/chat' },
      { userId: 'vip', plan: 'pro', endpoint: 'GET|/api/x' },
    ],
    limit: 15,
  },
  {
    name: 'v3: cost with estimateCost and hourlyCap 0.10 as plan shorthand with rate',
    config: { policies: { free: { rate: { maxPerMinute: 10 }, cost: { estimateCost: () => 0.01, hourlyCap: 0.1 } } } },
  },
  {
    name: 'v3: onRedisError alone',
    config: { policies: { free: { rate: { maxPerMinute: 10 } } }, onRedisError: 'block' },
  },
  {
    name: 'v3: dryRun false and dryRunLogger',
    config: { policies: { free: { rate: { maxPerMinute: 10 } } }, dryRun: false, dryRunLogger: () => undefined },
  },
  {
    name: 'empty endpoint policy {} exempts an endpoint from the defaults',
    config: { policies: { free: { endpoints: { 'GET|/health': {} }, defaults: { rate: { maxPerMinute: 1 } } } } },
    requests: [{ userId: 'u', endpoint: 'GET|/health' }, { userId: 'u', endpoint: 'GET|/health' }, { userId: 'u', endpoint: 'GET|/other' }],
    limit: Infinity,
  },
  {
    name: 'empty plan {} (unlimited) next to a limited plan',
    config: { policies: { free: { rate: { maxPerMinute: 10 } }, enterprise: {} } },
    requests: [{ userId: 'u', plan: 'enterprise', endpoint: 'POST|/api/chat' }],
    limit: Infinity,
  },
  {
    name: 'only an empty plan',
    config: { policies: { free: {} } },
    limit: Infinity,
  },
  {
    name: "wildcard keys ('*|/api/*', 'GET|/files/*', '*|*')",
    config: {
      policies: {
        free: {
          endpoints: {
            '*|/api/*': { rate: { maxPerMinute: 30 } },
            'GET|/files/*': { rate: { maxPerMinute: 5 } },
            '*|*': { rate: { maxPerMinute: 100 } },
          },
        },
      },
    },
    requests: [{ userId: 'u', endpoint: 'POST|/api/chat' }, { userId: 'u', endpoint: 'GET|/files/a/b.png' }, { userId: 'u', endpoint: 'DELETE|/x' }],
    limit: 30,
  },
  {
    name: "templates ('GET|/users/:id' and friends)",
    config: {
      policies: {
        free: {
          endpoints: {
            'GET|/users/:id': { rate: { maxPerSecond: 5 } },
            'DELETE|/users/:id/sessions/:sessionId': { rate: { maxPerMinute: 2 } },
            'GET|/orgs/*/members': { rate: { maxPerMinute: 20 } },
          },
        },
      },
    },
    requests: [{ userId: 'u', endpoint: 'GET|/users/42' }, { userId: 'u', endpoint: 'DELETE|/users/42/sessions/s1' }, { userId: 'u', endpoint: 'GET|/orgs/acme/members' }],
    limit: 5,
  },
  {
    name: 'lower-case method, trailing slash and spaces around the bar',
    config: { policies: { free: { endpoints: { 'post|/api/chat/': { rate: { maxPerMinute: 3 } }, 'GET | /api/models': {} } } } },
    requests: [{ userId: 'u', endpoint: 'POST|/api/chat' }],
    limit: 3,
  },
  {
    name: 'shorthand plus endpoints',
    config: { policies: { free: { rate: { maxPerMinute: 60 }, endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 10 } } } } } },
    requests: [{ userId: 'u', endpoint: 'POST|/api/chat' }, { userId: 'u', endpoint: 'GET|/x' }],
    limit: 10,
  },
  {
    name: 'all six algorithms, with burst, gcra capacity and initialTokens 0',
    config: {
      policies: {
        free: {
          endpoints: {
            'GET|/a': { rate: { algorithm: 'fixed-window', maxPerMinute: 10, burst: 5 } },
            'GET|/b': { rate: { algorithm: 'sliding-window', maxPerHour: 100 } },
            'GET|/c': { rate: { algorithm: 'sliding-log', maxPerSecond: 2 } },
            'GET|/d': { rate: { algorithm: 'token-bucket', maxPerMinute: 10, burst: 5 } },
            'GET|/e': { rate: { algorithm: 'token-bucket', capacity: 5, refillRate: 1, initialTokens: 5 } },
            'GET|/f': { rate: { algorithm: 'leaky-bucket', maxPerMinute: 30, capacity: 10 } },
            'GET|/g': { rate: { algorithm: 'gcra', maxPerMinute: 60, capacity: 10 } },
            'GET|/h': { rate: { algorithm: 'gcra', maxPerSecond: 1, burst: 3 } },
          },
        },
      },
    },
    requests: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((p) => ({ userId: 'u', endpoint: `GET|/${p}` })),
  },
  {
    name: 'a MemoryStore instance and a manual clock',
    config: { policies: { free: { rate: { maxPerMinute: 10 } } }, store: mem(), clock: manualClock(0) },
  },
  {
    name: 'store memory at the maxKeys boundary (16) with the sweep timer off',
    config: { policies: { free: { rate: { maxPerMinute: 10 } } }, store: { type: 'memory', maxKeys: 16, cleanupIntervalMs: 0 } },
  },
  {
    name: 'a custom Store object',
    config: (() => {
      const inner = mem();
      const store: Store = { name: 'custom', consume: (l, o) => inner.consume(l, o), reset: (s) => inner.reset(s), close: () => inner.close() };
      return { policies: { free: { rate: { maxPerMinute: 10 } } }, store };
    })(),
  },
  {
    name: 'every failure / plan option at valid values (agreeing onStoreError and onRedisError)',
    config: {
      policies: { free: { rate: { maxPerMinute: 10 } }, pro: { rate: { maxPerMinute: 100 } } },
      defaultPlan: 'pro',
      onUnknownPlan: 'block',
      onStoreError: 'allow',
      onRedisError: 'allow',
      storeTimeoutMs: 60_000,
      userOverrideTimeoutMs: 500,
    },
    limit: 100,
  },
  {
    name: 'slowdownMs at its bounds (0 and 60000)',
    config: {
      policies: {
        free: {
          rate: { maxPerMinute: 10, actionOnExceed: 'slowdown', slowdownMs: 0 },
          cost: { dailyCap: 1, actionOnExceed: 'slowdown', slowdownMs: 60_000 },
        },
      },
    },
  },
  {
    name: 'cost caps without estimateCost (cost passed on the request)',
    config: { policies: { free: { cost: { hourlyCap: 0.1 } } } },
    requests: [{ userId: 'u', cost: 0.01 }],
  },
  {
    name: 'async estimateCost with timeout and an algorithm',
    config: { policies: { free: { cost: { estimateCost: async () => 0.001, dailyCap: 2, costEstimationTimeoutMs: 100, algorithm: 'sliding-window' } } } },
  },
  {
    name: 'limits at their bounds (1 and 1e12, burst 0)',
    config: { policies: { free: { rate: { maxPerSecond: 1, maxPerDay: 1e12, burst: 0, maxTokensPerDay: 1e12 } } } },
  },
  {
    name: 'plan names that need quoting',
    config: { policies: { 'pro-plan': { rate: { maxPerMinute: 10 } }, 'team plan': {} }, defaultPlan: 'team plan' },
    limit: Infinity,
  },
  {
    name: 'empty userOverrides and an empty override',
    config: { policies: { free: { rate: { maxPerMinute: 10 } } }, userOverrides: { u1: {} } },
    requests: [{ userId: 'u1' }],
  },
];

describe('good configurations are accepted', () => {
  it.each(GOOD_ROWS)('$name', async (row) => {
    expect(() => validateConfig(row.config)).not.toThrow();
    const limiter = new RateLimiter(row.config);
    try {
      const requests = row.requests ?? [{ userId: 'smoke' }];
      const results = [];
      for (const request of requests) results.push(await limiter.check(request));
      for (const r of results) expect(r.allowed).toBe(true);
      if (row.limit !== undefined) expect(results[0]!.limit).toBe(row.limit);
    } finally {
      await limiter.close();
    }
  });
});

