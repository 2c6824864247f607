// createIntegrationTest: a real Express, Fastify, Hono or Next.js app with its LimitRate
// adapter, served over HTTP on 127.0.0.1 and started on the first request, with a
// supertest-like client. The adapter and the framework are loaded at run time.
import { ConfigError, LimitRateError, type RateLimitInfo, type RateLimiter } from '@limitrate/core';
import type { IncomingMessage } from 'node:http';
import { expressDriver } from './drivers/express.js';
import { fastifyDriver } from './drivers/fastify.js';
import { honoDriver } from './drivers/hono.js';
import { nextjsDriver } from './drivers/nextjs.js';
import type { Driver, Started } from './drivers/types.js';
import { callerDirectory, directoryOf, loadFrom, missingPackage, searchBases } from './load.js';
import { viewOf, type Bodies } from './node.js';
import { adapterOptionsOf } from './options.js';
import { createClient } from './request.js';
import { echo, routesOf } from './routes.js';
import { storeIssue, storeOption } from './store.js';
import type { IntegrationFramework, IntegrationRequest, IntegrationRouteRequest, IntegrationTest, IntegrationTestOptions } from './types.js';

const DRIVERS: Readonly<Record<IntegrationFramework, Driver>> = {
  express: expressDriver,
  fastify: fastifyDriver,
  hono: honoDriver,
  nextjs: nextjsDriver,
};

/**
 * The frameworks createIntegrationTest supports.
 *
 * @example
 * ```ts
 * describe.each(INTEGRATION_FRAMEWORKS)('%s', (framework) => { const test = createIntegrationTest({ framework, policies }); });
 * ```
 */
export const INTEGRATION_FRAMEWORKS = Object.keys(DRIVERS) as readonly IntegrationFramework[];

function invalid(path: string, message: string, hint: string): ConfigError {
  return new ConfigError([{ path, code: 'ERR_LIMITRATE_INVALID_CONFIG', message, hint }]);
}

/** The driver, or a ConfigError saying which frameworks there are. */
function driverOf(options: unknown): Driver {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalid('(options)', `must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`, "Call createIntegrationTest({ framework: 'express', policies: { ... } })");
  }
  const framework = (options as { framework?: unknown }).framework;
  if (typeof framework !== 'string' || !Object.prototype.hasOwnProperty.call(DRIVERS, framework)) {
    throw invalid(
      'framework',
      `must be one of ${INTEGRATION_FRAMEWORKS.map((f) => `'${f}'`).join(', ')}, got ${JSON.stringify(framework) ?? 'undefined'}`,
      'Name the framework whose LimitRate adapter the test runs (and install the adapter and the framework)',
    );
  }
  return DRIVERS[framework as IntegrationFramework];
}

/** Checks what can be checked without the adapter; the adapter checks the rest when the app starts. */
function check(options: IntegrationTestOptions): void {
  const store = storeIssue(options.store);
  if (store !== undefined) throw store;
  const { adapterOptions, root } = options as { adapterOptions?: unknown; root?: unknown };
  if (adapterOptions !== undefined && (typeof adapterOptions !== 'object' || adapterOptions === null || Array.isArray(adapterOptions))) {
    throw invalid('adapterOptions', `must be an object, got ${adapterOptions === null ? 'null' : typeof adapterOptions}`, "Pass the adapter's own options as an object, e.g. { hook: 'preHandler' } for Fastify");
  }
  if (root !== undefined && typeof root !== 'string') throw invalid('root', `must be a directory path, got ${typeof root}`, 'Pass import.meta.dirname, or leave it out');
}

const closedError = (): LimitRateError =>
  new LimitRateError('ERR_LIMITRATE_CLOSED', 'This integration test has been closed', { hint: 'Make requests before close() (call close() in afterAll), or create another with createIntegrationTest()' });

