// Public types of the adapter conformance suite: what an adapter author passes in (a small
// harness that starts an app of their framework), and the runner-agnostic cases.

/** A route of the app under test. It answers `200 {"ok":true,"route":path}` unless told otherwise. */
export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** A route template in the framework's syntax for parameters, written `/users/:id`. */
  path: string;
  /** Status the handler answers with (default 200). */
  status?: number;
  /**
   * When set, the handler puts this request header's value (a number of tokens) on the
   * response as `x-tokens-used`, for token reconciliation cases.
   */
  echoTokensFrom?: string;
}

/** An app that is listening. */
export interface RunningApp {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  close(): Promise<void>;
}

/**
 * What the suite needs from a framework. The options the suite builds are the adapter's own
 * options (`limitrate(options)`), with callbacks that read the framework's request and
 * response objects through {@link requestHeader} and {@link responseHeader}.
 */
export interface AdapterHarness<TReq = unknown, TRes = unknown> {
  /** Shown in group names, e.g. `'express 5'`. */
  name: string;
  /**
   * Starts an app on 127.0.0.1 with the adapter installed in front of `routes`, configured
   * with `options` (pass them as they are: the suite's callbacks already have the framework's
   * signatures). The client address is the socket's (127.0.0.1) unless the adapter is told
   * to trust proxies.
   */
  start(options: Record<string, unknown>, routes: readonly RouteSpec[]): Promise<RunningApp>;
  /** A request header as the adapter's callbacks see the request (`identifyUser(req)`...). */
  requestHeader(req: TReq, name: string): string | undefined;
  /** A response header as `extractTokenUsage(res, req)` sees the response. */
  responseHeader(res: TRes, name: string): string | undefined;
  /** Case ids (`'<group>/<slug>'`) to leave out, each with the reason. */
  skip?: Readonly<Record<string, string>>;
}

/** One adapter conformance case, for any test runner. */
export interface AdapterCase {
  group: string;
  /** A sentence saying what every adapter must do. */
  name: string;
  /** Stable id `'<group>/<slug>'`. */
  id: string;
  /** Starts the app, drives it over HTTP, checks, closes. Rejects with an AdapterConformanceError. */
  run(): Promise<void>;
}
