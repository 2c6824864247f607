// Test helpers for the webhook sender: a real HTTP receiver on 127.0.0.1 that can be told to
// accept, fail, throttle, refuse, stall or go away, and a polling wait. Not shipped.
// eslint-disable-next-line no-restricted-imports -- test-only helper (core's own code stays edge-safe)
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
// eslint-disable-next-line no-restricted-imports -- test-only helper
import type { Socket } from 'node:net';

/** What the receiver does with one request. */
export type Reply =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** Read the request, never answer (the sender's timeout must fire). */
  | { kind: 'stall' }
  /** Drop the connection without an answer. */
  | { kind: 'reset' };

export const accept: Reply = { kind: 'status', status: 204 };
export const stall: Reply = { kind: 'stall' };
export const reset: Reply = { kind: 'reset' };
export const status = (code: number, headers?: Record<string, string>): Reply => ({ kind: 'status', status: code, ...(headers ? { headers } : {}) });

export interface Received {
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The reply given (or the one that will be given, for a stalled request). */
  reply: Reply['kind'] | number;
}

export class Receiver {
  /** Every request, in arrival order. */
  readonly requests: Received[] = [];
  /** Requests being handled right now, and the most at once. */
  active = 0;
  maxActive = 0;
  private readonly script: Reply[] = [];
  private fallback: Reply = accept;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly stalled = new Map<ServerResponse, Received>();

  private constructor(public port: number) {}

  /** Starts a receiver on 127.0.0.1 (an ephemeral port unless `port` is given). */
  static async start(port = 0): Promise<Receiver> {
    const r = new Receiver(port);
    await r.listen();
    return r;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  /** Replies for the next requests, in order; after them, the fallback. */
  next(...replies: Reply[]): this {
    this.script.push(...replies);
    return this;
  }

  /** The reply once the script is used up (default: 204). */
  otherwise(reply: Reply): this {
    this.fallback = reply;
    return this;
  }

  /** Parsed JSON bodies of the requests that got a 2xx. */
  accepted(): unknown[] {
    return this.requests.filter((r) => typeof r.reply === 'number' && r.reply >= 200 && r.reply < 300).map((r) => JSON.parse(r.body) as unknown);
  }

  /** Answers every stalled request now with `code`. */
  release(code = 204): void {
    for (const [res, entry] of this.stalled) {
      entry.reply = code;
      res.writeHead(code);
      res.end();
    }
    this.stalled.clear();
  }

  /** Closes the server and every connection (stalled ones included): connections are refused until start(). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    for (const res of this.stalled.keys()) res.destroy();
    this.stalled.clear();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Starts again on the same port. */
  async restart(): Promise<void> {
    await this.listen();
  }

  private async listen(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const reply = this.script.shift() ?? this.fallback;
        const entry: Received = { method: req.method ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), reply: reply.kind === 'status' ? reply.status : reply.kind };
        this.requests.push(entry);
        this.active++;
        this.maxActive = Math.max(this.maxActive, this.active);
        const finish = (): void => {
          this.active--;
        };
        switch (reply.kind) {
          case 'status':
            res.writeHead(reply.status, reply.headers ?? {});
            res.end(reply.body ?? '', finish);
            break;
          case 'stall':
            this.stalled.set(res, entry);
            res.on('close', () => {
              this.stalled.delete(res);
              finish();
            });
            break;
          case 'reset':
            req.socket.destroy();
            finish();
            break;
        }
      });
    });
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address !== null && typeof address === 'object') this.port = address.port;
    this.server = server;
  }
}

/** Polls `condition` until it holds (generous default timeout; never a timing assertion). */
export async function waitFor(condition: () => boolean, what = 'condition', timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A promise that resolves after `ms` (to let something that should NOT happen have its chance). */
export const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
