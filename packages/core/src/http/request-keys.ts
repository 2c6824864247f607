// What HttpLimiter derives from every request's description: the endpoint string, the
// client IP and the user key of an IP. Each is cached (bounded; a full cache starts over),
// since the same routes, peers and addresses come back request after request, and the
// same string instance back for the same route lets the limiter's own maps hash it once.
import { clientIp, ipKey } from './ip.js';
import { templatePath } from './route.js';

/** Distinct routes (or paths), peer addresses and IPs whose answers are kept. */
const CACHE_LIMIT = 10_000;

/** The parts of HttpRequestInfo these answers depend on. */
export interface RequestAddressing {
  method: string;
  path: string;
  route?: string | undefined;
  remoteAddress?: string | undefined;
  forwardedFor?: string | readonly string[] | undefined;
}

export interface RequestKeyOptions {
  trustProxy?: boolean | number | undefined;
  trustedProxyCount?: number | undefined;
  /** IPv6 clients are keyed by this prefix length; false: full addresses. */
  ipv6Subnet: number | false;
  /** Some policy names the HEAD method: HEAD keeps its own endpoint instead of counting as GET. */
  headOwnPolicies: boolean;
}

export class RequestKeys {
  /** X-Forwarded-For may be consulted (trustProxy or trustedProxyCount set, and not false). */
  readonly trustsProxies: boolean;
  private endpoints = new Map<string, Map<string, string>>();
  /** Canonical client IPs by peer address ('' for none), when no forwarded address applies. */
  private peers = new Map<string, string>();
  private userKeys = new Map<string, string>();

  constructor(private readonly o: RequestKeyOptions) {
    this.trustsProxies = o.trustProxy !== false && (o.trustedProxyCount !== undefined || (o.trustProxy !== undefined && o.trustProxy !== 0));
  }

  /** `METHOD|/route/template`, or the path with identifier-like segments as :id when there is no template. */
  endpointOf(info: RequestAddressing): string {
    const route = info.route;
    const where = route !== undefined && route !== '' ? route : info.path;
    let byMethod = this.endpoints.get(where);
    const cached = byMethod?.get(info.method);
    if (cached !== undefined) return cached;
    let method = info.method.toUpperCase();
    // HEAD runs the GET handler in every framework: count it as GET unless a policy names HEAD.
    if (method === 'HEAD' && !this.o.headOwnPolicies) method = 'GET';
    const endpoint = `${method}|${where === route ? route : templatePath(where)}`;
    if (byMethod === undefined) {
      if (this.endpoints.size >= CACHE_LIMIT) this.endpoints = new Map();
      byMethod = new Map();
      this.endpoints.set(where, byMethod);
    }
    if (byMethod.size < 64) byMethod.set(info.method, endpoint);
    return endpoint;
  }

  /** The client IP, canonical; undefined when there is none to be had. */
  ipOf(info: RequestAddressing): string | undefined {
    const peer = info.remoteAddress;
    // Without a forwarded address to consult, the answer depends on the peer address alone.
    const byPeer = peer !== undefined && (info.forwardedFor === undefined || !this.trustsProxies);
    if (byPeer) {
      const hit = this.peers.get(peer);
      if (hit !== undefined) return hit === '' ? undefined : hit;
    }
    const ip = clientIp({ remoteAddress: peer, forwardedFor: info.forwardedFor, trustProxy: this.o.trustProxy, trustedProxyCount: this.o.trustedProxyCount });
    if (byPeer) {
      if (this.peers.size >= CACHE_LIMIT) this.peers = new Map();
      this.peers.set(peer, ip ?? '');
    }
    return ip;
  }

  /** The user key of a client IP: the address, or its subnet for IPv6. */
  userKeyOf(ip: string): string {
    let key = this.userKeys.get(ip);
    if (key === undefined) {
      key = ipKey(ip, this.o.ipv6Subnet) ?? ip;
      if (this.userKeys.size >= CACHE_LIMIT) this.userKeys = new Map();
      this.userKeys.set(ip, key);
    }
    return key;
  }
}
