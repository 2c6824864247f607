// Redis Cluster hash slots, computed on the client exactly as the server does (CRC16-XMODEM
// of the key's hash tag, or of the whole key, modulo 16384), to group a request's keys by slot.

const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i << 8;
  for (let j = 0; j < 8; j++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  TABLE[i] = crc;
}

/** Number of hash slots of a Redis Cluster. */
export const SLOTS = 16384;

const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }

/**
 * The hash slot of a key (its bytes: a string is taken as UTF-8). Like Redis: when the key
 * has a `{` followed later by a `}` with at least one byte between them, only the bytes
 * between the first `{` and the first `}` after it are hashed.
 */
export function keySlot(key: string | Buffer): number {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  let start = 0;
  let end = bytes.length;
  const open = bytes.indexOf(OPEN);
  if (open >= 0) {
    const close = bytes.indexOf(CLOSE, open + 1);
    if (close > open + 1) {
      start = open + 1;
      end = close;
    }
  }
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ bytes[i]!) & 0xff]!;
  return crc % SLOTS;
}

/** The limits of one request that live in one slot: their indexes, in the order given. */
export interface SlotGroup {
  slot: number;
  indexes: number[];
}

/**
 * Groups keys (as sent, before the client's own ioredis `keyPrefix`) by slot, in ascending
 * slot order: the fixed order in which a cross-slot request visits them.
 */
export function groupBySlot(keys: readonly (string | Buffer)[], clientPrefix: string): SlotGroup[] {
  const bySlot = new Map<number, SlotGroup>();
  const pre = clientPrefix === '' ? undefined : Buffer.from(clientPrefix, 'utf8');
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const full = pre === undefined ? key : Buffer.concat([pre, typeof key === 'string' ? Buffer.from(key, 'utf8') : key]);
    const slot = keySlot(full);
    const group = bySlot.get(slot);
    if (group === undefined) bySlot.set(slot, { slot, indexes: [i] });
    else group.indexes.push(i);
  }
  return [...bySlot.values()].sort((a, b) => a.slot - b.slot);
}
