// Which address a request is counted by: proxies and X-Forwarded-For, IPv6 subnets, and
// the allow and block lists (addresses and CIDR ranges, IPv4 and IPv6).
import { HttpLimiter, clientIp, compileCidrList, ipKey } from '@limitrate/core';

// A client at 198.51.100.7 sends a forged X-Forwarded-For (6.6.6.6) through a load balancer
// (10.0.0.5) and then nginx (10.0.0.2, the peer of the app's socket); each proxy appends the
// address it received the request from. Two proxies: trustedProxyCount: 2 finds the client.
const request = { remoteAddress: '10.0.0.2', forwardedFor: '6.6.6.6, 198.51.100.7, 10.0.0.5' };
const settings = [
  {}, // the default: trust no proxy
  { trustedProxyCount: 1 },
  { trustedProxyCount: 2 },
  { trustProxy: 2 },
  { trustProxy: true },
  { trustProxy: false, trustedProxyCount: 2 },
];
for (const s of settings) console.log(`${JSON.stringify(s).padEnd(42)} -> ${clientIp({ ...request, ...s })}`);

// IPv6 clients are counted by their /56 network (ipv6Subnet), so rotating addresses within
// one allocation does not buy more requests. IPv4-mapped IPv6 counts as IPv4.
for (const address of ['2001:db8:abcd:ab12::1', '2001:db8:abcd:abff:9::7', '::ffff:198.51.100.7']) {
  console.log(`${address.padEnd(24)} /56: ${ipKey(address)}  /64: ${ipKey(address, 64)}  false: ${ipKey(address, false)}`);
}

const limiter = new HttpLimiter({ policies: { free: { rate: { maxPerMinute: 1 } } } });
for (const remoteAddress of ['2001:db8:abcd:ab12::1', '2001:db8:abcd:abff:9::7']) {
  const d = await limiter.decide({ method: 'GET', path: '/', remoteAddress, raw: {} });
  console.log(`${remoteAddress.padEnd(24)} counted as ${d.user}: ${d.action} ${d.status}`);
}
await limiter.close();

// ipAllowlist / ipBlocklist entries: addresses and CIDR ranges of either family.
const { list, invalid } = compileCidrList(['10.0.0.0/8', '2001:db8::/32', '203.0.113.7', 'localhost']);
console.log(`invalid entries: ${JSON.stringify(invalid)} (the limiter refuses them at construction)`);
for (const ip of ['10.20.30.40', '::ffff:10.9.8.7', '2001:db8:1::5', '203.0.113.8']) console.log(`${ip.padEnd(16)} listed: ${list.matches(ip)}`);
