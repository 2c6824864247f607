// The request lifecycle: each request is described to core's HttpLimiter in its route's
// hook (onRequest, or preHandler once the body is parsed), and the decision written back:
// headers, request.rateLimit, a refusal, a delay, and the after-response work once the
// response is out (onResponse) or the connection closed first.
import type { HttpDecision, HttpOutcome, HttpRequestInfo } from '@limitrate/core';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { rateLimitInfo } from './info.js';
import { routeConfigOf } from './context.js';
import type { RouteState, RouteTable } from './routes.js';

type Done = (outcome: HttpOutcome<FastifyReply>) => void;
type Decision = HttpDecision<FastifyReply>;
type RawReply = FastifyReply['raw'];

/** Per-registration symbols (so that nested registrations keep theirs apart). */
export interface Slots {
  /** On a route's config: its state, as resolved when the route was declared. */
  readonly tag: symbol;
  /** On the request: the after-response callback of a request that went on. */
  readonly done: symbol;
}

type Slotted = FastifyRequest & Record<symbol, unknown>;

/** The request as core's HTTP layer sees it, for a route's state. */
export function describe(request: FastifyRequest, state: RouteState): HttpRequestInfo<FastifyRequest> {
  let url = request.url;
  if (url.charCodeAt(0) !== 47 /* '/' */) url = url.replace(/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/, '');
  const q = url.indexOf('?');
  const path = q >= 0 ? url.slice(0, q) : url;
  return {
    method: state.method ?? request.method,
    path: path === '' ? '/' : path,
    route: state.route,
    remoteAddress: request.raw.socket?.remoteAddress,
    forwardedFor: state.http.readsForwardedFor ? request.headers['x-forwarded-for'] : undefined,
    raw: request,
  };
}

/**
 * Header names in lower case, as Fastify keeps and sends them: given lower case already,
 * reply.header() does not allocate a new name on every request. Core's names are a fixed
 * handful; the cache is bounded all the same.
 */
let lowerNames = new Map<string, string>();
function lower(name: string): string {
  let l = lowerNames.get(name);
  if (l === undefined) {
    l = name.toLowerCase();
    if (lowerNames.size >= 64) lowerNames = new Map();
    lowerNames.set(name, l);
  }
  return l;
}

/** The client has gone: the connection closed before the response was sent. */
function gone(res: RawReply): boolean {
  return res.destroyed && !res.writableEnded;
}

/** The hooks of one registration. */
export function lifecycle(table: RouteTable, slots: Slots) {
  function apply(d: Decision, state: RouteState, request: FastifyRequest, reply: FastifyReply, next: HookHandlerDoneFunction): void {
    const headers = d.headers;
    for (let i = 0; i < headers.length; i++) reply.header(lower(headers[i]![0]), headers[i]![1]);
    if (!state.bare) request.rateLimit = rateLimitInfo(d);
    if (d.action === 'refuse') {
      // A string body, so that no response schema of the route reshapes it.
      reply.code(d.status).type(`${d.contentType ?? 'application/json'}; charset=utf-8`).send(JSON.stringify(d.body));
      return;
    }
    const res = reply.raw;
    const after = d.done;
    if (gone(res)) {
      // The client left while the limiter was deciding: the handler does not run, and the
      // after-response work (slot, skipFailedRequests, tokens) happens now.
      after?.({ statusCode: res.statusCode, completed: false, res: reply });
      return;
    }
    if (after !== undefined) {
      (request as Slotted)[slots.done] = after;
      res.once('close', () => settle(request, reply, false));
    }
    if (d.delayMs > 0) {
      // A slowed-down request whose client leaves during the delay is not served.
      const timer = setTimeout(() => {
        res.off('close', cancel);
        next();
      }, d.delayMs);
      const cancel = () => clearTimeout(timer);
      res.once('close', cancel);
    } else next();
  }

  /** Runs the after-response work once: from onResponse, or when the connection closes first. */
  function settle(request: FastifyRequest, reply: FastifyReply, responded: boolean): void {
    const slotted = request as Slotted;
    const after = slotted[slots.done] as Done | null;
    if (after === null || after === undefined) return;
    slotted[slots.done] = null;
    const res = reply.raw;
    after({ statusCode: res.statusCode, completed: responded ? !res.errored : res.writableFinished, res: reply });
  }

  function check(state: RouteState, request: FastifyRequest, reply: FastifyReply, next: HookHandlerDoneFunction): void {
    const http = state.http;
    let d: Decision | Promise<Decision>;
    let onClose: (() => void) | undefined;
    try {
      const info = describe(request, state);
      if (http.hasInFlightLimits) {
        // A request queued for an in-flight slot leaves the queue when its client goes away.
        const controller = new AbortController();
        onClose = () => controller.abort();
        reply.raw.once('close', onClose);
        info.signal = controller.signal;
      }
      d = http.decide(info);
    } catch (error) {
      if (onClose !== undefined) reply.raw.off('close', onClose);
      next(error as Error);
      return;
    }
    if (d instanceof Promise) {
      d.then(
        (x) => {
          if (onClose !== undefined) reply.raw.off('close', onClose);
          apply(x, state, request, reply, next);
        },
        (error: unknown) => {
          if (onClose !== undefined) reply.raw.off('close', onClose);
          next(error as Error);
        },
      );
    } else {
      if (onClose !== undefined) reply.raw.off('close', onClose);
      apply(d, state, request, reply, next);
    }
  }

  return {
    /**
     * The registration's onRequest hook, for every request of its context: checks those of
     * routes checked on request. A route declared before the plugin has no hooks of its own
     * and is checked here too (its body is not parsed yet), as is a 404.
     */
    onRequest(request: FastifyRequest, reply: FastifyReply, next: HookHandlerDoneFunction): void {
      let state: RouteState | null;
      let declared: boolean;
      try {
        const config = routeConfigOf(request);
        declared = config !== undefined && (config as Record<symbol, unknown>)[slots.tag] !== undefined;
        state = table.of(config, slots.tag);
      } catch (error) {
        next(error as Error);
        return;
      }
      if (state === null || (declared && state.hook === 'preHandler')) return next();
      check(state, request, reply, next);
    },
    /** The route-level preHandler hook of a route checked once its body is parsed. */
    preHandlerFor(state: RouteState) {
      return function limitratePreHandler(request: FastifyRequest, reply: FastifyReply, next: HookHandlerDoneFunction): void {
        check(state, request, reply, next);
      };
    },
    /** The route-level onResponse hook of a route whose limiter has after-response work. */
    onResponse(request: FastifyRequest, reply: FastifyReply, next: HookHandlerDoneFunction): void {
      settle(request, reply, true);
      next();
    },
  };
}
