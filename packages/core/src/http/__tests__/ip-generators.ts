// Shared helpers and fast-check generators of the client-IP tests (ip-parse.test.ts,
// ip-rules.test.ts): address bytes, canonical forms, bit operations.
import fc from 'fast-check';
import { formatIp, parseIp, type ParsedIp } from '../ip.js';

// ---------------------------------------------------------------------------------------------
// Helpers and generators

export function groupsToBytes(groups: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

export function isMapped(bytes: Uint8Array): boolean {
  return bytes.length === 16 && bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
}

/** What parseIp must return for 16 bytes: IPv4 for mapped addresses, IPv6 otherwise. */
export function expectedFromV6(bytes: Uint8Array): ParsedIp {
  return isMapped(bytes) ? { version: 4, bytes: bytes.slice(12) } : { version: 6, bytes };
}

export function canon(input: string): string | undefined {
  const ip = parseIp(input);
  return ip && formatIp(ip);
}

export function getBit(bytes: Uint8Array, bit: number): number {
  return (bytes[bit >> 3]! >> (7 - (bit & 7))) & 1;
}

export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = bytes.slice();
  copy[bit >> 3] = copy[bit >> 3]! ^ (0x80 >> (bit & 7));
  return copy;
}

export function samePrefix(a: Uint8Array, b: Uint8Array, prefix: number): boolean {
  for (let i = 0; i < prefix; i++) if (getBit(a, i) !== getBit(b, i)) return false;
  return true;
}

/** A 16-bit group, zero often so that `::` compression is exercised. */
export const group = fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.integer({ min: 0, max: 0xffff }), weight: 4 });
export const v6Groups = fc.array(group, { minLength: 8, maxLength: 8 });
export const v6Bytes = fc.oneof(
  v6Groups.map(groupsToBytes),
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
  // Mapped addresses.
  fc.uint8Array({ minLength: 4, maxLength: 4 }).map((v4) => Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4])),
);
export const nonMappedV6Bytes = v6Bytes.filter((b) => !isMapped(b));
export const v4Bytes = fc.uint8Array({ minLength: 4, maxLength: 4 });

/**
 * Any RFC 4291 spelling of eight groups: random leading zeros, random case, any run of zero
 * groups (not only the longest) compressed, and sometimes the last 32 bits as a dotted quad.
 */
export const v6Text = fc
  .record({
    groups: v6Groups,
    pads: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 8, maxLength: 8 }),
    upper: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    embed: fc.boolean(),
    pick: fc.nat(),
  })
  .map(({ groups, pads, upper, embed, pick }) => {
    const parts = groups.map((g, i) => {
      const hex = g.toString(16).padStart(Math.min(4, Math.max(g.toString(16).length, pads[i]! + 1)), '0');
      return upper[i] ? hex.toUpperCase() : hex;
    });
    const last = embed ? 6 : 8; // groups that stay hex
    const runs: [number, number][] = [];
    for (let start = 0; start < last; start++) {
      for (let end = start; end < last && groups[end] === 0; end++) runs.push([start, end + 1]);
    }
    const words = embed ? [...parts.slice(0, 6), `${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`] : parts;
    const choice = pick % (runs.length + 1);
    let text = words.join(':');
    if (choice < runs.length) {
      const [start, end] = runs[choice]!;
      text = `${words.slice(0, start).join(':')}::${words.slice(end).join(':')}`;
    }
    return { text, bytes: groupsToBytes(groups) };
  });

// ---------------------------------------------------------------------------------------------

