// Types of rest-server.mjs (plain JavaScript so that the benchmarks can start it too): a local
// Upstash-compatible REST server in front of a real Redis, for tests.

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

/** Starts the server on a free 127.0.0.1 port, in front of the Redis at `redisUrl` (token default `test-token`). */
export function startRestServer(redisUrl: string, token?: string): Promise<RestServer>;
