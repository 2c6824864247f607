// @limitrate/core's Redis consume script (REDIS_CONSUME_SCRIPT), line for line in JavaScript,
// so that the mock clients decide exactly as Redis does: the same ARGV decoding, the same
// double arithmetic in the same order, the same state text with the same expiry, the same
// reply. Lua's 1-based tables are 0-based arrays here; everything else follows the script.
import { luaFormat as fmt, luaNumber as tonumber } from './lua.js';

/** The keyspace the script reads and writes (keys and values as binary strings). */
export interface ScriptKeyspace {
  get(key: string): string | undefined;
  /** `SET key value PX px`. */
  setPx(key: string, value: string, px: number): void;
  /** `SET key value PXAT pxat`. */
  setPxAt(key: string, value: string, pxat: number): void;
}

/** A runtime error of the script, as Redis reports one (`ERR user_script:...`). */
export class ScriptError extends Error {
  constructor(message: string) {
    super(`ERR user_script: ${message} (in LimitRate's consume script, run by the mock)`);
    this.name = 'ScriptError';
  }
}

const EPS = 1e-9;
const FAR = 9e13;
const WIDTH = [0, 2, 3, 0, 2, 2, 1];
const STATE = /^([0-9]+) ([^ \t\n\v\f\r]+) ?([^ \t\n\v\f\r]*) ?([^ \t\n\v\f\r]*)$/;
const FIELDS = /[^ \t\n\v\f\r]+/g;
const { floor, ceil } = Math;

/** A number Lua would do arithmetic or comparisons on: nil is an error there. */
function n(x: number | undefined, what: string): number {
  if (x === undefined) throw new ScriptError(`attempt to perform arithmetic on a nil value (${what})`);
  return x;
}

/** KEYS[i + 1]; a missing key is an error in Redis (redis.call refuses nil). */
function keyAt(keys: readonly string[], i: number): string {
  const key = keys[i];
  if (key === undefined) throw new ScriptError('Lua redis() command arguments must be strings or integers (fewer KEYS than limits)');
  return key;
}

function waitms(ms: number, tol: number): number {
  const w = ceil(ms - tol);
  if (w > 1) return w;
  return 1;
}

// sliding-log: the log is [t, c, t, c, ...], oldest first; indexes are 0-based.
function slFirst(log: readonly number[], now: number, w: number): number {
  let i = 0;
  while (i < log.length && log[i]! + w <= now) i += 2;
  return i;
}

function slSum(log: readonly number[], i: number): number {
  let s = 0;
  for (let j = i + 1; j < log.length; j += 2) s += log[j]!;
  return s;
}

function slCommit(log: number[], now: number, lim: number, w: number, cost: number, at: number): number[] {
  if (cost > 0) {
    const first = slFirst(log, now, w);
    if (first > 0) log = log.slice(first);
    const len = log.length;
    let lastTime = -Infinity;
    if (len > 0) lastTime = log[len - 2]!;
    let t = lastTime;
    if (now > lastTime) t = now;
    if (len > 0 && (lastTime === t || len / 2 >= lim)) {
      log[len - 2] = t;
      log[len - 1] = log[len - 1]! + cost;
    } else {
      log.push(t, cost);
    }
  } else if (cost < 0) {
    for (let i = log.length - 2; i >= 0 && log[i]! >= at; i -= 2) {
      if (log[i] === at && at + w > now) {
        const left = log[i + 1]! + cost;
        if (left > 0) log[i + 1] = left;
        else log.splice(i, 2);
        break;
      }
    }
  }
  return log;
}

/**
 * Runs the consume script: `keys` are KEYS, `argv` ARGV (see REDIS_CONSUME_SCRIPT), `time`
 * Redis's TIME (`[seconds, microseconds]`), read only when ARGV[1] is empty. Returns the
 * reply; throws a {@link ScriptError} where Lua would fail.
 */
