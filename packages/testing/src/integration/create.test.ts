// createIntegrationTest without the frameworks (the adapter packages test it with them):
// what it checks at once, the coded errors naming what to install, and close().
import { describe, expect, it, vi } from 'vitest';
import { createIntegrationTest } from './create.js';
import type { IntegrationTestOptions } from './types.js';

/** Packages "installed" for these tests: a stand-in adapter whose framework is missing; no other adapter. */
vi.mock('./load.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('./load.js')>();
  return {
    ...original,
    loadFrom: (name: string, bases: readonly string[]) => {
      if (name === '@limitrate/hono') return { exports: { limitrate: () => undefined }, file: '/nowhere/node_modules/@limitrate/hono/dist/index.cjs' };
      if (name.startsWith('@limitrate/') || name === 'hono') return undefined;
      return original.loadFrom(name, bases);
    },
  };
});

const policies = { free: { rate: { maxPerMinute: 1 } } };
const make = (options: Record<string, unknown>) => () => createIntegrationTest(options as unknown as IntegrationTestOptions);

describe('createIntegrationTest', () => {
  it('checks the framework, routes, store, adapterOptions and root when called', () => {
    expect(make(null as unknown as Record<string, unknown>)).toThrow(expect.objectContaining({ code: 'ERR_LIMITRATE_INVALID_CONFIG', path: '(options)' }));
    expect(make({ policies })).toThrow(expect.objectContaining({ path: 'framework', message: expect.stringContaining("must be one of 'express', 'fastify', 'hono', 'nextjs', got undefined") }));
    expect(make({ framework: 'koa', policies })).toThrow(expect.objectContaining({ code: 'ERR_LIMITRATE_INVALID_CONFIG', path: 'framework' }));
    expect(make({ framework: 'express', policies, routes: { '/x': () => ({}) } })).toThrow(expect.objectContaining({ path: 'routes["/x"]' }));
    expect(make({ framework: 'express', policies, routes: { 'FETCH /x': () => ({}) } })).toThrow(expect.objectContaining({ path: 'routes["FETCH /x"]' }));
    expect(make({ framework: 'express', policies, routes: { 'GET /x': 'hello' } })).toThrow(expect.objectContaining({ message: expect.stringContaining('must be a function, got string') }));
    expect(make({ framework: 'express', policies, routes: { 'GET /x': () => ({}), 'get /x': () => ({}) } })).toThrow(expect.objectContaining({ message: expect.stringContaining('declares GET /x a second time') }));
    expect(make({ framework: 'express', policies, routes: [] })).toThrow(expect.objectContaining({ path: 'routes' }));
    expect(make({ framework: 'express', policies, store: 'mongo' })).toThrow(expect.objectContaining({ path: 'store', message: expect.stringContaining('"mongo"') }));
    expect(make({ framework: 'express', policies, adapterOptions: 'x' })).toThrow(expect.objectContaining({ path: 'adapterOptions' }));
    expect(make({ framework: 'express', policies, root: 42 })).toThrow(expect.objectContaining({ path: 'root' }));
  });

  it.each(['express', 'fastify', 'nextjs'] as const)('rejects the first request on %s with a coded error naming the adapter to install', async (framework) => {
    const test = createIntegrationTest({ framework, policies });
    expect([test.framework, test.url, test.limiter]).toEqual([framework, undefined, undefined]);
    const error = await test.request.get('/').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ConfigError', code: 'ERR_LIMITRATE_INVALID_CONFIG', path: 'framework' });
    expect((error as Error).message).toContain(`needs the package "@limitrate/${framework}"`);
    expect((error as Error).message).toContain(`npm install --save-dev @limitrate/${framework} `);
    await expect(test.start()).rejects.toBe(error);
    await test.close();
  });

  it('names the framework when the adapter is there but the framework is not', async () => {
    const test = createIntegrationTest({ framework: 'hono', policies });
    await expect(test.start()).rejects.toMatchObject({ code: 'ERR_LIMITRATE_INVALID_CONFIG', message: expect.stringContaining('needs the package "hono"') });
    await test.close();
  });

  it("maps store 'redis' and 'upstash' to mock clients before loading the adapter", async () => {
    const { storeOption } = await import('./store.js');
    const clock = { now: () => 1_000 };
    const redis = (await storeOption('redis', clock)) as { client: { isCluster: boolean; call(...a: unknown[]): Promise<unknown> } };
    expect(redis.client.isCluster).toBe(false);
    expect(await redis.client.call('TIME')).toEqual(['1', '0']);
    const upstash = (await storeOption('upstash', undefined)) as { type: string; client: { client: { request: unknown } } };
    expect([upstash.type, typeof upstash.client.client.request]).toEqual(['upstash', 'function']);
    expect(await storeOption('memory', undefined)).toBeUndefined();
    expect(await storeOption(undefined, undefined)).toBeUndefined();
    const config = { type: 'memory' as const, maxKeys: 10 };
    expect(await storeOption(config, undefined)).toBe(config);
  });

  it('closes once, before or after starting; requests after close() reject with ERR_LIMITRATE_CLOSED', async () => {
    const test = createIntegrationTest({ framework: 'express', policies });
    const closing = test.close();
    expect(test.close()).toBe(closing);
    await closing;
    await expect(test.request.get('/')).rejects.toMatchObject({ code: 'ERR_LIMITRATE_CLOSED' });
    await expect(test.start()).rejects.toMatchObject({ code: 'ERR_LIMITRATE_CLOSED' });
  });
});
