// The HTTP source against real node:http servers on 127.0.0.1: a report, the query and the
// token sent, and each failure (401, 403, 404, 500, not JSON, another version, slow, closed port).
import { afterEach, describe, expect, it } from 'vitest';
import { CliError } from '../src/errors.js';
import { createHttpSource } from '../src/sources/http.js';
import { sampleReport } from './fixtures.js';
import { closedPort, sendJson, startServer, type TestServer } from './http-server.js';
import { startInspector, TOKEN } from './inspector-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The CliError a fetch rejects with. */
async function failure(promise: Promise<unknown>): Promise<CliError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    return error as CliError;
  }
  throw new Error('expected the fetch to fail');
}

describe('createHttpSource', () => {
  it('fetches a report, sending the query and the token', async () => {
    server = await startInspector();
    const source = createHttpSource({ url: server.url('/limitrate'), token: TOKEN });
    const report = await source.fetch({ range: 'hour', top: 5, blocks: 3, filter: { plan: 'free', user: 'ali ce&x', endpoint: 'POST|/api/chat' } });
    expect(report.version).toBe(1);
    expect(report.range.name).toBe('hour');
    const req = server.requests[0]!;
    expect(req.headers['authorization']).toBe(`Bearer ${TOKEN}`);
    expect(req.headers['accept']).toBe('application/json');
    expect(Object.fromEntries(req.url.searchParams)).toEqual({ range: 'hour', top: '5', blocks: '3', plan: 'free', user: 'ali ce&x', endpoint: 'POST|/api/chat' });
    expect(report).toEqual(sampleReport({ range: 'hour', top: 5, blocks: 3, filter: { plan: 'free', user: 'ali ce&x', endpoint: 'POST|/api/chat' } }));
  });

  it('keeps query parameters of the URL and shows it without the query', async () => {
    server = await startServer((_req, res) => sendJson(res, 200, sampleReport()));
    const source = createHttpSource({ url: server.url('/limitrate?tenant=a'), token: TOKEN });
    expect(source.describe).toBe(server.url('/limitrate'));
    await source.fetch({ range: 'now' });
    expect(server.requests[0]!.url.searchParams.get('tenant')).toBe('a');
  });

  it('refuses credentials in the URL without printing them', () => {
    const error = (() => {
      try {
        createHttpSource({ url: 'http://admin:hunter2@127.0.0.1:3000/limitrate' });
      } catch (e) {
        return e as CliError;
      }
      throw new Error('expected a usage error');
    })();
    expect(error.code).toBe('ERR_LIMITRATE_CLI_USAGE');
    expect(error.message).toMatch(/must not contain user:password@/);
    expect(error.message).not.toContain('hunter2');
  });

  it('401 without a token: says to pass one', async () => {
    server = await startInspector();
    const error = await failure(createHttpSource({ url: server.url('/limitrate') }).fetch({}));
    expect(error.code).toBe('ERR_LIMITRATE_CLI_UNAUTHORIZED');
    expect(error.message).toBe(`${server.url('/limitrate')} refused the request (HTTP 401 ERR_LIMITRATE_UNAUTHORIZED: The inspector needs its token) — pass the inspector's token with --token or LIMITRATE_TOKEN`);
  });

  it('401 with a wrong token: says to check it, without printing it', async () => {
    server = await startInspector();
    const error = await failure(createHttpSource({ url: server.url('/limitrate'), token: 'wrong-secret-value' }).fetch({}));
    expect(error.code).toBe('ERR_LIMITRATE_CLI_UNAUTHORIZED');
    // The inspector's advice and the CLI's are the same: given once.
    expect(error.message).toBe(`${server.url('/limitrate')} refused the request (HTTP 401 ERR_LIMITRATE_UNAUTHORIZED: The token does not match the inspector's) — check that --token (or LIMITRATE_TOKEN) is the token given to inspector({ token })`);
    expect(error.message).not.toContain('wrong-secret-value');
  });

  it('403 is a refused token too', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end('Forbidden');
    });
    const error = await failure(createHttpSource({ url: server.url('/limitrate'), token: TOKEN }).fetch({}));
    expect(error).toMatchObject({ code: 'ERR_LIMITRATE_CLI_UNAUTHORIZED', message: expect.stringContaining('(HTTP 403)') });
  });

  it('404: no inspector mounted at that path', async () => {
    server = await startInspector();
    const error = await failure(createHttpSource({ url: server.url('/wrong-path'), token: TOKEN }).fetch({}));
    expect(error.code).toBe('ERR_LIMITRATE_CLI_NOT_FOUND');
    expect(error.message).toMatch(/^no LimitRate inspector at http:\/\/127\.0\.0\.1:\d+\/wrong-path \(HTTP 404\) — check the path it is mounted at/);
  });

  it("404 from the inspector itself passes on its message (analytics off)", async () => {
    server = await startServer((_req, res) => sendJson(res, 404, { ok: false, code: 'ERR_LIMITRATE_ANALYTICS_OFF', message: 'Analytics is off for this limiter: set analytics: true in its options' }));
    const error = await failure(createHttpSource({ url: server.url('/limitrate'), token: TOKEN }).fetch({}));
    expect(error.code).toBe('ERR_LIMITRATE_CLI_NOT_FOUND');
    expect(error.message).toMatch(/HTTP 404 ERR_LIMITRATE_ANALYTICS_OFF: Analytics is off for this limiter/);
  });

  it('other HTTP errors carry the status and the message', async () => {
    server = await startServer((_req, res) => sendJson(res, 503, { ok: false, code: 'ERR_LIMITRATE_NOT_READY', message: 'none has arrived yet' }));
    const error = await failure(createHttpSource({ url: server.url('/limitrate'), token: TOKEN }).fetch({}));
    expect(error).toMatchObject({ code: 'ERR_LIMITRATE_CLI_BAD_RESPONSE', message: `${server.url('/limitrate')} answered HTTP 503: ERR_LIMITRATE_NOT_READY: none has arrived yet` });
  });

  it('an answer that is not JSON', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>My app</title>');
    });
    const error = await failure(createHttpSource({ url: server.url('/'), token: TOKEN }).fetch({}));
    expect(error.code).toBe('ERR_LIMITRATE_CLI_BAD_RESPONSE');
    expect(error.message).toMatch(/did not answer JSON \(text\/html: .*\) — is that the inspector endpoint\?/);
  });

  it('JSON that is not a report, or a report of another version', async () => {
    let body: unknown = { hello: 'world' };
    server = await startServer((_req, res) => sendJson(res, 200, body));
    const source = createHttpSource({ url: server.url('/limitrate'), token: TOKEN });
    expect((await failure(source.fetch({}))).message).toMatch(/did not answer a LimitRate analytics report \(no "version"\)/);
    body = { ...sampleReport(), version: 2 };
    expect((await failure(source.fetch({}))).message).toMatch(/answered report version 2, and this CLI reads version 1: upgrade @limitrate\/cli/);
    body = { ...sampleReport(), series: undefined };
    expect((await failure(source.fetch({}))).message).toMatch(/a report without "series"/);
    body = [1, 2];
    expect((await failure(source.fetch({}))).code).toBe('ERR_LIMITRATE_CLI_BAD_RESPONSE');
  });

  it('times out on a server that does not answer, or stops half way', async () => {
    // Never answered: close() ends its connection after the test.
    server = await startServer(() => undefined);
    const silent = await failure(createHttpSource({ url: server.url('/limitrate'), token: TOKEN, timeoutMs: 200 }).fetch({}));
    expect(silent.code).toBe('ERR_LIMITRATE_CLI_TIMEOUT');
    expect(silent.message).toBe(`${server.url('/limitrate')} did not answer within 0.2s — is the app overloaded or stuck? (--timeout waits longer)`);
    await server.close();
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"version":1,');
    });
    const stalled = await failure(createHttpSource({ url: server.url('/limitrate'), token: TOKEN, timeoutMs: 200 }).fetch({}));
    expect(stalled.code).toBe('ERR_LIMITRATE_CLI_TIMEOUT');
  });

  it('a closed port: connection refused, is the app running', async () => {
    const port = await closedPort();
    const error = await failure(createHttpSource({ url: `http://127.0.0.1:${port}/limitrate`, token: TOKEN }).fetch({}));
    expect(error.code).toBe('ERR_LIMITRATE_CLI_UNREACHABLE');
    expect(error.message).toBe(`cannot reach http://127.0.0.1:${port}/limitrate: connection refused — is the app running and the inspector mounted at that path?`);
  });

  it('refuses a URL that is not http(s) at once', () => {
    expect(() => createHttpSource({ url: 'redis://127.0.0.1:6379' })).toThrow(expect.objectContaining({ code: 'ERR_LIMITRATE_CLI_USAGE' }));
    expect(() => createHttpSource({ url: 'nope' })).toThrow(/is not a URL/);
  });
});