export function runConsumeScript(db: ScriptKeyspace, keys: readonly string[], argv: readonly string[], time: () => readonly [string, string]): string {
  const arg = (i: number): string | undefined => argv[i - 1];
  let now = tonumber(arg(1)) as number;
  const serverTime = now === undefined;
  if (serverTime) {
    const t = time();
    now = n(tonumber(t[0]), 'TIME') * 1000 + floor(n(tonumber(t[1]), 'TIME') / 1000);
  }

  const save = (key: string, value: string, exp: number): void => {
    if (serverTime) {
      let pxat = ceil(exp);
      if (!(pxat < now + FAR)) pxat = now + FAR;
      else if (pxat < 1) pxat = 1;
      db.setPxAt(key, value, pxat);
    } else {
      let px = ceil(exp - now);
      if (!(px < FAR)) px = FAR;
      if (px < 60000) px = 60000;
      db.setPx(key, value, px);
    }
  };

  const out: string[] = [fmt(now)];
  let a = 2;
  let k = 0;
  const nargs = argv.length;
  while (a <= nargs) {
    const mode = arg(a);
    const at = tonumber(arg(a + 1)) ?? now;
    const count = tonumber(arg(a + 2));
    if (count === undefined) throw new ScriptError("'for' limit must be a number");
    a += 3;
    let hard = true;
    let all = true;
    const TG: number[] = [];
    const P1: number[] = [];
    const P2: number[] = [];
    const P3: (number | undefined)[] = [];
    const CO: number[] = [];
    const OK: boolean[] = [];
    const RT: number[] = [];
    const U0: number[] = [];
    const R0: number[] = [];
    const U1: number[] = [];
    const R1: number[] = [];
    const E1: number[] = [];
    const N1: number[] = [];
    const N2: number[] = [];
    const N3: number[] = [];
    const S: number[][] = [];
    const NEW: boolean[] = [];

    // 1. Read and decide every limit.
    for (let i1 = 1; i1 <= count; i1++) {
      const i = i1 - 1;
      const tag = tonumber(arg(a));
      const p1 = n(tonumber(arg(a + 1)), 'limit parameter');
      const p2 = tonumber(arg(a + 2));
      const p3 = tonumber(arg(a + 3));
      const cost = n(tonumber(arg(a + 4)), 'cost');
      const soft = arg(a + 5) === '1';
      a += 6;
      if (tag === undefined || !(tag >= 1 && tag <= 6 && tag === floor(tag))) throw new ScriptError(`unknown algorithm tag ${String(arg(a - 6))}`);
      TG[i] = tag;
      P1[i] = p1;
      P2[i] = p2 as number;
      P3[i] = p3;
      CO[i] = cost;
      let s: boolean | number[] = false;
      let s1: number | undefined;
      let s2: number | undefined;
      let s3: number | undefined;
      const raw = db.get(keyAt(keys, k + i));
      if (raw !== undefined) {
        if (tag === 3) {
          const f = (raw.match(FIELDS) ?? []).map((x) => tonumber(x) as number);
          if (f[0] === 3) s = f;
        } else {
          const m = STATE.exec(raw);
          if (m !== null && tonumber(m[1]) === tag) {
            s = true;
            s1 = tonumber(m[2]);
            s2 = tonumber(m[3]);
            s3 = tonumber(m[4]);
          }
        }
      }
      NEW[i] = s === false;
      let need = cost;
      if (!(need > 0)) need = 1;
      let ok: boolean;
      let rt: number;
      if (tag === 1) {
        // fixed-window: state {start, count}
        const lim = p1;
        const w = n(p2, 'windowMs');
        let start = floor(now / w) * w;
        let cnt = 0;
        if (s !== false && n(s1, 'state') >= start) {
          start = s1!;
          cnt = n(s2, 'state');
        }
        U0[i] = cnt;
        R0[i] = cnt > 0 ? start + w - now : 0;
        let c = cnt;
        if (cost < 0) {
          if (floor(at / w) * w === start) {
            c = cnt + cost;
            if (!(c > 0)) c = 0;
          }
          ok = true;
          rt = 0;
        } else {
          ok = cnt + need <= lim;
          if (ok) rt = 0;
          else if (need > lim) rt = -1;
          else rt = ceil(start + w - now);
          c = cnt + cost;
        }
        N1[i] = start;
        N2[i] = c;
        U1[i] = c;
        R1[i] = c > 0 ? start + w - now : 0;
        E1[i] = start + w;
      } else if (tag === 2) {
        // sliding-window: state {start, curr, prev}
        const lim = p1;
        const w = n(p2, 'windowMs');
        let start = floor(now / w) * w;
        let curr = 0;
        let prev = 0;
        if (s !== false) {
          if (n(s1, 'state') >= start) {
            start = s1!;
            curr = n(s2, 'state');
            prev = n(s3, 'state');
          } else if (s1 === start - w) {
            prev = n(s2, 'state');
          }
        }
        let el = 0;
        if (now > start) el = now - start;
        const used = (prev * (w - el)) / w + curr;
        U0[i] = used;
        if (curr > 0) R0[i] = start + 2 * w - now;
        else if (prev > 0) R0[i] = start + w - now;
        else R0[i] = 0;
        let n2 = curr;
        let n3 = prev;
        if (cost < 0) {
          const charged = floor(at / w) * w;
          if (charged === start) {
            n2 = curr + cost;
            if (!(n2 > 0)) n2 = 0;
          } else if (charged === start - w) {
            n3 = prev + cost;
            if (!(n3 > 0)) n3 = 0;
          }
          ok = true;
          rt = 0;
        } else {
          ok = used + need <= lim + EPS;
          n2 = curr + cost;
          if (ok) rt = 0;
          else if (need > lim) rt = -1;
          else {
            const room = lim - curr - need;
            if (room >= 0 && prev > 0) {
              rt = waitms(start + w - (room * w) / prev - now, (EPS * w) / prev);
            } else {
              const room2 = lim - need;
              let fade = 0;
              if (curr > room2) fade = w - (room2 * w) / curr;
              let tol = 0;
              if (curr > 0) tol = (EPS * w) / curr;
              rt = waitms(start + w + fade - now, tol);
            }
          }
        }
        N1[i] = start;
        N2[i] = n2;
        N3[i] = n3;
        U1[i] = (n3 * (w - el)) / w + n2;
        if (n2 > 0) R1[i] = start + 2 * w - now;
        else if (n3 > 0) R1[i] = start + w - now;
        else R1[i] = 0;
        E1[i] = start + 2 * w;
      } else if (tag === 3) {
        // sliding-log: the whole log, decided here, committed below
        const lim = p1;
        const w = n(p2, 'windowMs');
        const log: number[] = s === false || s === true ? [] : s.slice(1);
        S[i] = log;
        const first = slFirst(log, now, w);
        const used = slSum(log, first);
        U0[i] = used;
        if (cost < 0) {
          ok = true;
          rt = 0;
        } else {
          ok = used + need <= lim;
          if (ok) rt = 0;
          else if (need > lim) rt = -1;
          else {
            let left = used;
            let j = first;
            while (j < log.length && left + need > lim) {
              left -= log[j + 1]!;
              j += 2;
            }
            rt = ceil(log[j - 2]! + w - now);
            if (!(rt > 1)) rt = 1;
          }
        }
      } else if (tag === 4) {
        // token-bucket: state {tokens, last}; p = capacity, refillRate, initialTokens
        const cap = p1;
        const rate = n(p2, 'refillRate');
        let tokens: number;
        let last: number;
        if (s !== false) {
          tokens = n(s1, 'state');
          last = n(s2, 'state');
        } else {
          tokens = p3 ?? cap;
          last = now;
        }
        if (now > last) {
          const v = tokens + ((now - last) * rate) / 1000;
          tokens = v < cap ? v : cap;
          last = now;
        } else if (tokens > cap) {
          tokens = cap;
        }
        U0[i] = cap - tokens;
        let full = now;
        if (tokens < cap) full = last + ((cap - tokens) * 1000) / rate;
        R0[i] = full > now ? ceil(full - now) : 0;
        let n1: number;
        if (cost < 0) {
          n1 = tokens - cost;
          if (!(n1 < cap)) n1 = cap;
          ok = true;
          rt = 0;
        } else {
          ok = tokens + EPS >= need;
          n1 = tokens - cost;
          if (ok) rt = 0;
          else if (need > cap) rt = -1;
          else rt = waitms(last - now + ((need - tokens) * 1000) / rate, (EPS * 1000) / rate);
        }
        N1[i] = n1;
        N2[i] = last;
        U1[i] = cap - n1;
        full = now;
        if (n1 < cap) full = last + ((cap - n1) * 1000) / rate;
        R1[i] = full > now ? ceil(full - now) : 0;
        E1[i] = now + R1[i]!;
      } else if (tag === 5) {
        // leaky-bucket: state {level, last}; p = capacity, leakRate
        const cap = p1;
        const rate = n(p2, 'leakRate');
        let level = 0;
        let last = now;
        if (s !== false) {
          level = n(s1, 'state');
          last = n(s2, 'state');
        }
        if (now > last) {
          level = level - ((now - last) * rate) / 1000;
          if (!(level > 0)) level = 0;
          last = now;
        }
        U0[i] = level;
        let empty = now;
        if (level > 0) empty = last + (level * 1000) / rate;
        R0[i] = empty > now ? ceil(empty - now) : 0;
        let n1: number;
        if (cost < 0) {
          n1 = level + cost;
          if (!(n1 > 0)) n1 = 0;
          ok = true;
          rt = 0;
        } else {
          ok = level + need <= cap + EPS;
          n1 = level + cost;
          if (ok) rt = 0;
          else if (need > cap) rt = -1;
          else rt = waitms(last - now + ((level + need - cap) * 1000) / rate, (EPS * 1000) / rate);
        }
        N1[i] = n1;
        N2[i] = last;
        U1[i] = n1;
        empty = now;
        if (n1 > 0) empty = last + (n1 * 1000) / rate;
        R1[i] = empty > now ? ceil(empty - now) : 0;
        E1[i] = now + R1[i]!;
      } else {
        // gcra: state {tat}; p = limit, windowMs, burst
        const burst = n(p3, 'burst');
        const t = n(p2, 'windowMs') / p1;
        let tat = now;
        if (s !== false && n(s1, 'state') > now) tat = s1!;
        const used = (tat - now) / t;
        U0[i] = used;
        R0[i] = ceil(tat - now);
        let nxt: number;
        if (cost < 0) {
          nxt = tat + cost * t;
          if (!(nxt > now)) nxt = now;
          ok = true;
          rt = 0;
        } else {
          ok = used + need <= burst + EPS;
          nxt = tat + cost * t;
          if (ok) rt = 0;
          else if (need > burst) rt = -1;
          else rt = waitms(tat + need * t - burst * t - now, EPS * t);
        }
        N1[i] = nxt;
        U1[i] = (nxt - now) / t;
        R1[i] = ceil(nxt - now);
        E1[i] = nxt;
      }
      OK[i] = ok;
      RT[i] = rt;
      if (!ok) {
        all = false;
        if (!soft) hard = false;
      }
    }

    // 2. All or nothing.
    const commit = mode === 'force' || (mode === 'consume' && hard);
    let allowed = hard;
    if (mode === 'force') allowed = all;
    out.push(allowed ? '1' : '0', commit ? '1' : '0');

    // 3. Write (when committing) and describe each limit.
    for (let i1 = 1; i1 <= count; i1++) {
      const i = i1 - 1;
      const tag = TG[i]!;
      const key = keyAt(keys, k + i);
      let used: number;
      let reset: number;
      if (tag === 3) {
        let log = S[i]!;
        const w = P2[i]!;
        if (commit) log = slCommit(log, now, P1[i]!, w, CO[i]!, at);
        const first = slFirst(log, now, w);
        used = slSum(log, first);
        const m = log.length;
        let exp = now;
        if (first < m) {
          reset = log[m - 2]! + w - now;
          exp = log[m - 2]! + w;
        } else {
          reset = 0;
        }
        if (commit) save(key, ['3', ...log.map(fmt)].join(' '), exp);
      } else if (commit) {
        const width = WIDTH[tag];
        let value: string;
        if (width === 1) value = `${tag} ${fmt(N1[i]!)}`;
        else if (width === 2) value = `${tag} ${fmt(N1[i]!)} ${fmt(N2[i]!)}`;
        else value = `${tag} ${fmt(N1[i]!)} ${fmt(N2[i]!)} ${fmt(N3[i]!)}`;
        save(key, value, E1[i]!);
        used = U1[i]!;
        reset = R1[i]!;
      } else {
        used = U0[i]!;
        reset = R0[i]!;
        const p3 = P3[i];
        if (tag === 4 && mode === 'consume' && NEW[i] && p3 !== undefined && p3 < P1[i]!) {
          // A refused first contact still starts this bucket's clock.
          save(key, `4 ${fmt(p3)} ${fmt(now)}`, now + reset);
        }
      }
      out.push(OK[i] ? '1' : '0', fmt(used), fmt(reset), fmt(RT[i]!));
    }
    k += count;
  }
  return out.join(' ');
}