/**
 * Stands up a real app of `framework` with its LimitRate adapter configured by `options`,
 * served over HTTP on 127.0.0.1 (a free port), and gives a supertest-like client for it. The
 * app starts on the first request, so the factory may be called at describe level; close it
 * in `afterAll`. The default route answers every method and path with 200 and an
 * {@link IntegrationEcho} of the request and of the decision the adapter exposed; `routes`
 * adds handlers of your own. The adapter (`@limitrate/<framework>`) and the framework are
 * loaded from the test's directory (or `root`); when one is missing, the first request
 * rejects with a ConfigError (`ERR_LIMITRATE_INVALID_CONFIG`) naming what to install.
 *
 * Callbacks (`identifyUser`, `identifyPlan`, `skip`, `estimateCost`, ...) receive an
 * {@link IntegrationRequest} (method, path, lower-case headers, query, parsed body, ip, and
 * the framework's own request as `raw`), so one test runs on every framework.
 *
 * @example
 * ```ts
 * import { createIntegrationTest } from '@limitrate/testing';
 * import { afterAll, expect, it } from 'vitest';
 *
 * const test = createIntegrationTest({
 *   framework: 'express',
 *   identifyPlan: (req) => req.headers['x-plan'] ?? 'free',
 *   policies: { free: { rate: { maxPerMinute: 10 } }, pro: { rate: { maxPerMinute: 100 } } },
 * });
 * afterAll(() => test.close());
 *
 * it('rate limits in Express', async () => {
 *   const response = await test.request.post('/api/chat').set('Authorization', 'Bearer test-token').send({ message: 'Hello' });
 *   expect(response.status).toBe(200);
 *   expect(response.headers['x-ratelimit-remaining']).toBe('9');
 * });
 * ```
 */
export function createIntegrationTest(options: IntegrationTestOptions): IntegrationTest {
  const driver = driverOf(options);
  check(options);
  const routes = routesOf(options.routes);
  const caller = callerDirectory(new Error().stack);
  let starting: Promise<Started> | undefined;
  let running: Started | undefined;
  let closing: Promise<void> | undefined;

  async function boot(): Promise<Started> {
    const store = await storeOption(options.store, options.clock);
    const bases = searchBases(options.root, caller);
    const adapter = loadFrom(driver.adapterPackage, bases);
    if (adapter === undefined) throw missingPackage(driver.adapterPackage, options.framework, driver.install);
    const near = [directoryOf(adapter.file), ...bases];
    const load = (name: string): Record<string, unknown> => {
      const found = loadFrom(name, near);
      if (found === undefined) throw missingPackage(name.replace(/^((?:@[^/]+\/)?[^/]+).*$/, '$1'), options.framework, driver.install);
      return found.exports;
    };
    const bodies: Bodies = new WeakMap();
    const views = new WeakMap<object, IntegrationRequest>();
    const view = (raw: unknown): IntegrationRequest => {
      if (typeof raw !== 'object' || raw === null) return viewOf(undefined, raw, bodies);
      let v = views.get(raw);
      if (v === undefined) {
        v = viewOf(driver.incomingOf(raw), raw, bodies);
        views.set(raw, v);
      }
      return v;
    };
    const routeRequest = (incoming: IncomingMessage | undefined, raw: unknown, params: Record<string, string>, rateLimit: RateLimitInfo | undefined): IntegrationRouteRequest => ({
      ...(incoming === undefined ? view(raw) : viewOf(incoming, raw, bodies)),
      params,
      rateLimit,
    });
    return driver.start({
      adapter: adapter.exports,
      load,
      options: adapterOptionsOf(options, store, view),
      routes,
      fallback: echo,
      bodies,
      routeRequest,
    });
  }

  function start(): Promise<Started> {
    if (closing !== undefined) return Promise.reject(closedError());
    starting ??= boot().then((s) => {
      running = s;
      return s;
    });
    return starting;
  }

  return {
    framework: options.framework,
    request: createClient(async () => (await start()).url),
    get url() {
      return running?.url;
    },
    get limiter(): RateLimiter<unknown> | undefined {
      return running?.limiter;
    },
    start: async () => (await start()).url,
    close() {
      closing ??= (async () => {
        const s = await starting?.catch(() => undefined);
        await s?.close();
      })();
      return closing;
    },
  };
}
