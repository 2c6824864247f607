// Test helper: a local Upstash-compatible REST server in front of a real Redis (through
// ioredis), speaking the protocol @upstash/redis uses: POST / with a JSON command array,
// POST /pipeline, POST /multi-exec, path commands (GET /set/k/v), Bearer or ?_token= auth,
// `{ result }` / `{ error }` bodies with Upstash's status codes, and the
// `Upstash-Encoding: base64` response encoding. It counts requests and can stall them.
// Plain JavaScript (types in rest-server.d.mts) so that the benchmarks, run by Node without
// a TypeScript loader, can start it too.
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import { clearTimeout, setTimeout } from 'node:timers';
import { URL } from 'node:url';
import { Redis } from 'ioredis';

/** @typedef {import('./rest-server.d.mts').LoggedRequest} LoggedRequest */
/** @typedef {import('./rest-server.d.mts').RestServer} RestServer */
/** @typedef {string | number | boolean} Arg */
/** @typedef {{ result: unknown } | { error: string }} Reply */

const JSON_TYPE = { 'Content-Type': 'application/json' };

/**
 * Starts the server on a free 127.0.0.1 port, in front of the Redis at `redisUrl`.
 * @param {string} redisUrl
 * @param {string} [token]
 * @returns {Promise<RestServer>}
 */
export async function startRestServer(redisUrl, token = 'test-token') {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  /** @type {Set<ReturnType<typeof setTimeout>>} */
  const timers = new Set();
  let received = 0;

  /** @type {RestServer} */
  const state = {
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
      await new Promise((resolve) => server.close(() => resolve(undefined)));
      await redis.quit().catch(() => redis.disconnect());
    },
  };

  /** @param {number} ms */
  const sleep = (ms) =>
    new Promise((resolve) => {
      if (ms <= 0) return resolve(undefined);
      const t = setTimeout(() => {
        timers.delete(t);
        resolve(undefined);
      }, ms);
      timers.add(t);
    });

  /**
   * @param {import('node:http').ServerResponse} res
   * @param {LoggedRequest} entry
   * @param {number} status
   * @param {unknown} body
   */
  const send = (res, entry, status, body) => {
    entry.status = status;
    state.requests.push(entry);
    res.writeHead(status, { ...JSON_TYPE, 'upstash-sync-token': 'local' });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    received++;
    void handle(req, res).catch((error) => {
      if (!res.headersSent) send(res, { path: req.url ?? '', commands: [], status: 0 }, 500, { error: String(error) });
    });
  });

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   * @returns {Promise<void>}
   */
  async function handle(req, res) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    /** @type {LoggedRequest} */
    const entry = { path: url.pathname, commands: [], status: 0 };
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

    /** @type {unknown} */
    let command;
    if (path === '') command = parseJson(raw);
    else {
      // Path form: /set/key/value (URL-encoded parts), with the body as one more argument.
      const parts = path.slice(1).split('/').map(decodeURIComponent);
      if (raw.length > 0) parts.push(raw);
      command = parts;
    }
    if (!isCommand(command)) return send(res, entry, 400, { error: 'ERR failed to parse command' });
    entry.commands = [String(command[0]).toUpperCase()];
    await sleep(state.delayMs);
    const reply = await runOne(command);
    return send(res, entry, 'error' in reply ? 400 : 200, encodeReply(reply, base64));
  }

  /**
   * @param {Arg[]} command
   * @returns {Promise<Reply>}
   */
  async function runOne(command) {
    const [name, ...args] = command.map(toArg);
    try {
      return { result: await redis.callBuffer(String(name), ...args) };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }

  /**
   * A pipeline (independent commands) or a transaction (MULTI/EXEC, all or nothing).
   * @param {Arg[][]} commands
   * @param {boolean} atomic
   * @returns {Promise<Reply[] | { error: string }>}
   */
  async function runPipeline(commands, atomic) {
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

  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  state.url = `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}`;
  return state;
}

/**
 * @param {import('node:http').IncomingMessage} req
 * @returns {Promise<string>}
 */
function readBody(req) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * @param {string} text
 * @returns {unknown}
 */
function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * @param {unknown} value
 * @returns {value is Arg[]}
 */
function isCommand(value) {
  return Array.isArray(value) && value.length > 0 && value.every((a) => ['string', 'number', 'boolean'].includes(typeof a));
}

/**
 * An argument as Redis bytes. Like Upstash's server, which decodes JSON into UTF-8, a lone
 * surrogate becomes U+FFFD (EF BF BD): keys that differ only there would collide.
 * @param {Arg} a
 * @returns {Buffer}
 */
function toArg(a) {
  return Buffer.from(String(a), 'utf8');
}

/**
 * A reply in Upstash's JSON: bulk and status strings as UTF-8 text, or as base64 when asked for (except a top-level `OK`).
 * @param {Reply} reply
 * @param {boolean} base64
 * @returns {Reply}
 */
function encodeReply(reply, base64) {
  if ('error' in reply) return reply;
  const r = reply.result;
  if (base64 && Buffer.isBuffer(r) && r.toString('latin1') === 'OK') return { result: 'OK' };
  return { result: encodeValue(r, base64) };
}

/**
 * @param {unknown} value
 * @param {boolean} base64
 * @returns {unknown}
 */
function encodeValue(value, base64) {
  if (Buffer.isBuffer(value)) return base64 ? value.toString('base64') : value.toString('utf8');
  if (Array.isArray(value)) return value.map((v) => encodeValue(v, base64));
  if (value === undefined) return null;
  return value;
}
