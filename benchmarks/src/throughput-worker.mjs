// Child process: times one subject on one key set (warm-up, then rounds) and prints one JSON
// line. Run alone so no other library's code shares its JIT state or heap.
import process from 'node:process';
import { makeKeys, SUBJECTS, timeAwaited, timeNatural } from './subjects.mjs';

const { subject: name, keys: keyCount, warmupMs, rounds, roundMs, batch } = JSON.parse(process.argv[2]);
const subject = SUBJECTS[name];
if (subject === undefined) throw new Error(`unknown subject ${name}`);

const keys = makeKeys(keyCount);
const { call, read, store } = await subject.create();
const time = subject.usage === 'awaited' ? timeAwaited : timeNatural;

// Warm-up: at least once round every key, so timed rounds see existing keys only.
const warm = await time(call, read, keys, warmupMs, keys.length, batch);
const out = [];
let admitted = warm.admitted;
let total = warm.ops;
for (let r = 0; r < rounds; r++) {
  const res = await time(call, read, keys, roundMs, 0, batch);
  out.push({ ops: res.ops, ms: res.ms, opsPerSec: (res.ops / res.ms) * 1000 });
  admitted += res.admitted;
  total += res.ops;
}
if (admitted !== total) throw new Error(`${name}: ${total - admitted} of ${total} operations were not admitted; the benchmark must never reach the limit`);
globalThis.__keepAlive = store;
process.stdout.write(`${JSON.stringify({ subject: name, keys: keyCount, warmupOps: warm.ops, rounds: out })}\n`);
// Timers of the measured libraries are unref'd or irrelevant now: leave without waiting for them.
process.exit(0);
