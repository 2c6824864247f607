// The inspector cases every adapter's test/inspector.test.ts runs: report, query, token, HEAD, refusals, configuration errors.
import { ConfigError, type AnalyticsReport } from '@limitrate/core';
import { describe, expect, it } from 'vitest';

/** The token the inspector is mounted with. */
export const INSPECTOR_TOKEN = 'inspector-secret-42';

/** An Authorization header carrying `token` (default: the right one). */
export const bearer = (token = INSPECTOR_TOKEN): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** The policies of the app: 2 chats a minute on free, 100 of anything else; 100 of everything on pro. */
export const INSPECTOR_POLICIES = {
  free: { endpoints: { 'POST|/api/chat': { rate: { maxPerMinute: 2 } } }, defaults: { rate: { maxPerMinute: 100 } } },
  pro: { rate: { maxPerMinute: 100 } },
};

/** A response as the cases read it (the body parsed when it is JSON). */
export interface InspectorReply {
  status: number;
  headers: { get(name: string): string | null };
  text: string;
  body: unknown;
}

/** Requests to a served app. */
export interface InspectorClient {
  request(path: string, init?: { method?: string; headers?: Record<string, string> }): Promise<InspectorReply>;
}

/** What `inspector()` is called on: the adapter's middleware, plugin decorator or wrapper. */
export interface Inspectable {
  inspector(options: { token: string }): unknown;
}

/** What differs per adapter. */
export interface InspectorCase {
  /**
   * Serves an app with the limiter (`identifyUser` from `x-user`, `identifyPlan` from `x-plan`,
   * default free; `analytics: true`; {@link INSPECTOR_POLICIES}) in front of `POST /api/chat` and
   * `GET /api/items/:id` (counted by that template), and the inspector with {@link INSPECTOR_TOKEN}
   * at `GET /limitrate` and at {@link anyMethodPath}, where the limiter counts neither.
   */
  serve(): Promise<InspectorClient>;
  /** A path where a POST reaches the inspector (one it is mounted at for every method). */
  anyMethodPath: string;
  /** The adapter's limiter with these options, whose `inspector()` is tried. */
  limiter(options: { analytics?: boolean; policies: typeof INSPECTOR_POLICIES }): Inspectable | Promise<Inspectable>;
}

/** Sends the traffic the cases expect in the report: 6 checks, 1 blocked (alice's third chat). */
export async function sendTraffic(c: InspectorClient): Promise<void> {
  const chat = async (user: string, plan = 'free') => (await c.request('/api/chat', { method: 'POST', headers: { 'x-user': user, 'x-plan': plan } })).status;
  expect([await chat('alice'), await chat('alice'), await chat('alice')]).toEqual([200, 200, 429]);
  expect(await chat('bob', 'pro')).toBe(200);
  expect((await c.request('/api/items/1', { headers: { 'x-user': 'alice' } })).status).toBe(200);
  expect((await c.request('/api/items/2', { headers: { 'x-user': 'alice' } })).status).toBe(200);
}

/** The report at `path`, asked for with `headers` (default: the bearer token), and the response. */
export async function reportOf(c: InspectorClient, path = '/limitrate', headers = bearer()): Promise<InspectorReply & { body: AnalyticsReport }> {
  const r = await c.request(path, { headers });
  return { ...r, body: r.body as AnalyticsReport };
}

/** The report's endpoints as `{ endpoint: [requests, blocked] }`. */
export const endpointsOf = (report: AnalyticsReport): Record<string, number[]> => Object.fromEntries(report.endpoints.map((e) => [e.endpoint, [e.requests, e.blocked]]));

/** What `f` throws; fails when it throws nothing. */
export function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
}

