// Test helpers for fault tests: a TCP proxy that can stall the network (pause forwarding in
// both directions, holding the bytes until resume), and a private redis-server that can be
// stopped and started again on the same port.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { REDIS_SERVER_BIN } from './redis-server.js';

/** One direction of a proxied connection: forwards chunks, or holds them while paused. */
class Pipe {
  held: Buffer[] = [];
  constructor(
    private readonly to: Socket,
    private readonly proxy: TcpProxy,
  ) {}
  push(chunk: Buffer): void {
    if (this.proxy.paused) this.held.push(chunk);
    else this.to.write(chunk);
  }
  flush(): void {
    for (const chunk of this.held) this.to.write(chunk);
    this.held = [];
  }
}

/** A TCP proxy from a local port to `127.0.0.1:targetPort`. */
export class TcpProxy {
  paused = false;
  /** Connections accepted so far. */
  accepted = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly pipes = new Set<Pipe>();

  private constructor(readonly targetPort: number) {}

  static async start(targetPort: number): Promise<TcpProxy & { port: number }> {
    const proxy = new TcpProxy(targetPort);
    const server = createServer((client) => proxy.accept(client));
    proxy.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    return Object.assign(proxy, { port: typeof address === 'object' && address !== null ? address.port : 0 });
  }

  /** Stop forwarding: bytes either way are held (the connections stay open, like a stalled network). */
  pause(): void {
    this.paused = true;
  }

  /** Deliver what was held and forward again. */
  resume(): void {
    this.paused = false;
    for (const pipe of this.pipes) pipe.flush();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: Socket): void {
    this.accepted++;
    const upstream = connect(this.targetPort, '127.0.0.1');
    const up = new Pipe(upstream, this);
    const down = new Pipe(client, this);
    for (const [socket, pipe, other] of [
      [client, up, upstream],
      [upstream, down, client],
    ] as const) {
      this.sockets.add(socket);
      this.pipes.add(pipe);
      socket.on('data', (chunk: Buffer) => pipe.push(chunk));
      socket.on('error', () => other.destroy());
      socket.on('close', () => {
        this.sockets.delete(socket);
        this.pipes.delete(pipe);
        other.destroy();
      });
    }
  }
}

/** Resolves when the redis-server `child` answers on `port` (checked by its process id, not another server's). */
async function waitForServer(port: number, child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode} (port ${port} taken?)`);
    const pid = await new Promise<number | undefined>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let data = '';
      const done = (v: number | undefined) => {
        socket.destroy();
        resolve(v);
      };
      socket.setTimeout(500, () => done(undefined));
      socket.on('error', () => done(undefined));
      socket.on('connect', () => socket.write('INFO server\r\n'));
      socket.on('data', (d) => {
        data += d.toString();
        const m = /process_id:(\d+)\r\n/.exec(data);
        if (m) done(Number(m[1]));
      });
    });
    if (pid === child.pid) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server on port ${port} did not answer within ${timeoutMs} ms`);
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const address = srv.address();
  await new Promise((r) => srv.close(r));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

/** A private redis-server (no persistence) that a test can stop and start again on the same port. */
export class ControlledRedis {
  private child: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<ControlledRedis> {
    const redis = new ControlledRedis(await freePort());
    await redis.start();
    return redis;
  }

  /** Starts the server (empty: no data, no scripts) and waits for PING. */
  async start(): Promise<void> {
    if (REDIS_SERVER_BIN === undefined) throw new Error('No redis-server binary found');
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const child = spawn(REDIS_SERVER_BIN, args, { stdio: 'ignore' });
    this.child = child;
    try {
      await waitForServer(this.port, child);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  }

  /** Stops the server (SIGTERM) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

/** One check of a load run: when it was issued (phase), how long it took, what it answered. */
export interface Sample {
  phase: string;
  ms: number;
  allowed: boolean;
  reason: string | undefined;
  degraded: boolean;
  code: string | undefined;
}

interface Answer {
  allowed: boolean;
  reason?: string | undefined;
  degraded: boolean;
  error?: { code: string } | undefined;
}

/** A steady stream of checks (one every `everyMs`), each recorded with the phase it was issued in. */
export class Load {
  phase = 'start';
  readonly samples: Sample[] = [];
  private issued = 0;
  private readonly pending = new Set<Promise<void>>();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(check: (i: number) => Promise<Answer>, everyMs = 5) {
    this.timer = setInterval(() => {
      const phase = this.phase;
      const started = performance.now();
      const p = check(this.issued++).then(
        (r) => void this.samples.push({ phase, ms: performance.now() - started, allowed: r.allowed, reason: r.reason, degraded: r.degraded, code: r.error?.code }),
        (e: unknown) => void this.samples.push({ phase, ms: performance.now() - started, allowed: false, reason: 'rejected', degraded: true, code: String(e) }),
      );
      this.pending.add(p);
      void p.finally(() => this.pending.delete(p));
    }, everyMs);
  }

  of(phase: string): Sample[] {
    return this.samples.filter((s) => s.phase === phase);
  }

  /** Stops issuing and waits for every check issued so far to settle. */
  async stop(): Promise<Sample[]> {
    clearInterval(this.timer);
    await Promise.all(this.pending);
    return this.samples;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `ok` until it holds, or throws after `timeoutMs`. */
export async function waitUntil(ok: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
