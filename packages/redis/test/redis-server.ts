// Test helper: a Redis to test against. LIMITRATE_REDIS_URL when set, else a private
// redis-server on a free 127.0.0.1 port (no persistence), stopped when the file is done.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { Redis } from 'ioredis';

/** The redis-server binary, if this machine has one. */
export const REDIS_SERVER_BIN = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));

/** A Redis for one test file. */
export interface TestRedis {
  url: string;
  /** True when this file has the server to itself (safe for SCRIPT FLUSH, DEBUG SLEEP, INFO counters). */
  isolated: boolean;
  /** A new ioredis client (closed by stop()). */
  client(): Redis;
  /** Private servers only: stop the server and start a new one (empty, no scripts) on the same port. */
  restart?(): Promise<void>;
  stop(): Promise<void>;
}

let prefixes = 0;
/** A key prefix no other test (or test file, or process) uses. */
export function uniquePrefix(label = 't'): string {
  return `test:${process.pid}:${Date.now().toString(36)}:${label}:${prefixes++}:`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves when something on `port` answers PING with PONG. */
function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      data += chunk.toString();
      if (data.includes('\r\n')) done(data.startsWith('+PONG'));
    });
  });
}

async function waitForPing(port: number, child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    if (await pingOnce(port)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
}

/** Spawns redis-server on `port` and waits for PING. */
async function spawnServer(bin: string, port: number): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--enable-debug-command', 'yes'];
  const child = spawn(bin, args, { stdio: 'ignore' });
  try {
    await waitForPing(port, child);
    return child;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** A private redis-server (started even when LIMITRATE_REDIS_URL is set). */
export async function startPrivateRedis(): Promise<TestRedis> {
  const bin = REDIS_SERVER_BIN;
  if (bin === undefined) throw new Error('No redis-server binary found; install redis-server or set LIMITRATE_REDIS_URL');
  let child: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 0; child === undefined; attempt++) {
    port = await freePort();
    try {
      child = await spawnServer(bin, port);
    } catch (error) {
      if (attempt >= 2) throw error; // else the port was taken meanwhile: try another
    }
  }
  let current: ChildProcess = child;
  const redis = withClients(`redis://127.0.0.1:${port}`, true, () => stopServer(current));
  redis.restart = async () => {
    await stopServer(current);
    current = await spawnServer(bin, port);
  };
  return redis;
}

/** LIMITRATE_REDIS_URL if set (shared: use unique key prefixes), else a private server. */
export async function startRedis(): Promise<TestRedis> {
  const shared = process.env.LIMITRATE_REDIS_URL;
  if (shared) return withClients(shared, false, async () => undefined);
  return startPrivateRedis();
}

function withClients(url: string, isolated: boolean, stopServer: () => Promise<void>): TestRedis {
  const clients: Redis[] = [];
  return {
    url,
    isolated,
    client() {
      const c = new Redis(url, { maxRetriesPerRequest: 1 });
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
      await stopServer();
    },
  };
}
