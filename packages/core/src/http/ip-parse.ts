// IP address text: strict parsing of IPv4 and every RFC 4291 IPv6 form, RFC 5952 formatting.

/**
 * An IP address as bytes: 4 for IPv4, 16 for IPv6 (network order).
 *
 * @example
 * ```ts
 * const ip: ParsedIp = { version: 4, bytes: new Uint8Array([192, 0, 2, 1]) };
 * formatIp(ip); // '192.0.2.1'
 * ```
 */
export interface ParsedIp {
  version: 4 | 6;
  bytes: Uint8Array;
}

/**
 * Longest input `parseIp` looks at. The longest address it accepts, a bracketed IPv6 with an
 * embedded IPv4, a zone id and a port, fits well inside; anything longer is refused before
 * any parsing, so a hostile header costs nothing.
 */
const MAX_INPUT_LENGTH = 100;

const COLON = 58;
const DOT = 46;
const PERCENT = 37;

/** Scratch space for the eight 16-bit groups of an IPv6 address (parsing never re-enters). */
const groups = new Uint16Array(8);
/** Scratch space for an IPv4 address embedded at the end of an IPv6 address. */
const embedded = new Uint8Array(4);

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  if (c >= 97 && c <= 102) return c - 87; // a-f
  if (c >= 65 && c <= 70) return c - 55; // A-F
  return -1;
}

/**
 * Strict dotted quad in `s[start, end)`: exactly four ASCII decimal octets 0-255. A leading
 * zero (`01`) is refused: some stacks read it as octal, so its meaning is ambiguous.
 */
function parseV4(s: string, start: number, end: number, out: Uint8Array): boolean {
  let octet = 0;
  let digits = 0;
  let parts = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 1 && octet === 0) return false;
      octet = octet * 10 + (c - 48);
      if (octet > 255) return false;
      digits++;
    } else if (c === DOT) {
      if (digits === 0 || parts === 3) return false;
      out[parts++] = octet;
      octet = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  if (digits === 0 || parts !== 3) return false;
  out[3] = octet;
  return true;
}

/** Any RFC 4291 text form in `s[start, end)` (no zone, no brackets) into 16 bytes. */
function parseV6(s: string, start: number, end: number, out: Uint8Array): boolean {
  if (end - start < 2) return false;
  let n = 0; // groups read
  let gap = -1; // number of groups before `::`, or -1 if there is none
  let i = start;
  if (s.charCodeAt(i) === COLON) {
    if (s.charCodeAt(i + 1) !== COLON) return false;
    gap = 0;
    i += 2;
    if (i === end) {
      out.fill(0);
      return true;
    }
  }
  for (;;) {
    if (n === 8) return false;
    let value = 0;
    let j = i;
    while (j < end && j - i < 5) {
      const h = hexValue(s.charCodeAt(j));
      if (h < 0) break;
      value = value * 16 + h;
      j++;
    }
    if (j < end && s.charCodeAt(j) === DOT) {
      // An embedded IPv4 address: the rest of the text, worth two groups.
      if (n > 6 || !parseV4(s, i, end, embedded)) return false;
      groups[n++] = (embedded[0]! << 8) | embedded[1]!;
      groups[n++] = (embedded[2]! << 8) | embedded[3]!;
      break;
    }
    if (j === i || j - i > 4) return false;
    groups[n++] = value;
    if (j === end) break;
    if (s.charCodeAt(j) !== COLON) return false;
    j++;
    if (j === end) return false; // a single trailing colon
    if (s.charCodeAt(j) === COLON) {
      if (gap >= 0) return false; // a second `::`
      gap = n;
      j++;
      if (j === end) break;
    }
    i = j;
  }
  if (gap < 0 ? n !== 8 : n > 7) return false;
  out.fill(0);
  const tail = gap < 0 ? 0 : n - gap;
  const head = n - tail;
  for (let k = 0; k < head; k++) {
    out[2 * k] = groups[k]! >> 8;
    out[2 * k + 1] = groups[k]! & 0xff;
  }
  for (let k = 0; k < tail; k++) {
    const at = 2 * (8 - tail + k);
    out[at] = groups[head + k]! >> 8;
    out[at + 1] = groups[head + k]! & 0xff;
  }
  return true;
}

/** IPv6 with an optional zone id (`%eth0`, dropped) in `s[start, end)`. */
function parseV6Zoned(s: string, start: number, end: number, out: Uint8Array): boolean {
  const percent = s.indexOf('%', start);
  if (percent < 0 || percent >= end) return parseV6(s, start, end, out);
  if (percent + 1 === end) return false;
  for (let i = percent + 1; i < end; i++) {
    const c = s.charCodeAt(i);
    // RFC 6874 zone ids: unreserved characters (and `%`, for the URI form `%25eth0`).
    const ok =
      (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === DOT || c === 95 || c === 126 || c === PERCENT;
    if (!ok) return false;
  }
  return parseV6(s, start, percent, out);
}

/** A port after the colon in `s[start, end)`: 1-5 ASCII digits, at most 65535. */
function isPort(s: string, start: number, end: number): boolean {
  if (end <= start || end - start > 5) return false;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
    value = value * 10 + (c - 48);
  }
  return value <= 65535;
}

/**
 * True when 16 bytes are an IPv4-mapped IPv6 address (`::ffff:0:0/96`).
 *
 * @example
 * ```ts
 * isMappedV4(parseIpLiteral('::ffff:192.0.2.1')!.bytes); // true
 * ```
 */
