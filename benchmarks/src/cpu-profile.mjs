// Summarises a V8 .cpuprofile (from `node --cpu-prof`, e.g. `pnpm bench:http --cpu-prof`):
// self time by function and by package, and inclusive time of chosen functions.
// Usage: node src/cpu-profile.mjs file.cpuprofile [--top=N] [--focus=fnA,fnB] [--limiter=originA,originB] [--requests=N]
// (--limiter: the packages whose middleware time to total, default @limitrate/express,@limitrate/core;
// express-rate-limit for its profile.)
import { readFileSync } from 'node:fs';
import process from 'node:process';

/** Where a frame's code comes from: a package, LimitRate's own dist, Node, or V8. */
export function origin(url) {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return 'node internals';
  const lr = /packages\/(core|express|fastify|hono)\/dist\//.exec(url);
  if (lr) return `@limitrate/${lr[1]}`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  return url.replace(/^file:\/\//, '');
}

/**
 * Self and inclusive sample counts of a profile. Returns `{ total, idle, byFunction, byOrigin, inclusive(name) }`
 * with times in ms.
 */
export function summarise(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const samples = profile.samples;
  const deltas = profile.timeDeltas;
  const self = new Map();
  let totalUs = 0;
  let idleUs = 0;
  const leafTime = new Map();
  for (let i = 0; i < samples.length; i++) {
    const dt = Math.max(0, deltas[i + 1] ?? deltas[i] ?? 0);
    const node = byId.get(samples[i]);
    const f = node.callFrame;
    if (f.functionName === '(idle)') {
      idleUs += dt;
      continue;
    }
    totalUs += dt;
    leafTime.set(node.id, (leafTime.get(node.id) ?? 0) + dt);
    const key = `${(f.functionName || '(anonymous)').slice(0, 60)}  ${origin(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    const cur = self.get(key) ?? { us: 0, origin: origin(f.url) };
    cur.us += dt;
    self.set(key, cur);
  }
  const byOrigin = new Map();
  for (const { us, origin: o } of self.values()) byOrigin.set(o, (byOrigin.get(o) ?? 0) + us);
  /** Inclusive time of every function whose name matches `name` (counted once per stack). */
  const inclusive = (name) => {
    let us = 0;
    for (const [id, t] of leafTime) {
      for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
        if (byId.get(cur).callFrame.functionName === name) {
          us += t;
          break;
        }
      }
    }
    return us / 1000;
  };
  /**
   * Time spent in a middleware, callees included, but not in what it hands on to: samples
   * whose stack reaches a frame from one of `origins` before reaching Express's `next`
   * (the router's, which runs the rest of the chain and the route handler).
   */
  const middleware = (origins) => {
    let us = 0;
    const byLeaf = new Map();
    const byEntry = new Map();
    for (const [id, t] of leafTime) {
      let entry;
      for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
        const f = byId.get(cur).callFrame;
        const o = origin(f.url);
        if (origins.includes(o)) entry = cur;
        else if (entry !== undefined) break;
        if (f.functionName === 'next' && (o === 'router' || o === 'express')) break;
      }
      if (entry === undefined) continue;
      us += t;
      const leaf = byId.get(id).callFrame;
      const lk = `${(leaf.functionName || '(anonymous)').slice(0, 60)}  ${origin(leaf.url)}`;
      byLeaf.set(lk, (byLeaf.get(lk) ?? 0) + t);
      // The limiter's own function directly below the topmost limiter frame: what part of
      // the middleware the time is in.
      let inner = id;
      let innerLimiter;
      for (let cur = id; cur !== undefined && cur !== entry; cur = parent.get(cur)) {
        if (origins.includes(origin(byId.get(cur).callFrame.url))) innerLimiter = cur;
        inner = cur;
      }
      const part = innerLimiter ?? inner;
      const pf = byId.get(part).callFrame;
      const ek = `${byId.get(entry).callFrame.functionName || '(anonymous)'} > ${pf.functionName || '(anonymous)'}  ${origin(pf.url)}`;
      byEntry.set(ek, (byEntry.get(ek) ?? 0) + t);
    }
    return { ms: us / 1000, byLeaf: sortMs(byLeaf), byPart: sortMs(byEntry) };
  };
  const sortMs = (m) => [...m.entries()].map(([k, v]) => [k, (typeof v === 'number' ? v : v.us) / 1000]).sort((a, b) => b[1] - a[1]);
  return { total: totalUs / 1000, idle: idleUs / 1000, byFunction: sortMs(self), byOrigin: sortMs(byOrigin), inclusive, middleware };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: node src/cpu-profile.mjs file.cpuprofile [--top=N] [--focus=fnA,fnB]');
  const top = Number(process.argv.find((a) => a.startsWith('--top='))?.slice(6) ?? 30);
  const focus = process.argv.find((a) => a.startsWith('--focus='))?.slice(8).split(',') ?? ['limitrateMiddleware', 'rateLimit', 'decide', 'screen', 'identify', 'checkNow', 'fromResult', 'rateLimitHeaders', 'apply', 'infoOf', 'requestInfo', 'routeTemplate', 'clientIp', 'setHeader', 'json'];
  const s = summarise(JSON.parse(readFileSync(file, 'utf8')));
  const requests = Number(process.argv.find((a) => a.startsWith('--requests='))?.slice(11) ?? 0);
  // With --requests=N (the requests the server answered while profiled), also µs per request.
  const pct = (ms) => `${((ms / s.total) * 100).toFixed(1)}%`.padStart(6) + (requests > 0 ? `  ${((ms * 1000) / requests).toFixed(2).padStart(7)} µs/req` : '');
  process.stdout.write(`${file}\nbusy ${pct(s.total).trim()} = ${s.total.toFixed(0)} ms (idle ${s.idle.toFixed(0)} ms not counted)${requests > 0 ? `, ${requests} requests` : ''}\n\nself time by origin\n`);
  for (const [o, ms] of s.byOrigin.slice(0, 15)) process.stdout.write(`  ${pct(ms)}  ${ms.toFixed(0).padStart(7)} ms  ${o}\n`);
  process.stdout.write(`\nself time by function (top ${top})\n`);
  for (const [k, ms] of s.byFunction.slice(0, top)) process.stdout.write(`  ${pct(ms)}  ${ms.toFixed(0).padStart(7)} ms  ${k}\n`);
  const limiter = process.argv.find((a) => a.startsWith('--limiter='))?.slice(10).split(',') ?? ['@limitrate/express', '@limitrate/core'];
  const mw = s.middleware(limiter);
  process.stdout.write(`\nthe limiter's middleware (${limiter.join(' + ')}, callees included, the rest of the chain after its next() excluded)\n  ${pct(mw.ms)}  ${mw.ms.toFixed(0).padStart(7)} ms\n`);
  process.stdout.write('  by part (the limiter function directly under its entry point)\n');
  for (const [k, ms] of mw.byPart.slice(0, top)) process.stdout.write(`    ${pct(ms)}  ${ms.toFixed(0).padStart(7)} ms  ${k}\n`);
  process.stdout.write(`  by the function the time is spent in (self time, top ${top})\n`);
  for (const [k, ms] of mw.byLeaf.slice(0, top)) process.stdout.write(`    ${pct(ms)}  ${ms.toFixed(0).padStart(7)} ms  ${k}\n`);
  process.stdout.write('\ninclusive time (the function and everything it calls, next() and the route included)\n');
  for (const name of focus) {
    const ms = s.inclusive(name);
    if (ms > 0) process.stdout.write(`  ${pct(ms)}  ${ms.toFixed(0).padStart(7)} ms  ${name}\n`);
  }
}
