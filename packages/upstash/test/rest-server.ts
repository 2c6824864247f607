// Test helper: a local Upstash-compatible REST server in front of a real Redis (through
// ioredis), speaking the protocol @upstash/redis uses: POST / with a JSON command array,
// POST /pipeline, POST /multi-exec, path commands (GET /set/k/v), Bearer or ?_token= auth,
// `{ result }` / `{ error }` bodies with Upstash's status codes, and the
// `Upstash-Encoding: base64` response encoding. It counts requests and can stall them.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';

/** One request the server received. */
export interface LoggedRequest {
  path: string;
  /** The command names (upper case): one for a single command, several for a pipeline. */
  commands: string[];
  status: number;
}

export interface RestServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  token: string;
  /** Every request answered so far (authorised or not). */
  requests: LoggedRequest[];
  /** Milliseconds to wait before running each command (default 0): makes the server slow. */
  delayMs: number;
  /** Requests received (including those still being answered). */
  readonly received: number;
  close(): Promise<void>;
}

type Arg = string | number | boolean;
type Reply = { result: unknown } | { error: string };

const JSON_TYPE = { 'Content-Type': 'application/json' };

/** Starts the server on a free 127.0.0.1 port, in front of the Redis at `redisUrl`. */
export async function startRestServer(redisUrl: string, token = 'test-token'): Promise<RestServer> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  const timers = new Set<NodeJS.Timeout>();
  let received = 0;

  const state: RestServer = {
    url: '',
    token,
    requests: [],
    delayMs: 0,
    get received() {
      return received;
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await redis.quit().catch(() => redis.disconnect());
    },
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0) return resolve();
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const send = (res: ServerResponse, entry: LoggedRequest, status: number, body: unknown) => {
    entry.status = status;
    state.requests.push(entry);
    res.writeHead(status, { ...JSON_TYPE, 'upstash-sync-token': 'local' });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    received++;
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, { path: req.url ?? '', commands: [], status: 0 }, 500, { error: String(error) });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const entry: LoggedRequest = { path: url.pathname, commands: [], status: 0 };
    const raw = await readBody(req);
    if (!['GET', 'POST', 'PUT', 'HEAD'].includes(req.method ?? '')) return send(res, entry, 405, { error: 'Method not allowed' });
    const auth = req.headers.authorization ?? '';
    const given = auth.startsWith('Bearer ') ? auth.slice(7) : url.searchParams.get('_token');
    if (given !== token) return send(res, entry, 401, { error: 'WRONGPASS invalid or missing auth token' });
    const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';

    const path = url.pathname.replace(/\/+$/, '');
    if (path === '/pipeline' || path === '/multi-exec') {
      const commands = parseJson(raw);
      if (!Array.isArray(commands) || commands.length === 0 || !commands.every(isCommand)) {
        return send(res, entry, 400, { error: 'ERR invalid request body: expected an array of commands' });
      }
      entry.commands = commands.map((c) => String(c[0]).toUpperCase());
      await sleep(state.delayMs);
      const replies = path === '/pipeline' ? await runPipeline(commands, false) : await runPipeline(commands, true);
      if (!Array.isArray(replies)) return send(res, entry, 400, replies);
      return send(res, entry, 200, replies.map((r) => encodeReply(r, base64)));
    }

    let command: unknown;
    if (path === '') command = parseJson(raw);
    else {
      // Path form: /set/key/value (URL-encoded parts), with the body as one more argument.
      command = path.slice(1).split('/').map(decodeURIComponent);
      if (raw.length > 0) (command as string[]).push(raw);
    }
    if (!isCommand(command)) return send(res, entry, 400, { error: 'ERR failed to parse command' });
    entry.commands = [String(command[0]).toUpperCase()];
    await sleep(state.delayMs);
    const reply = await runOne(command);
    return send(res, entry, 'error' in reply ? 400 : 200, encodeReply(reply, base64));
  }

  async function runOne(command: Arg[]): Promise<Reply> {
    const [name, ...args] = command.map(toArg);
    try {
      return { result: await redis.callBuffer(String(name), ...args) };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }

  /** A pipeline (independent commands) or a transaction (MULTI/EXEC, all or nothing). */
  async function runPipeline(commands: Arg[][], atomic: boolean): Promise<Reply[] | { error: string }> {
    const batch = atomic ? redis.multi() : redis.pipeline();
    for (const c of commands) {
      const [name, ...args] = c.map(toArg);
      batch.callBuffer(String(name), ...args);
    }
    try {
      const results = (await batch.exec()) ?? [];
      return results.map(([error, result]) => (error ? { error: error.message } : { result }));
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isCommand(value: unknown): value is Arg[] {
  return Array.isArray(value) && value.length > 0 && value.every((a) => ['string', 'number', 'boolean'].includes(typeof a));
}

/**
 * An argument as Redis bytes. Like Upstash's server, which decodes JSON into UTF-8, a lone
 * surrogate becomes U+FFFD (EF BF BD): keys that differ only there would collide.
 */
function toArg(a: Arg): Buffer {
  return Buffer.from(String(a), 'utf8');
}

/** A reply in Upstash's JSON: bulk and status strings as UTF-8 text, or as base64 when asked for (except a top-level `OK`). */
function encodeReply(reply: Reply, base64: boolean): Reply {
  if ('error' in reply) return reply;
  const r = reply.result;
  if (base64 && Buffer.isBuffer(r) && r.toString('latin1') === 'OK') return { result: 'OK' };
  return { result: encodeValue(r, base64) };
}

function encodeValue(value: unknown, base64: boolean): unknown {
  if (Buffer.isBuffer(value)) return base64 ? value.toString('base64') : value.toString('utf8');
  if (Array.isArray(value)) return value.map((v) => encodeValue(v, base64));
  if (value === undefined) return null;
  return value;
}
