// The alert webhook against a real node:http server: the JSON body, and failures reported, never thrown.
import { afterEach, describe, expect, it } from 'vitest';
import { closedPort, startServer, type TestServer } from '../test/http-server.js';
import { parseAlert } from './alerts.js';
import { alertPayload, postWebhook } from './webhook.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const payload = alertPayload({ rule: parseAlert('blockRate>5%'), state: 'firing', value: 6.25 }, 'http://127.0.0.1:3000/limitrate', Date.UTC(2025, 0, 2, 14, 23, 45));

describe('webhook', () => {
  it('builds the payload', () => {
    expect(payload).toEqual({
      alert: 'blockRate>5%',
      metric: 'blockRate',
      value: 6.25,
      threshold: 5,
      unit: '%',
      state: 'firing',
      at: '2025-01-02T14:23:45.000Z',
      source: 'http://127.0.0.1:3000/limitrate',
    });
  });

  it('POSTs it as JSON', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    expect(await postWebhook(server.url('/hook'), payload)).toEqual({ ok: true, status: 204 });
    const req = server.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body)).toEqual(payload);
  });

  it('reports a non-2xx answer, a closed port and a timeout without throwing', async () => {
    server = await startServer((req, res) => {
      // /slow is never answered: close() ends its connection after the test.
      if (req.url.pathname === '/slow') return;
      res.writeHead(500);
      res.end('boom');
    });
    expect(await postWebhook(server.url('/hook'), payload)).toEqual({ ok: false, error: 'HTTP 500' });
    expect(await postWebhook(server.url('/slow'), payload, { timeoutMs: 150 })).toEqual({ ok: false, error: 'no answer within 150ms' });
    expect(await postWebhook(`http://127.0.0.1:${await closedPort()}/hook`, payload)).toEqual({ ok: false, error: 'ECONNREFUSED' });
  });
});