/** Registers the shared cases for one adapter (call it inside the adapter's `describe`, after its harness). */
export function describeInspectorCases({ serve, anyMethodPath, limiter }: InspectorCase): void {
  /** The app of {@link InspectorCase.serve} after {@link sendTraffic}. */
  async function served(): Promise<InspectorClient> {
    const c = await serve();
    await sendTraffic(c);
    return c;
  }

  describe('every adapter', () => {
    it('answers the report: totals, endpoints (by route template), plans, users and the recent block, counting itself nowhere', async () => {
      const c = await served();
      const r = await reportOf(c);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.headers.get('ratelimit-limit')).toBeNull(); // not limited
      const report = r.body;
      expect(report).toMatchObject({ version: 1, range: { name: 'now' }, filter: null, source: { kind: 'process', instances: [expect.objectContaining({ store: 'memory' })] } });
      expect(report.source.instances).toHaveLength(1);
      expect(report.totals).toMatchObject({ requests: 6, allowed: 5, blocked: 1 });
      expect(endpointsOf(report)).toEqual({ 'POST|/api/chat': [4, 1], 'GET|/api/items/:id': [2, 0] });
      expect(report.plans.map((p) => [p.plan, p.requests])).toEqual([
        ['free', 5],
        ['pro', 1],
      ]);
      expect(report.users.map((u) => [u.user, u.requests, u.blocked])).toEqual([
        ['alice', 5, 1],
        ['bob', 1, 0],
      ]);
      expect(report.recentBlocks).toHaveLength(1);
      expect(report.recentBlocks[0]).toMatchObject({ user: 'alice', plan: 'free', endpoint: 'POST|/api/chat', reason: 'rate_limited', limit: 'rate:1m', used: 2, capacity: 2 });
      // Asking again changes nothing: the inspector's own requests are not counted.
      expect((await reportOf(c)).body.totals.requests).toBe(6);
    });

    it('takes the query: ?range=hour&plan=free, ?user=bob and ?endpoint=chat&top=1 narrow the report', async () => {
      const c = await served();
      const r = await reportOf(c, '/limitrate?range=hour&plan=free');
      expect(r.status).toBe(200);
      expect(r.body.range.name).toBe('hour');
      expect(r.body.series).toHaveLength(60);
      expect(r.body.filter).toEqual({ plan: 'free' });
      expect(r.body.totals).toMatchObject({ requests: 5, blocked: 1 });
      expect(r.body.plans.map((p) => p.plan)).toEqual(['free']);
      expect(r.body.users.map((u) => u.user)).toEqual(['alice']);
      const bob = await reportOf(c, '/limitrate?user=bob');
      expect(bob.body.totals).toMatchObject({ requests: 1, blocked: 0 });
      expect(bob.body.recentBlocks).toEqual([]);
      const chats = await reportOf(c, '/limitrate?endpoint=chat&top=1');
      expect(chats.body.totals).toMatchObject({ requests: 4, blocked: 1 });
      expect(chats.body.users.map((u) => u.user)).toEqual(['alice']);
    });

    it('accepts the token in X-LimitRate-Token, and answers HEAD with the headers only', async () => {
      const c = await served();
      const r = await reportOf(c, '/limitrate', { 'x-limitrate-token': INSPECTOR_TOKEN });
      expect(r.status).toBe(200);
      expect(r.body.totals.requests).toBe(6);
      const head = await c.request('/limitrate', { method: 'HEAD', headers: bearer() });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(head.text).toBe('');
    });

    it('refuses without the token (401 with WWW-Authenticate), with a wrong one (401), other methods (405) and a bad query (400)', async () => {
      const c = await served();
      const none = await c.request('/limitrate');
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="limitrate"');
      expect(none.body).toMatchObject({ ok: false, code: 'ERR_LIMITRATE_UNAUTHORIZED' });
      expect(none.text).not.toContain('alice');
      const wrong = await c.request('/limitrate', { headers: bearer('inspector-secret-43') });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="limitrate"');
      expect(wrong.body).toMatchObject({ code: 'ERR_LIMITRATE_UNAUTHORIZED' });
      expect((await c.request('/limitrate', { headers: { 'x-limitrate-token': 'nope-nope-nope' } })).status).toBe(401);
      const post = await c.request(anyMethodPath, { method: 'POST', headers: bearer() });
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toBe('GET, HEAD');
      expect(post.body).toMatchObject({ ok: false, code: 'ERR_LIMITRATE_METHOD_NOT_ALLOWED' });
      const week = await c.request('/limitrate?range=week', { headers: bearer() });
      expect(week.status).toBe(400);
      expect(week.body).toMatchObject({ ok: false, code: 'ERR_LIMITRATE_INVALID_REQUEST' });
      expect((await c.request('/limitrate?top=lots', { headers: bearer() })).status).toBe(400);
    });

    it('throws a ConfigError at inspector() without a token, with a short one, or with analytics off', async () => {
      const lr = await limiter({ analytics: true, policies: INSPECTOR_POLICIES });
      for (const options of [undefined, {}, { token: '' }, { token: 'short' }, { token: 42 }]) {
        const error = thrown(() => lr.inspector(options as unknown as { token: string }));
        expect(error).toBeInstanceOf(ConfigError);
        expect(error).toMatchObject({ code: 'ERR_LIMITRATE_INVALID_CONFIG', path: 'inspector.token' });
      }
      const off = await limiter({ policies: INSPECTOR_POLICIES });
      const error = thrown(() => off.inspector({ token: INSPECTOR_TOKEN }));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ code: 'ERR_LIMITRATE_INVALID_CONFIG', path: 'analytics' });
    });
  });
}
