// The supertest-like client against a bare node:http server that echoes what it received.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, readBody } from './request.js';

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe('integration client', () => {
  let server: Server;
  let base = '';
  let starts = 0;
  let hits = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits++;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const seen: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
        if (req.url === '/slow') return; // never answers
        if (req.url === '/text') return void res.writeHead(201, { 'Content-Type': 'text/plain', 'X-One': '1' }).end('hello');
        if (req.url === '/bad-json') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{nope');
        if (req.url === '/cookies') return void res.writeHead(200, [['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2']]).end();
        res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(seen));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const client = createClient(async () => {
    starts++;
    return base;
  });

  it('sends headers (one, several, repeated, numbers) and query parameters (objects, arrays, strings)', async () => {
    const r = await client.get('/p?x=0').set('Authorization', 'Bearer t').set({ 'X-N': 3, 'X-List': ['a', 'b'] }).query({ q: 'a b', n: 2, on: true, tag: ['x', 'y'] }).query('z=9');
    const seen = r.body as Seen;
    expect(seen.method).toBe('GET');
    expect(seen.url).toBe('/p?x=0&q=a+b&n=2&on=true&tag=x&tag=y&z=9');
    expect(seen.headers).toMatchObject({ authorization: 'Bearer t', 'x-n': '3', 'x-list': 'a, b' });
  });

  it('sends objects as JSON, strings as text, bytes as they are, forms encoded; a content type set first wins', async () => {
    const json = (await client.post('/').send({ a: [1, 2] })).body as Seen;
    expect([json.body, json.headers['content-type'], json.headers['content-length']]).toEqual(['{"a":[1,2]}', 'application/json', '11']);
    const text = (await client.put('/').send('hi there')).body as Seen;
    expect([text.body, text.headers['content-type']]).toEqual(['hi there', 'text/plain; charset=utf-8']);
    const bytes = (await client.patch('/').send(new Uint8Array([104, 105]))).body as Seen;
    expect([bytes.body, bytes.headers['content-type']]).toEqual(['hi', undefined]);
    const form = (await client.delete('/').type('form').send({ a: 1, b: 'x y' })).body as Seen;
    expect([form.method, form.body, form.headers['content-type']]).toEqual(['DELETE', 'a=1&b=x+y', 'application/x-www-form-urlencoded']);
    const typed = (await client.post('/').type('application/vnd.x+json').send('{"raw":true}')).body as Seen;
    expect([typed.body, typed.headers['content-type']]).toEqual(['{"raw":true}', 'application/vnd.x+json']);
    const options = (await client.options('/')).body as Seen;
    expect(options.method).toBe('OPTIONS');
  });

  it('reads status, lower-case headers, text and parsed bodies; HEAD has none; Set-Cookie is joined', async () => {
    const t = await client.get('/text');
    expect([t.status, t.headers['x-one'], t.headers['content-type'], t.text, t.body]).toEqual([201, '1', 'text/plain', 'hello', 'hello']);
    const bad = await client.get('/bad-json');
    expect([bad.body, bad.text]).toEqual(['{nope', '{nope']);
    const head = await client.head('/');
    expect([head.status, head.text, head.body]).toEqual([200, '', '']);
    expect((await client.get('/cookies')).headers['set-cookie']).toBe('a=1, b=2');
  });

  it('sends once however often it is awaited, and works with catch and finally', async () => {
    const before = hits;
    const req = client.get('/');
    const [a, b] = await Promise.all([req, req]);
    expect(a).toBe(b);
    expect(hits).toBe(before + 1);
    let done = false;
    expect((await client.get('/').finally(() => (done = true))).status).toBe(200);
    expect(done).toBe(true);
    expect(await client.get('nope').catch((e: unknown) => (e as { code?: string }).code)).toBe('ERR_LIMITRATE_INVALID_REQUEST');
    expect(starts).toBeGreaterThan(0);
  });

  it('gives up after the timeout with a coded error', async () => {
    await expect(client.get('/slow').timeout(100)).rejects.toMatchObject({ code: 'ERR_LIMITRATE_INVALID_REQUEST', message: expect.stringContaining('within 100 ms') });
  });

  it('parses JSON only for JSON content types', () => {
    expect(readBody('{"a":1}', 'application/problem+json')).toEqual({ a: 1 });
    expect(readBody('{"a":1}', 'text/plain')).toBe('{"a":1}');
    expect(readBody('', 'application/json')).toBe('');
  });
});
