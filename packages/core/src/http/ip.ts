// Client IP for rate limiting: trusted-proxy rules over X-Forwarded-For, IPv6 subnet keys, CIDR allow/block lists.
import { formatIp, isMappedV4, parseIp, parseIpLiteral, type ParsedIp } from './ip-parse.js';

export { formatIp, parseIp, type ParsedIp } from './ip-parse.js';

/** Zeroes every bit after the first `prefix` bits of `bytes`, in place. */
function maskBytes(bytes: Uint8Array, prefix: number): void {
  for (let i = 0; i < bytes.length; i++) {
    const keep = prefix - 8 * i;
    if (keep >= 8) continue;
    bytes[i] = keep <= 0 ? 0 : bytes[i]! & ((0xff << (8 - keep)) & 0xff);
  }
}

/**
 * The counting key of a client address. IPv4 gives its canonical dotted form. IPv6 gives the
 * network of its `/ipv6Subnet` prefix in RFC 5952 form with the prefix length, so that every
 * address of one customer's allocation (a /56 by default; a /64 is one LAN) shares a bucket.
 * `ipv6Subnet: false` (or 128) keys each IPv6 address on its own, without a suffix.
 * IPv4-mapped IPv6 counts as the IPv4 address. An unparseable address gives `undefined`.
 * Throws a `RangeError` when `ipv6Subnet` is neither `false` nor an integer from 1 to 128.
 *
 * @example
 * ```ts
 * ipKey('2001:db8:abcd:ab12::1'); // '2001:db8:abcd:ab00::/56'
 * ipKey('2001:db8:abcd:ab12::1', 64); // '2001:db8:abcd:ab12::/64'
 * ipKey('2001:db8::1', false); // '2001:db8::1'
 * ipKey('::ffff:192.0.2.1'); // '192.0.2.1'
 * ipKey('not an ip'); // undefined
 * ```
 */
export function ipKey(address: string, ipv6Subnet: number | false = 56): string | undefined {
  if (ipv6Subnet !== false && !(Number.isInteger(ipv6Subnet) && ipv6Subnet >= 1 && ipv6Subnet <= 128)) {
    throw new RangeError(`ipv6Subnet must be false or an integer from 1 to 128, got ${String(ipv6Subnet)}`);
  }
  const ip = parseIp(address);
  if (ip === undefined) return undefined;
  if (ip.version === 4 || ipv6Subnet === false || ipv6Subnet === 128) return formatIp(ip);
  maskBytes(ip.bytes, ipv6Subnet);
  return `${formatIp(ip)}/${ipv6Subnet}`;
}

/**
 * What `clientIp` needs from a request and the proxy configuration.
 *
 * @example
 * ```ts
 * const input: ClientIpInput = { remoteAddress: '10.0.0.2', forwardedFor: req.headers['x-forwarded-for'], trustedProxyCount: 1 };
 * ```
 */
export interface ClientIpInput {
  /** The peer address of the connection (the nearest hop). */
  remoteAddress?: string | undefined;
  /** `X-Forwarded-For`: one header value, or every value of the header in order. */
  forwardedFor?: string | readonly string[] | undefined;
  /** `true` trusts every hop; a number N trusts N hops (Express style); `false` trusts none. */
  trustProxy?: boolean | number | undefined;
  /** How many proxies in front of the app append to `X-Forwarded-For` (v3 option). */
  trustedProxyCount?: number | undefined;
}

const TRUST_ALL = -1;