export function isMappedV4(bytes: Uint8Array): boolean {
  if (bytes.length !== 16 || bytes[10] !== 0xff || bytes[11] !== 0xff) return false;
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * A bare address literal, as written in an allow/block list: IPv4 or IPv6, no whitespace,
 * brackets, zone id or port, and IPv4-mapped IPv6 left as IPv6 (the caller decides what a
 * prefix length on it means). Internal to the http layer.
 *
 * @example
 * ```ts
 * parseIpLiteral('::ffff:10.0.0.1')?.version; // 6
 * parseIpLiteral('[::1]'); // undefined
 * ```
 */
export function parseIpLiteral(text: string): ParsedIp | undefined {
  const n = text.length;
  if (n === 0 || n > MAX_INPUT_LENGTH) return undefined;
  if (text.indexOf(':') < 0) {
    const bytes = new Uint8Array(4);
    return parseV4(text, 0, n, bytes) ? { version: 4, bytes } : undefined;
  }
  const bytes = new Uint8Array(16);
  return parseV6(text, 0, n, bytes) ? { version: 6, bytes } : undefined;
}

/**
 * Parses a client address as found in `remoteAddress` or an `X-Forwarded-For` entry.
 *
 * Accepts a strict IPv4 dotted quad (four decimal octets 0-255 without leading zeros, which
 * some stacks read as octal) and IPv6 in any RFC 4291 form (`::`, embedded IPv4, any case),
 * with an optional zone id (`fe80::1%eth0`, dropped), optional brackets (`[::1]`) and an
 * optional port (`192.0.2.1:8080`, `[2001:db8::1]:443`). An IPv6 address with a port must be
 * bracketed: `2001:db8::1:443` is an address, not an address and a port. Surrounding
 * whitespace is trimmed. IPv4-mapped IPv6 (`::ffff:192.0.2.1`) is returned as IPv4.
 * Anything else, including every input longer than 100 characters, gives `undefined`.
 *
 * @example
 * ```ts
 * parseIp('192.0.2.1:8080'); // { version: 4, bytes: Uint8Array [192, 0, 2, 1] }
 * parseIp('[::ffff:c000:201]'); // { version: 4, bytes: Uint8Array [192, 0, 2, 1] }
 * parseIp('2001:DB8::1'); // { version: 6, bytes: Uint8Array [32, 1, 13, 184, 0, ..., 1] }
 * parseIp('unknown'); // undefined
 * ```
 */
export function parseIp(input: string): ParsedIp | undefined {
  if (typeof input !== 'string' || input.length > MAX_INPUT_LENGTH) return undefined;
  const s = input.trim();
  const n = s.length;
  if (n === 0) return undefined;
  if (s.charCodeAt(0) === 91 /* [ */) {
    const close = s.indexOf(']');
    if (close < 0) return undefined;
    if (close + 1 !== n && !(s.charCodeAt(close + 1) === COLON && isPort(s, close + 2, n))) return undefined;
    const bytes = new Uint8Array(16);
    return parseV6Zoned(s, 1, close, bytes) ? fromV6(bytes) : undefined;
  }
  const colon = s.indexOf(':');
  if (colon < 0 || s.indexOf(':', colon + 1) < 0) {
    // No colon: IPv4. One colon: IPv4 and a port (an IPv6 address has at least two).
    const end = colon < 0 ? n : colon;
    if (colon >= 0 && !isPort(s, colon + 1, n)) return undefined;
    const bytes = new Uint8Array(4);
    return parseV4(s, 0, end, bytes) ? { version: 4, bytes } : undefined;
  }
  const bytes = new Uint8Array(16);
  return parseV6Zoned(s, 0, n, bytes) ? fromV6(bytes) : undefined;
}

function fromV6(bytes: Uint8Array): ParsedIp {
  return isMappedV4(bytes) ? { version: 4, bytes: bytes.slice(12, 16) } : { version: 6, bytes };
}

/**
 * Formats an address: IPv4 in dotted decimal, IPv6 in RFC 5952 canonical form (lowercase, no
 * leading zeros, the longest run of two or more zero groups, the first on ties, as `::`).
 * IPv4-mapped IPv6 bytes are written `::ffff:a.b.c.d` (RFC 5952 section 5). Throws a
 * `RangeError` when the byte count does not match the version.
 *
 * @example
 * ```ts
 * formatIp(parseIp('2001:0DB8:0:0:1:0:0:1')!); // '2001:db8::1:0:0:1'
 * formatIp({ version: 4, bytes: new Uint8Array([10, 0, 0, 1]) }); // '10.0.0.1'
 * ```
 */
export function formatIp(ip: ParsedIp): string {
  const b = ip.bytes;
  if (ip.version === 4 && b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (ip.version !== 6 || b.length !== 16) {
    throw new RangeError(`formatIp: expected IPv4 with 4 bytes or IPv6 with 16 bytes, got version ${String(ip.version)} with ${b.length} bytes`);
  }
  if (isMappedV4(b)) return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  let bestStart = -1;
  let bestLength = 1; // a run must be longer than this to be compressed
  let runStart = -1;
  for (let g = 0; g < 8; g++) {
    if (b[2 * g] === 0 && b[2 * g + 1] === 0) {
      if (runStart < 0) runStart = g;
      if (g - runStart + 1 > bestLength) {
        bestStart = runStart;
        bestLength = g - runStart + 1;
      }
    } else {
      runStart = -1;
    }
  }
  let out = '';
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      out += '::';
      g += bestLength - 1;
      continue;
    }
    if (out !== '' && !out.endsWith(':')) out += ':';
    out += ((b[2 * g]! << 8) | b[2 * g + 1]!).toString(16);
  }
  return out;
}
