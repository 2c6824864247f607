// Client-IP layer: address parsing and RFC 5952 formatting, subnet keys, trusted-proxy rules, CIDR lists.
import { isIP, isIPv4 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientIp, compileCidrList, formatIp, ipKey, parseIp, type ParsedIp } from './ip.js';

// ---------------------------------------------------------------------------------------------
// Helpers and generators

function groupsToBytes(groups: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

function isMapped(bytes: Uint8Array): boolean {
  return bytes.length === 16 && bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
}

/** What parseIp must return for 16 bytes: IPv4 for mapped addresses, IPv6 otherwise. */
function expectedFromV6(bytes: Uint8Array): ParsedIp {
  return isMapped(bytes) ? { version: 4, bytes: bytes.slice(12) } : { version: 6, bytes };
}

function canon(input: string): string | undefined {
  const ip = parseIp(input);
  return ip && formatIp(ip);
}

function getBit(bytes: Uint8Array, bit: number): number {
  return (bytes[bit >> 3]! >> (7 - (bit & 7))) & 1;
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = bytes.slice();
  copy[bit >> 3] = copy[bit >> 3]! ^ (0x80 >> (bit & 7));
  return copy;
}

function samePrefix(a: Uint8Array, b: Uint8Array, prefix: number): boolean {
  for (let i = 0; i < prefix; i++) if (getBit(a, i) !== getBit(b, i)) return false;
  return true;
}

/** A 16-bit group, zero often so that `::` compression is exercised. */
const group = fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.integer({ min: 0, max: 0xffff }), weight: 4 });
const v6Groups = fc.array(group, { minLength: 8, maxLength: 8 });
const v6Bytes = fc.oneof(
  v6Groups.map(groupsToBytes),
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
  // Mapped addresses.
  fc.uint8Array({ minLength: 4, maxLength: 4 }).map((v4) => Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4])),
);
const nonMappedV6Bytes = v6Bytes.filter((b) => !isMapped(b));
const v4Bytes = fc.uint8Array({ minLength: 4, maxLength: 4 });

/**
 * Any RFC 4291 spelling of eight groups: random leading zeros, random case, any run of zero
 * groups (not only the longest) compressed, and sometimes the last 32 bits as a dotted quad.
 */
const v6Text = fc
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

