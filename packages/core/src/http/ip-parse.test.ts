// Client-IP layer, addresses: parsing, RFC 5952 formatting, and subnet keys.
import { isIP, isIPv4 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIp, ipKey, parseIp } from './ip.js';
import { isMapped, expectedFromV6, canon, getBit, flipBit, samePrefix, v6Bytes, nonMappedV6Bytes, v4Bytes, v6Text } from './__tests__/ip-generators.js';

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

