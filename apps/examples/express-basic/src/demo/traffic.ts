// The demo's simulated clients: real HTTP requests from users on the three plans, each with
// a habit of its own (steady browsing, bursts, a batch job, a client stuck in a loop).
import type { PlanName } from '../app.js';

/** One request a client makes. */
interface Call {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

interface Reply {
  status: number;
  /** Retry-After, in seconds, on a 429. */
  retryAfter: number | undefined;
}

export interface TrafficContext {
  /** The app's base URL. */
  url: string;
  /** Aborted when the demo stops: loops end and requests in flight are dropped. */
  signal: AbortSignal;
}

/** A simulated user. */
export interface Client {
  user: string;
  plan: PlanName;
  /** What it does, in a few words. */
  habit: string;
  run(ctx: TrafficContext): Promise<void>;
}

const items: Call = { method: 'GET', path: '/api/items' };
const item = (max = 4): Call => ({ method: 'GET', path: `/api/items/${1 + Math.floor(Math.random() * max)}` });
const quota: Call = { method: 'GET', path: '/api/quota' };
const PROMPTS = ['summarise my cart', 'which gadget is best?', 'translate to French', 'write a haiku', 'compare widget and gizmo'];
const chat = (): Call => ({ method: 'POST', path: '/api/chat', body: { message: PROMPTS[Math.floor(Math.random() * PROMPTS.length)] } });

/** Picks one of the calls by weight. */
function mix(...choices: Array<[weight: number, call: () => Call]>): () => Call {
  const total = choices.reduce((s, [w]) => s + w, 0);
  return () => {
    let x = Math.random() * total;
    for (const [w, call] of choices) if ((x -= w) < 0) return call();
    return choices[choices.length - 1]![1]();
  };
}

/** Resolves after `ms`, or at once when the demo stops. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** `ms` give or take 30%. */
const jitter = (ms: number): number => ms * (0.7 + Math.random() * 0.6);

async function send(ctx: TrafficContext, client: Pick<Client, 'user' | 'plan'>, call: Call, planInQuery = false): Promise<Reply | undefined> {
  const headers: Record<string, string> = { 'x-user-id': client.user };
  let path = call.path;
  if (planInQuery) path += `?plan=${client.plan}`;
  else headers['x-plan'] = client.plan;
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  // One controller per request, tied to the demo's signal only while the request runs (a
  // long-lived signal handed to every fetch() collects listeners until they are GC'd).
  const request = new AbortController();
  const abort = (): void => request.abort();
  ctx.signal.addEventListener('abort', abort, { once: true });
  try {
    const res = await fetch(ctx.url + path, {
      method: call.method,
      headers,
      body: call.body === undefined ? null : JSON.stringify(call.body),
      signal: request.signal,
    });
    await res.arrayBuffer();
    const retry = Number(res.headers.get('retry-after'));
    return { status: res.status, retryAfter: Number.isFinite(retry) && retry > 0 ? retry : undefined };
  } catch {
    return undefined; // aborted at shutdown, or the server is gone
  } finally {
    ctx.signal.removeEventListener('abort', abort);
  }
}

/** One request at a time, about `perSecond` a second. A polite client waits out a 429's Retry-After. */
function steady(user: string, plan: PlanName, habit: string, perSecond: number, next: () => Call, options: { polite?: boolean; planInQuery?: boolean } = {}): Client {
  const client: Client = {
    user,
    plan,
    habit,
    async run(ctx) {
      await sleep(Math.random() * 300, ctx.signal);
      while (!ctx.signal.aborted) {
        const reply = await send(ctx, client, next(), options.planInQuery);
        const wait = options.polite === true && reply?.status === 429 && reply.retryAfter !== undefined ? Math.min(reply.retryAfter, 60) * 1000 : jitter(1000 / perSecond);
        await sleep(wait, ctx.signal);
      }
    },
  };
  return client;
}

/** `size` requests at once, every `everyMs` or so. */
function bursts(user: string, plan: PlanName, habit: string, everyMs: number, size: number, next: () => Call, options: { planInQuery?: boolean } = {}): Client {
  const client: Client = {
    user,
    plan,
    habit,
    async run(ctx) {
      await sleep(50 + Math.random() * 200, ctx.signal);
      while (!ctx.signal.aborted) {
        await Promise.all(Array.from({ length: size }, () => send(ctx, client, next(), options.planInQuery)));
        await sleep(jitter(everyMs), ctx.signal);
      }
    },
  };
  return client;
}

/** A client stuck in a loop: `perSecond` requests a second whatever the answers (at most `inFlight` at once). */
function hammer(user: string, plan: PlanName, habit: string, perSecond: number, next: () => Call, inFlight = 20): Client {
  const client: Client = {
    user,
    plan,
    habit,
    async run(ctx) {
      const pending = new Set<Promise<unknown>>();
      await sleep(200, ctx.signal);
      while (!ctx.signal.aborted) {
        if (pending.size < inFlight) {
          const p = send(ctx, client, next()).finally(() => pending.delete(p));
          pending.add(p);
        }
        await sleep(1000 / perSecond, ctx.signal);
      }
      await Promise.all(pending);
    },
  };
  return client;
}

/** The cast: two or three users per plan, between them every action the limiter has. */
export function clients(): Client[] {
  return [
    steady('alice', 'free', 'browses, chats now and then, waits out 429s', 2, mix([45, () => items], [35, () => item()], [15, chat], [5, () => quota]), { polite: true }),
    steady('bob', 'free', 'a chat script that retries at once', 1.2, chat),
    hammer('mallory', 'free', 'misbehaving scraper: GET /api/items/:id, 40/s', 40, () => item(50)),
    steady('erin', 'pro', 'dashboard: polls items and quota, 3/s', 3, mix([70, () => items], [30, () => quota])),
    bursts('carol', 'pro', 'bursts of 12 chats every 4 s', 4000, 12, chat),
    bursts('dave', 'pro', 'sync job: 30 item reads every 3 s (?plan=)', 3000, 30, () => item(), { planInQuery: true }),
    bursts('acme', 'enterprise', 'batch job: 50 chats every 2 s', 2000, 50, chat),
    steady('globex', 'enterprise', 'steady reads, 10/s', 10, mix([50, () => items], [50, () => item()])),
  ];
}