describe('parseIp', () => {
  it.each([
    // IPv4
    ['0.0.0.0', 4, '0.0.0.0'],
    ['255.255.255.255', 4, '255.255.255.255'],
    ['192.0.2.1', 4, '192.0.2.1'],
    ['10.0.0.10', 4, '10.0.0.10'],
    [' 192.0.2.1 ', 4, '192.0.2.1'],
    ['\t192.0.2.1\r\n', 4, '192.0.2.1'],
    ['192.0.2.1:8080', 4, '192.0.2.1'],
    ['192.0.2.1:0', 4, '192.0.2.1'],
    ['192.0.2.1:65535', 4, '192.0.2.1'],
    // IPv6, every RFC 4291 form
    ['::', 6, '::'],
    ['::1', 6, '::1'],
    ['1::', 6, '1::'],
    ['2001:DB8::1', 6, '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', 6, '2001:db8::1'],
    ['1:2:3:4:5:6:7:8', 6, '1:2:3:4:5:6:7:8'],
    ['1:2:3:4:5:6:7::', 6, '1:2:3:4:5:6:7:0'],
    ['::2:3:4:5:6:7:8', 6, '0:2:3:4:5:6:7:8'],
    ['1:2:3::6:7:8', 6, '1:2:3::6:7:8'],
    ['ABCD:EF01:2345:6789:ABCD:EF01:2345:6789', 6, 'abcd:ef01:2345:6789:abcd:ef01:2345:6789'],
    ['1:2:3:4:5:6:1.2.3.4', 6, '1:2:3:4:5:6:102:304'],
    ['::192.0.2.1', 6, '::c000:201'], // IPv4-compatible (deprecated) is not mapped: stays IPv6
    ['64:ff9b::192.0.2.33', 6, '64:ff9b::c000:221'], // NAT64 stays IPv6
    // zones, brackets, ports
    ['fe80::1%eth0', 6, 'fe80::1'],
    ['fe80::1%25', 6, 'fe80::1'],
    ['fe80::1%en0.100_x~y-z', 6, 'fe80::1'],
    ['[::1]', 6, '::1'],
    ['[2001:db8::1]:443', 6, '2001:db8::1'],
    ['[fe80::1%eth0]:443', 6, 'fe80::1'],
    ['[fe80::1%25en0]', 6, 'fe80::1'],
    [' [2001:db8::1]:443 ', 6, '2001:db8::1'],
    // IPv4-mapped IPv6 is IPv4
    ['::ffff:192.0.2.1', 4, '192.0.2.1'],
    ['::FFFF:c000:0201', 4, '192.0.2.1'],
    ['0:0:0:0:0:ffff:192.0.2.1', 4, '192.0.2.1'],
    ['[::ffff:192.0.2.1]:80', 4, '192.0.2.1'],
    ['::ffff:0:0', 4, '0.0.0.0'],
    ['::ffff:7f00:1%lo', 4, '127.0.0.1'],
  ] as const)('%j -> IPv%i %j', (input, version, formatted) => {
    const ip = parseIp(input);
    expect(ip?.version).toBe(version);
    expect(ip?.bytes.length).toBe(version === 4 ? 4 : 16);
    expect(formatIp(ip!)).toBe(formatted);
  });

  it('returns the bytes in network order', () => {
    expect(parseIp('192.0.2.1')).toEqual({ version: 4, bytes: Uint8Array.from([192, 0, 2, 1]) });
    expect(parseIp('2001:db8::ff00:42:8329')).toEqual({
      version: 6,
      bytes: Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0x00, 0x00, 0x42, 0x83, 0x29]),
    });
  });

  it.each([
    '',
    '   ',
    'localhost',
    'example.com',
    'unknown',
    '_hidden',
    'null',
    // IPv4 shapes that are not a strict dotted quad
    '1.2.3',
    '256.1.1.1',
    '1.2.3.256',
    '1.2.3.4.5',
    '01.2.3.4',
    '1.2.3.04',
    '1.2.3.00',
    '0x7f.0.0.1',
    '127.1',
    '2130706433',
    '+1.2.3.4',
    '1.2.3.-1',
    '1.2.3.4.',
    '.1.2.3.4',
    '1..2.3',
    '1.2.3.4/24',
    '1.2.3.4 5.6.7.8',
    '1.2.3.4,5.6.7.8',
    '1.2.3.4%eth0',
    '1.2.3.4\u0000',
    // ports
    '1.2.3.4:',
    '1.2.3.4:65536',
    '1.2.3.4:123456',
    '1.2.3.4:abc',
    '1.2.3.4:-1',
    '1.2.3.4: 80',
    'localhost:80',
    // IPv6 shapes
    '::1::',
    ':::',
    '1:::2',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7:8::',
    '::1:2:3:4:5:6:7:8',
    '1:2:3:4:5:6:7',
    ':1::',
    ':1:2:3:4:5:6:7:8',
    '1::2:',
    '1:2:3:4:5:6:7:8:',
    '12345::',
    'g::1',
    '::ffff:1.2.3',
    '::ffff:256.1.1.1',
    '::ffff:01.2.3.4',
    '1.2.3.4::',
    '::1.2.3.4:5',
    '::1.2.3.4.5',
    '1:2:3:4:5:6:7:1.2.3.4',
    '1:2:3:4:5:6:7:8:1.2.3.4',
    ':',
    ':: 1',
    // brackets and zones
    '[::1',
    '::1]',
    '[]',
    '[1.2.3.4]',
    '[1.2.3.4]:80',
    '[::1]:',
    '[::1]x',
    '[::1]:99999',
    '[::1]:8o',
    '[[::1]]',
    'fe80::1%',
    '[fe80::1%]',
    'fe80::1%eth 0',
    'fe80::1%eth/0',
    // non-ASCII digits and letters
    '١.٢.٣.٤',
    '１.2.3.4',
    '1.2.3.４',
    '::１',
    '::ｆ',
    '2001:db8::ǅ',
    // too long, before any parsing
    'x'.repeat(10 * 1024),
    '1'.repeat(10 * 1024),
    ':'.repeat(10 * 1024),
    `${' '.repeat(200)}1.2.3.4`,
  ])('refuses %j', (input) => {
    expect(parseIp(input)).toBeUndefined();
  });

  it('refuses values that are not strings', () => {
    for (const value of [undefined, null, 42, {}, ['1.2.3.4']]) expect(parseIp(value as unknown as string)).toBeUndefined();
  });

  it('reads every RFC 4291 spelling of an address (any case, leading zeros, any zero run compressed, embedded IPv4)', () => {
    fc.assert(
      fc.property(v6Text, ({ text, bytes }) => {
        expect(parseIp(text)).toEqual(expectedFromV6(bytes));
        expect(parseIp(`[${text}]:443`)).toEqual(expectedFromV6(bytes));
        expect(parseIp(`${text}%eth0`)).toEqual(expectedFromV6(bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with node:net on which bare strings are addresses', () => {
    const token = fc.constantFrom(':', '::', '.', '0', '1', '9', '00', '01', '255', '256', 'ff', 'FFFF', 'abcd', '12345', 'g', '1.2.3.4');
    const port = /^:(\d{1,5})$/;
    fc.assert(
      fc.property(fc.array(token, { maxLength: 16 }), (tokens) => {
        const s = tokens.join('');
        const colon = s.indexOf(':');
        let expected = isIP(s) !== 0;
        if (colon >= 0 && s.indexOf(':', colon + 1) < 0) {
          const m = port.exec(s.slice(colon));
          expected = isIPv4(s.slice(0, colon)) && m !== null && Number(m[1]) <= 65535;
        }
        expect(parseIp(s) !== undefined).toBe(expected);
      }),
      { numRuns: 5000 },
    );
  });

  it('never throws, and what it accepts formats to text that parses back to the same address', () => {
    const chars = fc.constantFrom(...'0123456789abcdefABCDEF:.[]%/ ,x\u0000١'.split(''));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: chars, maxLength: 48 })), (s) => {
        const ip = parseIp(s);
        if (ip === undefined) return;
        expect(parseIp(formatIp(ip))).toEqual(ip);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('formatIp', () => {
  it.each([
    // RFC 5952 section 4 and its examples
    ['2001:0db8::0001', '2001:db8::1'],
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of equal runs
    ['2001:DB8::AAAA', '2001:db8::aaaa'],
    ['2001:db8::0:1', '2001:db8::1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['1:0:0:0:2:0:0:0', '1::2:0:0:0'],
    ['0:1:0:1:0:1:0:1', '0:1:0:1:0:1:0:1'],
    ['0:0:1:0:0:0:0:1', '0:0:1::1'],
    ['fe80:0:0:0:0:0:0:1', 'fe80::1'],
    ['ff02::0001:0002', 'ff02::1:2'],
    ['0000:0000:0000:0000:0000:0000:0000:0010', '::10'],
  ])('%j -> %j', (input, output) => {
    expect(canon(input)).toBe(output);
  });

  it('writes IPv4-mapped IPv6 bytes as ::ffff:a.b.c.d (RFC 5952 section 5)', () => {
    expect(formatIp({ version: 6, bytes: Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1]) })).toBe('::ffff:192.0.2.1');
  });

  it('throws a RangeError when the byte count does not match the version', () => {
    expect(() => formatIp({ version: 4, bytes: new Uint8Array(16) })).toThrow(RangeError);
    expect(() => formatIp({ version: 6, bytes: new Uint8Array(4) })).toThrow(RangeError);
    expect(() => formatIp({ version: 5 as 4, bytes: new Uint8Array(4) })).toThrow(RangeError);
  });

  it('round-trips any 16 bytes through text (mapped addresses come back as IPv4)', () => {
    fc.assert(
      fc.property(v6Bytes, (bytes) => {
        const text = formatIp({ version: 6, bytes });
        expect(parseIp(text)).toEqual(expectedFromV6(bytes));
        expect(isIP(text)).toBe(6);
      }),
      { numRuns: 5000 },
    );
  });

  it('round-trips any 4 bytes through text', () => {
    fc.assert(
      fc.property(v4Bytes, (bytes) => {
        const text = formatIp({ version: 4, bytes });
        expect(isIP(text)).toBe(4);
        expect(parseIp(text)).toEqual({ version: 4, bytes });
        expect(parseIp(`::ffff:${text}`)).toEqual({ version: 4, bytes });
      }),
      { numRuns: 2000 },
    );
  });

  it('writes the same canonical text as the WHATWG URL serialiser (which follows RFC 5952 compression)', () => {
    fc.assert(
      fc.property(nonMappedV6Bytes, (bytes) => {
        const text = formatIp({ version: 6, bytes });
        expect(`[${text}]`).toBe(new URL(`http://[${text}]/`).hostname);
        expect(text).toBe(text.toLowerCase());
        expect(text.split('::').length).toBeLessThanOrEqual(2);
        expect(text).not.toMatch(/(^|:)0[0-9a-f]/);
      }),
      { numRuns: 3000 },
    );
  });

  it('gives every spelling of an address the same canonical text', () => {
    fc.assert(
      fc.property(v6Text, ({ text, bytes }) => {
        expect(canon(text)).toBe(formatIp(expectedFromV6(bytes)));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('ipKey', () => {
  it.each([
    ['192.0.2.1', undefined, '192.0.2.1'],
    [' 192.0.2.1:443 ', undefined, '192.0.2.1'],
    ['::ffff:192.0.2.1', undefined, '192.0.2.1'],
    ['[::ffff:c000:201]:80', 64, '192.0.2.1'],
    ['192.0.2.1', false, '192.0.2.1'],
    ['2001:db8:abcd:ab12:1:2:3:4', undefined, '2001:db8:abcd:ab00::/56'],
    ['2001:db8:abcd:ab12:1:2:3:4', 56, '2001:db8:abcd:ab00::/56'],
    ['2001:db8:abcd:abff:ffff:ffff:ffff:ffff', 56, '2001:db8:abcd:ab00::/56'],
    ['2001:db8:abcd:ac00::1', 56, '2001:db8:abcd:ac00::/56'],
    ['2001:db8:abcd:ab12:1:2:3:4', 64, '2001:db8:abcd:ab12::/64'],
    ['2001:db8:abcd:ab12:1:2:3:4', 48, '2001:db8:abcd::/48'],
    ['2001:db8:abcd:abff::', 57, '2001:db8:abcd:ab80::/57'],
    ['2001:db8:abcd:ab7f::', 57, '2001:db8:abcd:ab00::/57'],
    ['2001:db8::1', 1, '::/1'],
    ['ffff::1', 1, '8000::/1'],
    ['2001:db8::3', 127, '2001:db8::2/127'],
    ['2001:DB8::1', 128, '2001:db8::1'],
    ['2001:db8::1', false, '2001:db8::1'],
    ['[fe80::1%eth0]:443', false, 'fe80::1'],
    ['fe80::1234:5678:9abc:def0%eth0', 64, 'fe80::/64'],
    ['::', 56, '::/56'],
  ] as const)('ipKey(%j, %j) -> %j', (address, subnet, key) => {
    expect(ipKey(address, subnet)).toBe(key);
  });

  it.each(['', 'unknown', '1.2.3', 'x'.repeat(10 * 1024), '2001:db8::1::'])('gives undefined for %j', (address) => {
    expect(ipKey(address)).toBeUndefined();
    expect(ipKey(address, false)).toBeUndefined();
  });

  it.each([0, 129, -1, 56.5, Number.NaN, Number.POSITIVE_INFINITY, true, '56'])('throws a RangeError for ipv6Subnet %j', (subnet) => {
    expect(() => ipKey('2001:db8::1', subnet as number)).toThrow(RangeError);
    expect(() => ipKey('192.0.2.1', subnet as number)).toThrow(RangeError);
  });

  it('puts two IPv6 addresses in one bucket exactly when their first `subnet` bits agree', () => {
    fc.assert(
      fc.property(nonMappedV6Bytes, fc.integer({ min: 1, max: 127 }), fc.integer({ min: 0, max: 127 }), (bytes, subnet, bit) => {
        const other = flipBit(bytes, bit);
        fc.pre(!isMapped(other));
        const a = ipKey(formatIp({ version: 6, bytes }), subnet);
        const b = ipKey(formatIp({ version: 6, bytes: other }), subnet);
        expect(a === b).toBe(bit >= subnet);
        expect(a!.endsWith(`/${subnet}`)).toBe(true);
        // The key is the network: it parses back to the masked address.
        const network = parseIp(a!.slice(0, a!.lastIndexOf('/')))!;
        expect(samePrefix(network.bytes, bytes, subnet)).toBe(true);
        const hostBits = Array.from({ length: 128 - subnet }, (_, k) => getBit(network.bytes, subnet + k));
        expect(hostBits.every((bit) => bit === 0)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('clientIp', () => {
  const client = '203.0.113.7';
  const nginx = '10.0.0.2';

  it.each([
    // Default: X-Forwarded-For is ignored.
    ['no proxy trusted: the header is ignored', { remoteAddress: client, forwardedFor: '6.6.6.6' }, client],
    ['no proxy trusted, array header', { remoteAddress: client, forwardedFor: ['6.6.6.6', '7.7.7.7'] }, client],
    ['trustProxy false', { remoteAddress: client, forwardedFor: '6.6.6.6', trustProxy: false }, client],
    ['trustProxy false wins over a count', { remoteAddress: nginx, forwardedFor: client, trustProxy: false, trustedProxyCount: 1 }, nginx],
    ['trustProxy 0', { remoteAddress: client, forwardedFor: '6.6.6.6', trustProxy: 0 }, client],
    ['trustedProxyCount 0', { remoteAddress: client, forwardedFor: '6.6.6.6', trustedProxyCount: 0 }, client],
    ['remote IPv4-mapped is IPv4', { remoteAddress: '::ffff:203.0.113.7' }, client],
    ['remote IPv6 is canonical', { remoteAddress: '2001:DB8:0::1' }, '2001:db8::1'],
    ['no remote address, nothing trusted', { forwardedFor: '6.6.6.6' }, undefined],
    ['garbage remote address', { remoteAddress: 'unix:/tmp/sock' }, undefined],
    ['nothing at all', {}, undefined],
    // A count of trusted proxies.
    ['1 proxy: the spoofed entry is skipped', { remoteAddress: nginx, forwardedFor: `6.6.6.6, ${client}`, trustedProxyCount: 1 }, client],
    ['1 proxy: one entry', { remoteAddress: nginx, forwardedFor: client, trustedProxyCount: 1 }, client],
    ['1 proxy, Express style trustProxy: 1', { remoteAddress: nginx, forwardedFor: `6.6.6.6, ${client}`, trustProxy: 1 }, client],
    ['1 proxy with trustProxy true (v3 style)', { remoteAddress: nginx, forwardedFor: `6.6.6.6, ${client}`, trustProxy: true, trustedProxyCount: 1 }, client],
    ['the count wins over trustProxy as a number', { remoteAddress: nginx, forwardedFor: `6.6.6.6, ${client}`, trustProxy: 2, trustedProxyCount: 1 }, client],
    ['2 proxies', { remoteAddress: nginx, forwardedFor: `6.6.6.6, ${client}, 10.0.0.5`, trustedProxyCount: 2 }, client],
    ['2 proxies, chain one short: the leftmost entry', { remoteAddress: nginx, forwardedFor: client, trustedProxyCount: 2 }, client],
    ['3 proxies, chain two short', { remoteAddress: nginx, forwardedFor: client, trustedProxyCount: 3 }, client],
    ['1 proxy, no header: remote address', { remoteAddress: nginx, trustedProxyCount: 1 }, nginx],
    ['1 proxy, empty header', { remoteAddress: nginx, forwardedFor: '', trustedProxyCount: 1 }, nginx],
    ['1 proxy, only empty entries', { remoteAddress: nginx, forwardedFor: ' , ,,', trustedProxyCount: 1 }, nginx],
    ['empty entries are not hops', { remoteAddress: nginx, forwardedFor: `6.6.6.6,, ${client} , ,`, trustedProxyCount: 1 }, client],
    ['selected entry is garbage: remote address', { remoteAddress: nginx, forwardedFor: `${client}, unknown`, trustedProxyCount: 1 }, nginx],
    ['selected entry is a hostname: remote address', { remoteAddress: nginx, forwardedFor: 'evil.example', trustedProxyCount: 1 }, nginx],
    ['short chain, garbage leftmost: remote address', { remoteAddress: nginx, forwardedFor: 'garbage', trustedProxyCount: 3 }, nginx],
    ['selected entry is huge: remote address', { remoteAddress: nginx, forwardedFor: '1'.repeat(10 * 1024), trustedProxyCount: 1 }, nginx],
    ['selected entry with a port', { remoteAddress: nginx, forwardedFor: `6.6.6.6, ${client}:51234`, trustedProxyCount: 1 }, client],
    ['selected IPv6 entry with brackets and port', { remoteAddress: nginx, forwardedFor: '[2001:DB8::1]:443', trustedProxyCount: 1 }, '2001:db8::1'],
    ['selected IPv4-mapped entry', { remoteAddress: nginx, forwardedFor: '::ffff:203.0.113.7', trustedProxyCount: 1 }, client],
    ['no remote address (Unix socket) is still hop 0', { forwardedFor: `6.6.6.6, ${client}`, trustedProxyCount: 1 }, client],
    ['no remote address, garbage selected', { forwardedFor: `${client}, unknown`, trustedProxyCount: 1 }, undefined],
    ['garbage remote address, garbage selected', { remoteAddress: 'x', forwardedFor: 'unknown', trustedProxyCount: 1 }, undefined],
    // Several header values.
    ['array: the last value is the nearest', { remoteAddress: nginx, forwardedFor: ['6.6.6.6', client], trustedProxyCount: 1 }, client],
    ['array: values are joined then split', { remoteAddress: nginx, forwardedFor: ['1.1.1.1, 2.2.2.2', '3.3.3.3'], trustedProxyCount: 2 }, '2.2.2.2'],
    ['array: empty values are ignored', { remoteAddress: nginx, forwardedFor: [client, '', ' , '], trustedProxyCount: 1 }, client],
    ['array: short chain takes the leftmost', { remoteAddress: nginx, forwardedFor: ['', '1.1.1.1', '2.2.2.2'], trustedProxyCount: 5 }, '1.1.1.1'],
    ['empty array', { remoteAddress: nginx, forwardedFor: [], trustedProxyCount: 1 }, nginx],
    // Trust every hop.
    ['trustProxy true: the leftmost valid entry', { remoteAddress: nginx, forwardedFor: `unknown, 6.6.6.6, ${client}`, trustProxy: true }, '6.6.6.6'],
    ['trustProxy true: leftmost valid across values', { remoteAddress: nginx, forwardedFor: ['', 'garbage, ', ` [2001:db8::7]:1 , ${client}`], trustProxy: true }, '2001:db8::7'],
    ['trustProxy true: no valid entry', { remoteAddress: nginx, forwardedFor: 'unknown, , x', trustProxy: true }, nginx],
    ['trustProxy true: no header', { remoteAddress: nginx, trustProxy: true }, nginx],
    ['trustProxy true: mapped entry', { remoteAddress: nginx, forwardedFor: '::ffff:6.6.6.6', trustProxy: true }, '6.6.6.6'],
    ['trustProxy true: nothing usable', { forwardedFor: 'unknown', trustProxy: true }, undefined],
  ] as const)('%s', (_name, input, expected) => {
    expect(clientIp(input)).toBe(expected);
  });

  it.each([
    { trustedProxyCount: -1 },
    { trustedProxyCount: 1.5 },
    { trustedProxyCount: Number.NaN },
    { trustedProxyCount: Number.POSITIVE_INFINITY },
    { trustProxy: -1 },
    { trustProxy: 0.5 },
    { trustProxy: true, trustedProxyCount: -2 },
  ])('throws a RangeError for %j', (options) => {
    expect(() => clientIp({ remoteAddress: '10.0.0.2', forwardedFor: '1.2.3.4', ...options })).toThrow(RangeError);
  });

  const headerEntry = fc.oneof(
    v4Bytes.map((b) => formatIp({ version: 4, bytes: b })),
    nonMappedV6Bytes.map((b) => formatIp({ version: 6, bytes: b })),
    fc.constantFrom('unknown', '', ' ', 'evil.example', '1.2.3', '::1::', '[::1]:80', '1.2.3.4:5'),
    fc.string({ maxLength: 12 }),
  );
  const address = fc.oneof(v4Bytes.map((b) => formatIp({ version: 4, bytes: b })), nonMappedV6Bytes.map((b) => formatIp({ version: 6, bytes: b })));

  it('a client behind N appending proxies is keyed by its real address whatever header it sends', () => {
    fc.assert(
      fc.property(
        fc.array(headerEntry, { maxLength: 6 }), // what the client sends, commas and all
        address, // the client's real address
        fc.array(address, { minLength: 1, maxLength: 4 }), // the proxies, outermost first
        (spoofed, real, proxies) => {
          // Proxy k appends the peer it saw: the client, then proxy 1, 2, ...
          const appended = [real, ...proxies.slice(0, -1)];
          const header = [...spoofed, ...appended].join(', ');
          const remoteAddress = proxies[proxies.length - 1]!;
          expect(clientIp({ remoteAddress, forwardedFor: header, trustedProxyCount: proxies.length })).toBe(canon(real));
          expect(clientIp({ remoteAddress, forwardedFor: header, trustProxy: proxies.length })).toBe(canon(real));
          // Not trusting any proxy: the nearest peer, never anything from the header.
          expect(clientIp({ remoteAddress, forwardedFor: header })).toBe(canon(remoteAddress));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('gives the same answer for a header split into several values as for the joined header', () => {
    fc.assert(
      fc.property(
        fc.array(headerEntry, { maxLength: 8 }),
        fc.array(fc.nat(8), { maxLength: 4 }),
        fc.option(address, { nil: undefined }),
        fc.oneof(fc.constant<{ trustProxy?: boolean; trustedProxyCount?: number }>({ trustProxy: true }), fc.integer({ min: 0, max: 10 }).map((n) => ({ trustedProxyCount: n }))),
        (entries, cuts, remoteAddress, trust) => {
          const joined = entries.join(',');
          const values: string[] = [];
          let start = 0;
          for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
            if (cut > entries.length) continue;
            values.push(entries.slice(start, cut).join(','));
            start = cut;
          }
          values.push(entries.slice(start).join(','));
          const result = clientIp({ remoteAddress, forwardedFor: values, ...trust });
          expect(result).toBe(clientIp({ remoteAddress, forwardedFor: joined, ...trust }));
          // Garbage never becomes a key.
          if (result !== undefined) expect(canon(result)).toBe(result);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('handles a header of thousands of entries', () => {
    const header = `${Array.from({ length: 5000 }, () => 'unknown').join(', ')}, ${client}`;
    expect(clientIp({ remoteAddress: nginx, forwardedFor: header, trustedProxyCount: 1 })).toBe(client);
    expect(clientIp({ remoteAddress: nginx, forwardedFor: header, trustProxy: true })).toBe(client);
    expect(clientIp({ remoteAddress: nginx, forwardedFor: header, trustedProxyCount: 10_000 })).toBe(nginx);
  });
});

describe('compileCidrList', () => {
  function matcher(entries: string[]) {
    const { list, invalid } = compileCidrList(entries);
    expect(invalid).toEqual([]);
    return (ip: string | ParsedIp) => list.matches(ip);
  }

  it.each([
    // [entries, client, expected]
    [['0.0.0.0/0'], '1.2.3.4', true],
    [['0.0.0.0/0'], '255.255.255.255', true],
    [['0.0.0.0/0'], '::ffff:1.2.3.4', true],
    [['0.0.0.0/0'], '2001:db8::1', false],
    [['::/0'], '2001:db8::1', true],
    [['::/0'], '::', true],
    [['::/0'], '1.2.3.4', false],
    [['::/0'], '::ffff:1.2.3.4', false],
    [['192.0.2.1'], '192.0.2.1', true],
    [['192.0.2.1'], '192.0.2.0', false],
    [['192.0.2.1'], '192.0.2.2', false],
    [['192.0.2.1/32'], '192.0.2.1', true],
    [['192.0.2.1/32'], '192.0.2.0', false],
    [['192.0.2.1'], '[::ffff:192.0.2.1]:80', true],
    [['192.0.2.1'], ' 192.0.2.1:443 ', true],
    [['10.0.0.0/8'], '10.0.0.0', true],
    [['10.0.0.0/8'], '10.255.255.255', true],
    [['10.0.0.0/8'], '9.255.255.255', false],
    [['10.0.0.0/8'], '11.0.0.0', false],
    [['10.1.2.3/8'], '10.9.9.9', true], // host bits ignored
    [['192.0.2.128/25'], '192.0.2.127', false],
    [['192.0.2.128/25'], '192.0.2.128', true],
    [['192.0.2.128/25'], '192.0.2.255', true],
    [['128.0.0.0/1'], '127.255.255.255', false],
    [['128.0.0.0/1'], '128.0.0.0', true],
    [['255.255.255.254/31'], '255.255.255.255', true],
    [['255.255.255.254/31'], '255.255.255.253', false],
    [['2001:db8:abcd:ab00::/56'], '2001:db8:abcd:ab00::', true],
    [['2001:db8:abcd:ab00::/56'], '2001:db8:abcd:abff:ffff:ffff:ffff:ffff', true],
    [['2001:db8:abcd:ab00::/56'], '2001:db8:abcd:aaff:ffff:ffff:ffff:ffff', false],
    [['2001:db8:abcd:ab00::/56'], '2001:db8:abcd:ac00::', false],
    [['2001:db8::1/128'], '2001:db8::1', true],
    [['2001:db8::1/128'], '2001:db8::', false],
    [['2001:db8::1/128'], '2001:db8::2', false],
    [['2001:DB8::1'], '[2001:db8::1]:443', true],
    [['2001:db8::/32'], '2001:db8:ffff::1', true],
    [['2001:db8::/32'], '2001:db9::', false],
    [['2001:db8::/32'], '1.2.3.4', false],
    [['fe80::/10'], 'fe80::1%eth0', true],
    [['fe80::/10'], 'febf:ffff::', true],
    [['fe80::/10'], 'fec0::', false],
    [['::1'], '::1', true],
    [['::1'], '127.0.0.1', false],
    // mapped entries are IPv4 entries
    [['::ffff:10.0.0.0/104'], '10.1.1.1', true],
    [['::ffff:10.0.0.0/104'], '::ffff:10.1.1.1', true],
    [['::ffff:10.0.0.0/104'], '11.0.0.0', false],
    [['::ffff:192.0.2.1'], '192.0.2.1', true],
    [['::ffff:c000:201/128'], '192.0.2.1', true],
    [['::ffff:0:0/96'], '1.2.3.4', true],
    [['::ffff:0:0/96'], '2001:db8::1', false],
    // a mapped address with a shorter prefix is an IPv6 network: no IPv4 client matches it
    [['::ffff:0:0/95'], '1.2.3.4', false],
    [['::ffff:0:0/80'], '::1', true],
    // IPv4-compatible and NAT64 addresses are IPv6
    [['10.0.0.0/8'], '::10.0.0.1', false],
    [['10.0.0.0/8'], '64:ff9b::10.0.0.1', false],
    [['::10.0.0.1'], '10.0.0.1', false],
    // several entries, both families
    [['10.0.0.0/8', '192.168.0.0/16', '2001:db8::/32', '203.0.113.7'], '192.168.44.1', true],
    [['10.0.0.0/8', '192.168.0.0/16', '2001:db8::/32', '203.0.113.7'], '203.0.113.7', true],
    [['10.0.0.0/8', '192.168.0.0/16', '2001:db8::/32', '203.0.113.7'], '203.0.113.8', false],
    [['10.0.0.0/8', '192.168.0.0/16', '2001:db8::/32', '203.0.113.7'], '2001:db8::5', true],
    [['10.0.0.0/8', '192.168.0.0/16', '2001:db8::/32', '203.0.113.7'], '2001:db9::5', false],
    // unparseable clients never match
    [['0.0.0.0/0', '::/0'], 'unknown', false],
    [['0.0.0.0/0', '::/0'], '', false],
    [['0.0.0.0/0', '::/0'], '1.2.3', false],
  ] as const)('%j matches %j: %s', (entries, ip, expected) => {
    expect(matcher([...entries])(ip)).toBe(expected);
  });

  it('accepts ParsedIp values, including IPv4-mapped IPv6 bytes built by hand', () => {
    const matches = matcher(['192.0.2.0/24', '2001:db8::/32']);
    expect(matches(parseIp('192.0.2.9')!)).toBe(true);
    expect(matches(parseIp('2001:db8::9')!)).toBe(true);
    expect(matches({ version: 6, bytes: Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 9]) })).toBe(true);
    expect(matches({ version: 4, bytes: new Uint8Array(16) })).toBe(false);
    expect(matches({ version: 6, bytes: new Uint8Array(4) })).toBe(false);
  });

  it('an empty list matches nothing', () => {
    const { list, invalid } = compileCidrList([]);
    expect(list.size).toBe(0);
    expect(invalid).toEqual([]);
    expect(list.matches('1.2.3.4')).toBe(false);
    expect(list.matches('::1')).toBe(false);
  });

  it('returns invalid entries instead of throwing, and counts the valid ones', () => {
    const bad = [
      '',
      '  ',
      'localhost',
      '10.0.0.0/33',
      '10.0.0.0/-1',
      '10.0.0.0/',
      '10.0.0.0/08',
      '10.0.0.0/8/8',
      '10.0.0.0/ 8',
      '10.0.0.0 /8',
      '10.0.0.0/8.0',
      '10.0.0.0/0x8',
      '::/129',
      '::/1280',
      '2001:db8::/0x20',
      '/8',
      '1.2.3.4:80',
      '[::1]',
      '[::1]/128',
      'fe80::1%eth0',
      'fe80::1%eth0/64',
      '256.0.0.0/8',
      '01.0.0.0/8',
      '1.2.3',
      '::1::',
      '10.0.0.0-10.0.0.255',
      '*',
      'x'.repeat(10 * 1024),
    ];
    const good = [' 10.0.0.0/8 ', '192.0.2.1', '2001:db8::/32', '::/0', '0.0.0.0/0', '::ffff:10.0.0.0/104', '10.0.0.0/8'];
    const { list, invalid } = compileCidrList([...good.slice(0, 3), ...bad, ...good.slice(3)]);
    expect(invalid).toEqual(bad);
    expect(list.size).toBe(good.length);
  });

  it('reports entries that are not strings as text', () => {
    const { list, invalid } = compileCidrList([42, null, '10.0.0.0/8'] as unknown as string[]);
    expect(invalid).toEqual(['42', 'null']);
    expect(list.size).toBe(1);
  });

  /** The reference: compare prefix bits, after normalising mapped addresses to IPv4. */
  function naiveMatches(entries: { bytes: Uint8Array; prefix: number }[], client: Uint8Array): boolean {
    return entries.some(({ bytes, prefix }) => {
      let e = bytes;
      let p = prefix;
      if (isMapped(e) && p >= 96) {
        e = e.slice(12);
        p -= 96;
      }
      const c = isMapped(client) ? client.slice(12) : client;
      return e.length === c.length && samePrefix(e, c, p);
    });
  }

  it('matches exactly the clients whose first prefix bits equal an entry (against a bitwise reference)', () => {
    const entry = fc.oneof(
      fc.record({ bytes: v4Bytes, prefix: fc.integer({ min: 0, max: 32 }) }),
      fc.record({ bytes: v6Bytes, prefix: fc.integer({ min: 0, max: 128 }) }),
    );
    fc.assert(
      fc.property(
        fc.array(entry, { minLength: 1, maxLength: 12 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(127), fc.boolean()), { minLength: 1, maxLength: 12 }),
        fc.oneof(v4Bytes, v6Bytes),
        (entries, probes, stranger) => {
          const texts = entries.map(({ bytes, prefix }) => `${formatIp({ version: bytes.length === 4 ? 4 : 6, bytes })}/${prefix}`);
          const { list, invalid } = compileCidrList(texts);
          expect(invalid).toEqual([]);
          expect(list.size).toBe(entries.length);
          // Clients near the entries: each an entry's address with one bit flipped (or not).
          const clients = probes.map(([which, bit, flip]) => {
            const { bytes } = entries[which % entries.length]!;
            return flip ? flipBit(bytes, bit % (bytes.length * 8)) : bytes;
          });
          for (const bytes of [...clients, stranger]) {
            const expected = naiveMatches(entries, bytes);
            const ip: ParsedIp = { version: bytes.length === 4 ? 4 : 6, bytes };
            expect(list.matches(ip)).toBe(expected);
            expect(list.matches(formatIp(ip))).toBe(expected);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('a single-prefix entry matches iff the flipped bit lies after the prefix (every boundary)', () => {
    fc.assert(
      fc.property(fc.oneof(v4Bytes, nonMappedV6Bytes), fc.nat(128), fc.nat(127), (bytes, prefixSeed, bitSeed) => {
        const bits = bytes.length * 8;
        const prefix = prefixSeed % (bits + 1);
        const bit = bitSeed % bits;
        const other = flipBit(bytes, bit);
        fc.pre(!isMapped(other));
        const { list } = compileCidrList([`${formatIp({ version: bits === 32 ? 4 : 6, bytes })}/${prefix}`]);
        expect(list.matches({ version: bits === 32 ? 4 : 6, bytes })).toBe(true);
        expect(list.matches({ version: bits === 32 ? 4 : 6, bytes: other })).toBe(bit >= prefix);
      }),
      { numRuns: 3000 },
    );
  });

  it('handles a few hundred entries', () => {
    const entries = Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? `10.${i % 256}.${(i >> 8) & 255}.0/24` : `2001:db8:${i.toString(16)}::/48`));
    const { list, invalid } = compileCidrList(entries);
    expect(invalid).toEqual([]);
    expect(list.size).toBe(300);
    expect(list.matches('10.4.0.77')).toBe(true);
    expect(list.matches('10.5.0.77')).toBe(false);
    expect(list.matches('2001:db8:12b:ffff::1')).toBe(true);
    expect(list.matches('2001:db8:12c::1')).toBe(false);
  });
});
