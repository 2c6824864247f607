// The behaviours every LimitRate HTTP adapter shows the same way, whatever the framework:
// plans, endpoint keys from route templates, the three actions, headers, refusal bodies,
// skip, dry run, IP rules, token reconciliation, the store failure policy, hostile input.
// Each case starts its own app through the adapter's harness and checks it over HTTP.
import type { ConsumeResult, LimitRateEvent, Store } from '@limitrate/core';
import { send, type Reply, type Send } from './http.js';
import type { AdapterHarness, RouteSpec } from './types.js';

/** An adapter broke the shared behaviour. The message names the case and what differed. */
export class AdapterConformanceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdapterConformanceError';
  }
}

/** The routes of every app unless a case says otherwise. */
export const DEFAULT_ROUTES: readonly RouteSpec[] = [
  { method: 'GET', path: '/items' },
  { method: 'GET', path: '/users/:id' },
  { method: 'POST', path: '/api/chat', echoTokensFrom: 'x-tokens-actual' },
  { method: 'GET', path: '/api/other' },
  { method: 'GET', path: '/fails', status: 500 },
];

/** A running case: starts apps, sends requests, checks. */
export class AdapterCaseContext {
  private readonly closers: (() => Promise<void>)[] = [];
  readonly events: LimitRateEvent[] = [];

  constructor(
    readonly h: AdapterHarness,
    private readonly label: string,
  ) {}

  /** The adapter's options: users from `x-user`, plans from `x-plan`, events collected, plus `extra`. */
  options(extra: Record<string, unknown>): Record<string, unknown> {
    const h = this.h;
    return {
      identifyUser: (req: unknown) => h.requestHeader(req, 'x-user') ?? 'anonymous',
      identifyPlan: (req: unknown) => h.requestHeader(req, 'x-plan') ?? 'free',
      onEvent: (e: LimitRateEvent) => void this.events.push(e),
      ...extra,
    };
  }

  /** Starts an app with {@link options}(`extra`); resolves to a client for it. */
  async app(extra: Record<string, unknown>, routes: readonly RouteSpec[] = DEFAULT_ROUTES): Promise<Client> {
    const running = await this.h.start(this.options(extra), routes);
    this.closers.push(() => running.close());
    return new Client(running.url, this);
  }

  fail(message: string): never {
    throw new AdapterConformanceError(`${this.h.name}: ${this.label}: ${message}`);
  }

  check(ok: boolean, message: string): void {
    if (!ok) this.fail(message);
  }

  status(r: Reply, status: number, what: string): void {
    if (r.status !== status) this.fail(`${what}: expected status ${status}, got ${r.status} (body ${JSON.stringify(r.text.slice(0, 300))})`);
  }

  field(r: Reply, name: string, expected: unknown, what: string): void {
    const actual = r.json?.[name];
    if (!sameJson(actual, expected)) this.fail(`${what}: expected body.${name} ${JSON.stringify(expected)}, got ${JSON.stringify(actual)} (body ${r.text.slice(0, 300)})`);
  }

