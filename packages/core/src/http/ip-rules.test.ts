// Client-IP layer, rules: the client address behind trusted proxies, and CIDR allow/block lists.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientIp, compileCidrList, formatIp, parseIp, type ParsedIp } from './ip.js';
import { isMapped, canon, flipBit, samePrefix, v6Bytes, nonMappedV6Bytes, v4Bytes } from './__tests__/ip-generators.js';

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