function checkHops(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer (the number of proxies in front of the app), got ${String(value)}`);
  }
  return value;
}

/** Number of trusted hops in front of the app, or TRUST_ALL. */
function trustedHops(trustProxy: boolean | number | undefined, trustedProxyCount: number | undefined): number {
  if (trustProxy === false) return 0; // an explicit "no" wins over a count
  if (trustedProxyCount !== undefined) return checkHops(trustedProxyCount, 'trustedProxyCount');
  if (typeof trustProxy === 'number') return checkHops(trustProxy, 'trustProxy');
  return trustProxy === true ? TRUST_ALL : 0;
}

function canonical(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  const ip = parseIp(address);
  return ip === undefined ? undefined : formatIp(ip);
}

/**
 * The `n`-th non-empty `X-Forwarded-For` entry counted from the right (1 = the last), or the
 * leftmost entry when there are fewer, or undefined when there is none. Scans from the right
 * so that a long spoofed prefix costs nothing.
 */
function entryFromRight(forwardedFor: string | readonly string[], n: number): string | undefined {
  const single = typeof forwardedFor === 'string';
  const count = single ? 1 : forwardedFor.length;
  let seen = 0;
  let leftmost: string | undefined;
  for (let v = count - 1; v >= 0; v--) {
    const value: unknown = single ? forwardedFor : forwardedFor[v];
    if (typeof value !== 'string') continue;
    let end = value.length;
    for (;;) {
      const comma = end === 0 ? -1 : value.lastIndexOf(',', end - 1);
      const entry = value.slice(comma + 1, end).trim();
      if (entry !== '') {
        leftmost = entry;
        if (++seen === n) return entry;
      }
      if (comma < 0) break;
      end = comma;
    }
  }
  return leftmost;
}

/** The leftmost `X-Forwarded-For` entry that is an IP address, canonical, or undefined. */
function leftmostValid(forwardedFor: string | readonly string[]): string | undefined {
  const single = typeof forwardedFor === 'string';
  const count = single ? 1 : forwardedFor.length;
  for (let v = 0; v < count; v++) {
    const value: unknown = single ? forwardedFor : forwardedFor[v];
    if (typeof value !== 'string') continue;
    let start = 0;
    for (;;) {
      const comma = value.indexOf(',', start);
      const found = canonical(value.slice(start, comma < 0 ? value.length : comma));
      if (found !== undefined) return found;
      if (comma < 0) break;
      start = comma + 1;
    }
  }
  return undefined;
}

/**
 * The client address of a request under trusted-proxy rules, canonical (`formatIp`, with
 * IPv4-mapped IPv6 as IPv4), or `undefined` when nothing usable exists. Never returns text
 * that is not an IP address.
 *
 * The chain is the `X-Forwarded-For` entries in order (values joined, split on commas,
 * trimmed, empty entries dropped) followed by `remoteAddress`, hop 0, the nearest peer.
 * - Default (`trustProxy` false or absent, no `trustedProxyCount`): `remoteAddress`;
 *   `X-Forwarded-For` is ignored, so a spoofed header can never move a client to another
 *   bucket. An explicit `trustProxy: false` wins over a `trustedProxyCount`.
 * - `trustedProxyCount: N` (or `trustProxy: N`, Express style; the count wins if both are
 *   numbers): the entry N hops from the right; the leftmost entry if the chain is shorter;
 *   `remoteAddress` if the selected entry is not an IP address. N = 0 means `remoteAddress`.
 * - `trustProxy: true` without a count: the leftmost entry that is an IP address (anyone can
 *   forge it: use only when every path to the app goes through proxies that overwrite the
 *   header), else `remoteAddress`.
 *
 * A missing `remoteAddress` (a Unix socket) still counts as hop 0. Throws a `RangeError` when
 * a count is not a non-negative integer.
 *
 * @example
 * ```ts
 * // Behind one nginx that appends the peer it saw; the client tried to spoof 6.6.6.6:
 * clientIp({ remoteAddress: '10.0.0.2', forwardedFor: '6.6.6.6, 203.0.113.7', trustedProxyCount: 1 }); // '203.0.113.7'
 * // No proxy configured: the header is ignored.
 * clientIp({ remoteAddress: '::ffff:203.0.113.7', forwardedFor: '6.6.6.6' }); // '203.0.113.7'
 * ```
 */
export function clientIp(input: ClientIpInput): string | undefined {
  const { remoteAddress, forwardedFor, trustProxy, trustedProxyCount } = input;
  const hops = trustedHops(trustProxy, trustedProxyCount);
  if (hops === 0 || forwardedFor === undefined) return canonical(remoteAddress);
  if (hops === TRUST_ALL) return leftmostValid(forwardedFor) ?? canonical(remoteAddress);
  return canonical(entryFromRight(forwardedFor, hops)) ?? canonical(remoteAddress);
}

/**
 * A compiled IP allow/block list.
 *
 * @example
 * ```ts
 * const { list } = compileCidrList(['10.0.0.0/8', '2001:db8::/32']);
 * list.matches('10.1.2.3'); // true
 * list.size; // 2
 * ```
 */
export interface CidrList {
  /** Number of valid entries (duplicates included): `size + invalid.length === entries.length`. */
  readonly size: number;
  /** Whether the address is in the list; an unparseable address never is. */
  matches(ip: string | ParsedIp): boolean;
}

/** IPv4 networks grouped by prefix length (one set lookup per distinct length); IPv6 as masked words. */
class CompiledCidrList implements CidrList {
  constructor(
    readonly size: number,
    private readonly v4Masks: Uint32Array,
    private readonly v4Networks: readonly Set<number>[],
    /** Per IPv6 entry: four network words then four mask words. */
    private readonly v6: Uint32Array,
  ) {}

  matches(ip: string | ParsedIp): boolean {
    const parsed = typeof ip === 'string' ? parseIp(ip) : ip;
    if (parsed === undefined) return false;
    const b = parsed.bytes;
    if (parsed.version === 4 ? b.length === 4 : isMappedV4(b)) {
      const at = b.length - 4;
      const address = ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
      const masks = this.v4Masks;
      for (let i = 0; i < masks.length; i++) {
        if (this.v4Networks[i]!.has((address & masks[i]!) >>> 0)) return true;
      }
      return false;
    }
    if (parsed.version !== 6 || b.length !== 16) return false;
    const v6 = this.v6;
    const w0 = word(b, 0);
    const w1 = word(b, 4);
    const w2 = word(b, 8);
    const w3 = word(b, 12);
    for (let e = 0; e < v6.length; e += 8) {
      if (((w0 & v6[e + 4]!) >>> 0) !== v6[e] || ((w1 & v6[e + 5]!) >>> 0) !== v6[e + 1]) continue;
      if (((w2 & v6[e + 6]!) >>> 0) === v6[e + 2] && ((w3 & v6[e + 7]!) >>> 0) === v6[e + 3]) return true;
    }
    return false;
  }
}

function word(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function maskWord(prefix: number): number {
  if (prefix <= 0) return 0;
  if (prefix >= 32) return 0xffffffff;
  return (0xffffffff << (32 - prefix)) >>> 0;
}

/** A prefix length: ASCII digits without a leading zero, at most `max`; -1 if invalid. */
function parsePrefix(s: string, max: number): number {
  if (s.length === 0 || s.length > 3 || (s.length > 1 && s.charCodeAt(0) === 48)) return -1;
  let value = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    value = value * 10 + (c - 48);
  }
  return value <= max ? value : -1;
}

/** One entry as an IPv4 (`version` 4, 4 bytes) or IPv6 network with its prefix length. */
function parseEntry(entry: unknown): { ip: ParsedIp; prefix: number } | undefined {
  if (typeof entry !== 'string') return undefined;
  const text = entry.trim();
  const slash = text.indexOf('/');
  const ip = parseIpLiteral(slash < 0 ? text : text.slice(0, slash));
  if (ip === undefined) return undefined;
  const max = ip.version === 4 ? 32 : 128;
  const prefix = slash < 0 ? max : parsePrefix(text.slice(slash + 1), max);
  if (prefix < 0) return undefined;
  if (ip.version === 6 && prefix >= 96 && isMappedV4(ip.bytes)) {
    // Within ::ffff:0:0/96 an IPv6 network is an IPv4 network.
    return { ip: { version: 4, bytes: ip.bytes.slice(12, 16) }, prefix: prefix - 96 };
  }
  return { ip, prefix };
}

/**
 * Compiles an IP allow/block list. Each entry is an address (`192.0.2.1`, `2001:db8::1`) or a
 * CIDR network (`10.0.0.0/8`, `2001:db8::/32`); surrounding whitespace is ignored, host bits
 * after the prefix are ignored (`10.1.2.3/8` is `10.0.0.0/8`), and brackets, zone ids, ports
 * and prefix lengths with leading zeros are invalid. An IPv4-mapped entry
 * (`::ffff:10.0.0.0/104`) is the IPv4 network it maps (`10.0.0.0/8`). Invalid entries are
 * returned, never thrown, so that a config validator can report them.
 *
 * Matching: an IPv4 client (or IPv4-mapped IPv6 client) matches IPv4 entries only; an IPv6
 * client matches IPv6 entries only. So `::/0` matches every IPv6 client but no IPv4 client;
 * list `0.0.0.0/0` too to match everyone.
 *
 * @example
 * ```ts
 * const { list, invalid } = compileCidrList(['10.0.0.0/8', '::ffff:192.0.2.1', '2001:db8::/32', 'localhost']);
 * invalid; // ['localhost']
 * list.matches('::ffff:10.9.8.7'); // true
 * list.matches('192.0.2.1'); // true
 * list.matches('2001:db8:1::5'); // true
 * list.matches('2001:db9::'); // false
 * ```
 */
export function compileCidrList(entries: readonly string[]): { list: CidrList; invalid: string[] } {
  const invalid: string[] = [];
  const v4 = new Map<number, Set<number>>();
  const v6: number[] = [];
  let size = 0;
  for (const entry of entries) {
    const parsed = parseEntry(entry);
    if (parsed === undefined) {
      invalid.push(typeof entry === 'string' ? entry : String(entry));
      continue;
    }
    size++;
    const { ip, prefix } = parsed;
    if (ip.version === 4) {
      let networks = v4.get(prefix);
      if (networks === undefined) v4.set(prefix, (networks = new Set()));
      networks.add((word(ip.bytes, 0) & maskWord(prefix)) >>> 0);
    } else {
      const masks = [maskWord(prefix), maskWord(prefix - 32), maskWord(prefix - 64), maskWord(prefix - 96)];
      for (let k = 0; k < 4; k++) v6.push((word(ip.bytes, 4 * k) & masks[k]!) >>> 0);
      v6.push(...masks);
    }
  }
  // Longest prefixes first: single addresses, the commonest entries, are looked up first.
  const lengths = [...v4.keys()].sort((a, b) => b - a);
  const list = new CompiledCidrList(
    size,
    Uint32Array.from(lengths, maskWord),
    lengths.map((length) => v4.get(length)!),
    Uint32Array.from(v6),
  );
  return { list, invalid };
}