  header(r: Reply, name: string, expected: string | null, what: string): void {
    const actual = r.headers.get(name);
    if (actual !== expected) this.fail(`${what}: expected header ${name} ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }

  async waitForEvent(type: LimitRateEvent['type'], what: string): Promise<LimitRateEvent> {
    for (let i = 0; i < 100; i++) {
      const e = this.events.find((x) => x.type === type);
      if (e !== undefined) return e;
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.fail(`${what}: no ${type} event (got ${this.events.map((e) => e.type).join(', ') || 'none'})`);
  }

  async close(): Promise<void> {
    for (const c of this.closers.splice(0).reverse()) await c();
  }
}

/** Requests to one app. */
export class Client {
  constructor(
    readonly url: string,
    private readonly ctx: AdapterCaseContext,
  ) {}

  send(path: string, init: Send = {}): Promise<Reply> {
    return send(this.url, path, init).catch((error: unknown) => this.ctx.fail(`${init.method ?? 'GET'} ${path} failed: ${error instanceof Error ? error.message : String(error)}`));
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
    return this.send(path, { headers });
  }

  /** `n` GETs one after the other; their statuses. */
  async statuses(n: number, path: string, headers: Record<string, string> = {}): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await this.get(path, headers)).status);
    return out;
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const as = (user: string, plan?: string): Record<string, string> => ({ 'x-user': user, ...(plan === undefined ? {} : { 'x-plan': plan }) });
const list = (xs: readonly number[]) => `[${xs.join(', ')}]`;

/** A store whose every call rejects, for the failure policy. */
export function failingStore(): Store {
  return {
    name: 'failing',
    consume: (): Promise<ConsumeResult> => Promise.reject(new Error('store is down (conformance)')),
    reset: () => Promise.reject(new Error('store is down (conformance)')),
  };
}

/** One case: its group, id slug, sentence, and body. */
export interface AdapterCaseDef {
  group: string;
  slug: string;
  name: string;
  run(ctx: AdapterCaseContext): Promise<void>;
}

const rate = (maxPerMinute: number, more: Record<string, unknown> = {}) => ({ free: { rate: { maxPerMinute, ...more } } });

export const ADAPTER_CASES: readonly AdapterCaseDef[] = [
  // Plans and users.
  {
    group: 'plans',
    slug: 'per-plan-limits',
    name: "applies each plan's limit: free refuses its 3rd request, pro allows 5",
    async run(c) {
      const app = await c.app({ policies: { free: { rate: { maxPerMinute: 2 } }, pro: { rate: { maxPerMinute: 5 } } } });
      const free = await app.statuses(3, '/items', as('f', 'free'));
      c.check(sameJson(free, [200, 200, 429]), `free plan: expected [200, 200, 429], got ${list(free)}`);
      const pro = await app.statuses(5, '/items', as('p', 'pro'));
      c.check(sameJson(pro, [200, 200, 200, 200, 200]), `pro plan: expected five 200s, got ${list(pro)}`);
    },
  },
  {
    group: 'plans',
    slug: 'users-apart',
    name: 'counts each user apart',
    async run(c) {
      const app = await c.app({ policies: rate(1) });
      const a = await app.statuses(2, '/items', as('alice'));
      const b = await app.statuses(1, '/items', as('bob'));
      c.check(sameJson(a, [200, 429]) && sameJson(b, [200]), `alice ${list(a)}, bob ${list(b)}: expected [200, 429] and [200]`);
    },
  },
  {
    group: 'plans',
    slug: 'unknown-plan',
    name: 'applies the default plan to a plan it does not know, and emits unknown_plan',
    async run(c) {
      const app = await c.app({ policies: rate(1) });
      const s = await app.statuses(2, '/items', as('u', 'platinum'));
      c.check(sameJson(s, [200, 429]), `expected [200, 429] under the default plan, got ${list(s)}`);
      await c.waitForEvent('unknown_plan', 'unknown plan');
    },
  },
  // Endpoint keys.
  {
    group: 'endpoints',
    slug: 'route-template',
    name: 'keys an endpoint by its route template: /users/1 and /users/2 share GET|/users/:id',
    async run(c) {
      const app = await c.app({ policies: { free: { endpoints: { 'GET|/users/:id': { rate: { maxPerMinute: 2 } } } } } });
      const s = [(await app.get('/users/1', as('u'))).status, (await app.get('/users/2', as('u'))).status, (await app.get('/users/3', as('u'))).status];
      c.check(sameJson(s, [200, 200, 429]), `expected [200, 200, 429], got ${list(s)}`);
      const r = await app.get('/users/4', as('u'));
      c.field(r, 'endpoint', 'GET|/users/:id', 'the refusal');
    },
  },
  {
    group: 'endpoints',
    slug: 'wildcard-and-precedence',
    name: "matches wildcards, and an exact endpoint wins over a wildcard",
    async run(c) {
      const app = await c.app({ policies: { free: { endpoints: { '*|/api/*': { rate: { maxPerMinute: 1 } }, 'GET|/api/other': { rate: { maxPerMinute: 3 } } } } } });
      const chat = [(await app.send('/api/chat', { method: 'POST', headers: as('u') })).status, (await app.send('/api/chat', { method: 'POST', headers: as('u') })).status];
      c.check(sameJson(chat, [200, 429]), `POST /api/chat under *|/api/* (1/min): expected [200, 429], got ${list(chat)}`);
      const other = await app.statuses(3, '/api/other', as('u'));
      c.check(sameJson(other, [200, 200, 200]), `GET /api/other (its own 3/min): expected three 200s, got ${list(other)}`);
    },
  },
  {
    group: 'endpoints',
    slug: 'unlisted-unlimited',
    name: 'leaves an endpoint no policy names unlimited, with no rate-limit headers',
    async run(c) {
      const app = await c.app({ policies: { free: { endpoints: { 'GET|/items': { rate: { maxPerMinute: 1 } } } } } });
      const s = await app.statuses(3, '/api/other', as('u'));
      c.check(sameJson(s, [200, 200, 200]), `expected three 200s, got ${list(s)}`);
      const r = await app.get('/api/other', as('u'));
      c.header(r, 'ratelimit-limit', null, 'an unlimited endpoint');
    },
  },
  // Actions.
  {
    group: 'actions',
    slug: 'slowdown',
    name: 'slows a request past a slowdown limit by slowdownMs, then serves it',
    async run(c) {
      const app = await c.app({ policies: rate(1, { actionOnExceed: 'slowdown', slowdownMs: 400 }) });
      await app.get('/items', as('u'));
      const r = await app.get('/items', as('u'));
      c.status(r, 200, 'the slowed request');
      c.check(r.ms >= 350, `the slowed request took ${Math.round(r.ms)} ms, expected at least 400 ms of delay`);
      await c.waitForEvent('slowdown_applied', 'slowdown');
    },
  },
  {
    group: 'actions',
    slug: 'allow-and-log',
    name: 'lets an allow-and-log request through past its limit, and emits rate_exceeded',
    async run(c) {
      const app = await c.app({ policies: rate(1, { actionOnExceed: 'allow-and-log' }) });
      const s = await app.statuses(3, '/items', as('u'));
      c.check(sameJson(s, [200, 200, 200]), `expected three 200s, got ${list(s)}`);
      await c.waitForEvent('rate_exceeded', 'allow-and-log');
    },
  },
  {
    group: 'actions',
    slug: 'dry-run',
    name: 'never refuses in dry run, and reports what it would have done',
    async run(c) {
      const app = await c.app({ dryRun: true, policies: rate(1) });
      const s = await app.statuses(3, '/items', as('u'));
      c.check(sameJson(s, [200, 200, 200]), `expected three 200s in dry run, got ${list(s)}`);
      await c.waitForEvent('rate_exceeded', 'dry run');
    },
  },
  {
    group: 'actions',
    slug: 'skip',
    name: 'skips the requests skip() picks: never counted, no headers',
    async run(c) {
      const h = c.h;
      const app = await c.app({ skip: (req: unknown) => h.requestHeader(req, 'x-internal') === '1', policies: rate(1) });
      const skipped = await app.statuses(3, '/items', { ...as('u'), 'x-internal': '1' });
      c.check(sameJson(skipped, [200, 200, 200]), `skipped requests: expected three 200s, got ${list(skipped)}`);
      const r = await app.get('/items', { ...as('u'), 'x-internal': '1' });
      c.header(r, 'ratelimit-limit', null, 'a skipped request');
      const counted = await app.statuses(2, '/items', as('u'));
      c.check(sameJson(counted, [200, 429]), `the skipped requests were counted: expected [200, 429] after them, got ${list(counted)}`);
    },
  },
  // Headers.
  {
    group: 'headers',
    slug: 'v3-default',
    name: "sends v3's RateLimit-* and X-RateLimit-* by default, and Retry-After on 429",
    async run(c) {
      const app = await c.app({ policies: rate(2) });
      const r = await app.get('/items', as('u'));
      c.header(r, 'ratelimit-limit', '2', 'an allowed request');
      c.header(r, 'ratelimit-remaining', '1', 'an allowed request');
      c.header(r, 'x-ratelimit-limit', '2', 'an allowed request');
      c.header(r, 'x-ratelimit-remaining', '1', 'an allowed request');
      c.check(/^\d+$/.test(r.headers.get('ratelimit-reset') ?? ''), `RateLimit-Reset should be whole seconds, got ${r.headers.get('ratelimit-reset')}`);
      await app.get('/items', as('u'));
      const refused = await app.get('/items', as('u'));
      c.status(refused, 429, 'the 3rd request');
      c.header(refused, 'ratelimit-remaining', '0', 'the refusal');
      const retry = Number(refused.headers.get('retry-after'));
      c.check(Number.isInteger(retry) && retry >= 1 && retry <= 60, `Retry-After should be 1..60 s, got ${refused.headers.get('retry-after')}`);
    },
  },
  {
    group: 'headers',
    slug: 'draft',
    name: "sends the IETF draft's RateLimit and RateLimit-Policy with headers: 'draft'",
    async run(c) {
      const app = await c.app({ headers: 'draft', policies: rate(2) });
      const r = await app.get('/items', as('u'));
      c.check(/"rate-1m";q=2;w=60/.test(r.headers.get('ratelimit-policy') ?? ''), `RateLimit-Policy: got ${r.headers.get('ratelimit-policy')}`);
      c.check(/"rate-1m";r=1;t=\d+/.test(r.headers.get('ratelimit') ?? ''), `RateLimit: got ${r.headers.get('ratelimit')}`);
      c.header(r, 'x-ratelimit-limit', null, 'draft mode');
      c.header(r, 'ratelimit-limit', null, 'draft mode');
    },
  },
  {
    group: 'headers',
    slug: 'none',
    name: 'sends no rate-limit headers with headers: false (but still Retry-After on 429)',
    async run(c) {
      const app = await c.app({ headers: false, policies: rate(1) });
      const r = await app.get('/items', as('u'));
      for (const name of ['ratelimit-limit', 'x-ratelimit-limit', 'ratelimit', 'ratelimit-policy']) c.header(r, name, null, 'headers: false');
      const refused = await app.get('/items', as('u'));
      c.status(refused, 429, 'the 2nd request');
      c.check(refused.headers.get('retry-after') !== null, 'a 429 without Retry-After');
    },
  },
  // Refusal bodies.
  {
    group: 'bodies',
    slug: 'rate-limited',
    name: "answers 429 with v3's JSON body: ok, reason, message, retry_after_seconds, used, allowed, plan, endpoint, upgrade_hint",
    async run(c) {
      const app = await c.app({ upgradeHint: 'Upgrade to pro', policies: rate(1) });
      await app.get('/items', as('u'));
      const r = await app.get('/items', as('u'));
      c.status(r, 429, 'the 2nd request');
      c.check(/^application\/json/.test(r.headers.get('content-type') ?? ''), `content-type ${r.headers.get('content-type')}`);
      c.field(r, 'ok', false, 'the 429 body');
      c.field(r, 'reason', 'rate_limited', 'the 429 body');
      c.field(r, 'plan', 'free', 'the 429 body');
      c.field(r, 'endpoint', 'GET|/items', 'the 429 body');
      c.field(r, 'allowed', 1, 'the 429 body');
      c.field(r, 'used', 1, 'the 429 body');
      c.field(r, 'upgrade_hint', 'Upgrade to pro', 'the 429 body');
      c.check(typeof r.json?.message === 'string' && r.json.message !== '', 'the 429 body has no message');
      c.check(String(r.json?.retry_after_seconds) === r.headers.get('retry-after'), `retry_after_seconds ${String(r.json?.retry_after_seconds)} differs from Retry-After ${r.headers.get('retry-after')}`);
    },
  },
  {
    group: 'bodies',
    slug: 'problem-details',
    name: 'answers application/problem+json (RFC 9457) with problemDetails',
    async run(c) {
      const app = await c.app({ problemDetails: true, policies: rate(1) });
      await app.get('/items', as('u'));
      const r = await app.get('/items', as('u'));
      c.status(r, 429, 'the 2nd request');
      c.check(/^application\/problem\+json/.test(r.headers.get('content-type') ?? ''), `content-type ${r.headers.get('content-type')}`);
      c.field(r, 'status', 429, 'the problem');
      c.field(r, 'title', 'Quota Exceeded', 'the problem');
      c.field(r, 'type', 'https://iana.org/assignments/http-problem-types#quota-exceeded', 'the problem');
      c.field(r, 'instance', '/items', 'the problem');
    },
  },
  {
    group: 'bodies',
    slug: 'cost-exceeded',
    name: 'refuses with cost_exceeded past a cost cap (estimateCost per request)',
    async run(c) {
      const h = c.h;
      const app = await c.app({ policies: { free: { cost: { estimateCost: (req: unknown) => Number(h.requestHeader(req, 'x-cost') ?? 0), hourlyCap: 1 } } } });
      c.status(await app.get('/items', { ...as('u'), 'x-cost': '0.6' }), 200, 'the first 0.6');
      const r = await app.get('/items', { ...as('u'), 'x-cost': '0.6' });
      c.status(r, 429, 'the second 0.6 against a cap of 1');
      c.field(r, 'reason', 'cost_exceeded', 'the refusal');
    },
  },
  // Client IP.
  {
    group: 'ip',
    slug: 'blocklist',
    name: 'refuses a blocklisted client with 403 ip_blocked (address from X-Forwarded-For behind a trusted proxy)',
    async run(c) {
      const app = await c.app({ identifyUser: undefined, trustProxy: true, ipBlocklist: ['198.51.100.0/24'], policies: rate(100) });
      const r = await app.get('/items', { 'x-forwarded-for': '198.51.100.7' });
      c.status(r, 403, 'a blocklisted client');
      c.field(r, 'reason', 'ip_blocked', 'the 403 body');
      c.status(await app.get('/items', { 'x-forwarded-for': '203.0.113.9' }), 200, 'another client');
    },
  },
  {
    group: 'ip',
    slug: 'allowlist',
    name: 'never limits an allowlisted client',
    async run(c) {
      const app = await c.app({ identifyUser: undefined, trustProxy: true, ipAllowlist: ['203.0.113.0/24'], policies: rate(1) });
      const s = await app.statuses(3, '/items', { 'x-forwarded-for': '203.0.113.9' });
      c.check(sameJson(s, [200, 200, 200]), `allowlisted: expected three 200s, got ${list(s)}`);
      const other = await app.statuses(2, '/items', { 'x-forwarded-for': '192.0.2.1' });
      c.check(sameJson(other, [200, 429]), `not allowlisted: expected [200, 429], got ${list(other)}`);
    },
  },
  {
    group: 'ip',
    slug: 'by-ip-and-spoofing',
    name: 'keys users by client IP by default, and ignores X-Forwarded-For unless proxies are trusted',
    async run(c) {
      const trusted = await c.app({ identifyUser: undefined, trustProxy: true, policies: rate(1) });
      const a = await trusted.statuses(2, '/items', { 'x-forwarded-for': '192.0.2.1' });
      const b = await trusted.statuses(1, '/items', { 'x-forwarded-for': '192.0.2.2' });
      c.check(sameJson(a, [200, 429]) && sameJson(b, [200]), `behind a trusted proxy, two addresses: got ${list(a)} and ${list(b)}`);
      const direct = await c.app({ identifyUser: undefined, policies: rate(1) });
      const spoofed = [(await direct.get('/items', { 'x-forwarded-for': '192.0.2.1' })).status, (await direct.get('/items', { 'x-forwarded-for': '192.0.2.2' })).status];
      c.check(sameJson(spoofed, [200, 429]), `without trustProxy a forged X-Forwarded-For must not make a new client: got ${list(spoofed)}`);
    },
  },
  // Tokens and outcomes.
  {
    group: 'tokens',
    slug: 'reconcile',
    name: 'charges the estimated tokens up front and settles to the actual tokens after the response',
    async run(c) {
      const h = c.h;
      const app = await c.app({
        identifyTokenUsage: (req: unknown) => Number(h.requestHeader(req, 'x-tokens-estimate') ?? 0),
        extractTokenUsage: (res: unknown) => {
          const v = h.responseHeader(res, 'x-tokens-used');
          return v === undefined ? undefined : Number(v);
        },
        policies: { free: { rate: { maxTokensPerMinute: 100 } } },
      });
      const first = await app.send('/api/chat', { method: 'POST', headers: { ...as('u'), 'x-tokens-estimate': '10', 'x-tokens-actual': '90' } });
      c.status(first, 200, 'the first chat');
      await c.waitForEvent('usage_recorded', 'the settlement of the first chat');
      const second = await app.send('/api/chat', { method: 'POST', headers: { ...as('u'), 'x-tokens-estimate': '20', 'x-tokens-actual': '20' } });
      c.status(second, 429, 'the second chat (90 settled + 20 estimated > 100)');
      c.field(second, 'reason', 'token_limit_exceeded', 'the refusal');
    },
  },
  {
    group: 'tokens',
    slug: 'skip-failed',
    name: 'does not count failed responses with skipFailedRequests',
    async run(c) {
      const app = await c.app({ skipFailedRequests: true, policies: rate(2) });
      for (let i = 0; i < 3; i++) {
        c.status(await app.get('/fails', as('u')), 500, `failing request ${i + 1}`);
        await c.waitForEvent('usage_recorded', 'the refund of a failed request');
        c.events.length = 0;
      }
      const s = await app.statuses(3, '/items', as('u'));
      c.check(sameJson(s, [200, 200, 429]), `after three refunded failures: expected [200, 200, 429], got ${list(s)}`);
    },
  },
  // Store failures.
  {
    group: 'failures',
    slug: 'store-allow',
    name: "lets requests through when the store fails under onStoreError: 'allow', with a store_error event",
    async run(c) {
      const app = await c.app({ store: failingStore(), onStoreError: 'allow', policies: rate(1) });
      const s = await app.statuses(3, '/items', as('u'));
      c.check(sameJson(s, [200, 200, 200]), `expected three 200s, got ${list(s)}`);
      await c.waitForEvent('store_error', 'a failing store');
    },
  },
  {
    group: 'failures',
    slug: 'store-block',
    name: "answers 503 store_unavailable with Retry-After: 1 when the store fails under onStoreError: 'block'",
    async run(c) {
      const app = await c.app({ store: failingStore(), onStoreError: 'block', policies: rate(1) });
      const r = await app.get('/items', as('u'));
      c.status(r, 503, 'a check the store could not answer');
      c.field(r, 'reason', 'store_unavailable', 'the 503 body');
      c.header(r, 'retry-after', '1', 'the 503');
    },
  },
  {
    group: 'failures',
    slug: 'throwing-callback',
    name: 'contains a throwing identifyUser: the failure policy answers, the app stays up',
    async run(c) {
      const app = await c.app({
        identifyUser: () => {
          throw new Error('identifyUser exploded (conformance)');
        },
        onStoreError: 'block',
        policies: rate(5),
      });
      c.status(await app.get('/items'), 503, "a throwing identifyUser under 'block'");
      await c.waitForEvent('callback_error', 'a throwing identifyUser');
    },
  },
  // Hostile input.
  {
    group: 'hostile',
    slug: 'odd-ids-and-paths',
    name: 'keeps odd user ids apart (8 KB, unicode, :, {}, spaces) and serves odd paths without a 5xx',
    async run(c) {
      const app = await c.app({ policies: rate(1) });
      const ids = ['x'.repeat(8000), 'ключ:{ }', 'a b', 'a%20b', ':', '{}'];
      for (const id of ids) {
        const first = await app.get('/items', { 'x-user': encodeURIComponent(id) });
        c.status(first, 200, `first request of user ${JSON.stringify(id.slice(0, 20))}`);
      }
      for (const path of ['/users/%E2%9C%93', '/users/..%2F..%2Fetc', '/items?x=%ZZ', '/users/' + 'a'.repeat(2000)]) {
        const r = await app.get(path, as(`p${path.length}`));
        c.check(r.status < 500, `${path.slice(0, 40)}: got ${r.status}`);
      }
    },
  },
];
