// A request whose limits live in several Cluster slots (a limit shared by all users next to
// a per-user one, say). One script cannot touch two slots, so the request is decided slot by
// slot, each slot atomically, in a fixed (ascending slot) order, with one time for all:
//
//   consume: run the consume script on each slot in turn. When a slot refuses, refund the
//            slots already committed (force mode, negative cost, `at` = the decision's time),
//            peek the slots not reached (for their outcomes), and answer refused.
//   peek:    the first slot reads the time; the others peek in parallel at that time.
//   force:   likewise, committing everywhere.
//
// The final state is all or nothing; see the README ("Redis Cluster") for the guarantee.
import { redisCapacityOf, type ConsumeMode, type ConsumeResult, type LimitOutcome, type LimitSpec } from '@limitrate/core';
import { decodeReply, encodeCall } from './codec.js';
import type { SlotGroup } from './slot.js';

type Bytes = string | Buffer;
/** One round trip running the consume script with these EVALSHA arguments. */
export type RunScript = (args: Bytes[]) => Promise<unknown>;

interface Part {
  group: SlotGroup;
  limits: LimitSpec[];
  keys: Bytes[];
}

function call(run: RunScript, part: Part, limits: readonly LimitSpec[], mode: ConsumeMode, now: number | undefined, at: number | undefined): Promise<ConsumeResult> {
  return run(encodeCall(part.keys, limits, mode, now, at)).then((reply) => decodeReply(reply, limits));
}

function place(out: LimitOutcome[], part: Part, result: ConsumeResult): void {
  const idx = part.group.indexes;
  for (let j = 0; j < idx.length; j++) out[idx[j]!] = result.limits[j]!;
}

/**
 * Decides a request across several slots (at least two groups), with the same time on each.
 * Never over-admits; see the module comment for the protocol.
 */
export async function consumeAcrossSlots(
  run: RunScript,
  limits: readonly LimitSpec[],
  keys: readonly Bytes[],
  groups: readonly SlotGroup[],
  mode: ConsumeMode,
  now: number | undefined,
  at: number | undefined,
): Promise<ConsumeResult> {
  const parts: Part[] = groups.map((group) => ({ group, limits: group.indexes.map((i) => limits[i]!), keys: group.indexes.map((i) => keys[i]!) }));
  const out: LimitOutcome[] = new Array(limits.length);
  const first = parts[0]!;

  if (mode !== 'consume') {
    const head = await call(run, first, first.limits, mode, now, at);
    const t = head.now;
    const rest = await Promise.all(parts.slice(1).map((p) => call(run, p, p.limits, mode, t, at)));
    let allowed = head.allowed;
    place(out, first, head);
    rest.forEach((r, i) => {
      allowed = allowed && r.allowed;
      place(out, parts[i + 1]!, r);
    });
    return { allowed, committed: mode === 'force', now: t, limits: out };
  }

  const committed: [Part, ConsumeResult][] = [];
  let t = now;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    let r: ConsumeResult;
    try {
      r = await call(run, part, part.limits, 'consume', t, at);
    } catch (error) {
      // This slot may or may not have committed (a timeout): leave it, give the others back.
      if (t !== undefined) await refundAll(run, committed, t, out);
      throw error;
    }
    t = r.now;
    if (r.committed) {
      committed.push([part, r]);
      continue;
    }
    // Refused here: give back what the earlier slots took, look at the slots not reached.
    place(out, part, r);
    await refundAll(run, committed, t, out);
    const later = parts.slice(i + 1);
    const peeks = await Promise.all(later.map((p) => call(run, p, p.limits, 'peek', t, at).catch(() => undefined)));
    later.forEach((p, j) => {
      const peek = peeks[j];
      if (peek !== undefined) place(out, p, peek);
      // Unreadable (a node failed): report the limit as untouched; the refusal stands.
      else for (const idx of p.group.indexes) out[idx] = untouched(limits[idx]!);
    });
    return { allowed: false, committed: false, now: t, limits: out };
  }
  for (const [part, r] of committed) place(out, part, r);
  return { allowed: true, committed: true, now: t!, limits: out };
}

/**
 * Refunds committed slots in parallel and fills in their outcomes: each limit's own verdict
 * from the consume, its usage after the refund (the usage before the call, as a refused set
 * reports). A refund that fails leaves its units counted (under-admission until the state
 * expires, never over-admission) and reports the usage the consume left.
 */
async function refundAll(run: RunScript, committed: readonly [Part, ConsumeResult][], t: number, out: LimitOutcome[]): Promise<void> {
  await Promise.all(
    committed.map(async ([part, r]) => {
      const back: LimitSpec[] = [];
      const where: number[] = [];
      part.limits.forEach((l, j) => {
        if (l.cost !== 0) {
          back.push({ ...l, cost: -l.cost });
          where.push(j);
        }
      });
      place(out, part, r);
      if (back.length === 0) return;
      const subset: Part = { group: part.group, limits: back, keys: where.map((j) => part.keys[j]!) };
      let refunded: ConsumeResult;
      try {
        refunded = await call(run, subset, back, 'force', t, t);
      } catch {
        return;
      }
      where.forEach((j, k) => {
        const after = refunded.limits[k]!;
        const mine = r.limits[j]!;
        out[part.group.indexes[j]!] = { ...mine, used: after.used, remaining: after.remaining, resetMs: after.resetMs };
      });
    }),
  );
}

/** The outcome of a limit that could not be read: as if unused (only when the set is refused anyway). */
function untouched(spec: LimitSpec): LimitOutcome {
  const limit = redisCapacityOf(spec);
  return { allowed: true, limit, remaining: limit, used: 0, resetMs: 0, retryAfterMs: 0 };
}
