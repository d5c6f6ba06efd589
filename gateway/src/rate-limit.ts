/**
 * Per-identity rate limit: a token bucket per caller (the token's subject, or the client
 * address for requests without a token). State is per gateway replica: with N replicas
 * behind a load balancer a caller gets up to N times the rate (see docs/operations.md).
 */
import { BlockList, isIP, isIPv4 } from 'node:net';

export interface RateLimitSettings {
  /** sustained requests per minute per caller; 0 disables the limit */
  perMinute: number;
  /** requests a caller may make at once above the sustained rate */
  burst: number;
  /** buckets kept at most (the least recently used are forgotten first) */
  maxCallers?: number;
}

interface Bucket {
  tokens: number;
  updated: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly settings: RateLimitSettings) {}

  /** Takes one request from the caller's bucket; when empty, how long to wait (seconds). */
  take(key: string, now = Date.now()): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const { perMinute, burst } = this.settings;
    if (perMinute <= 0) return { ok: true };
    const ratePerMs = perMinute / 60_000;
    const capacity = Math.max(1, burst);
    const bucket = this.buckets.get(key) ?? { tokens: capacity, updated: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + (now - bucket.updated) * ratePerMs);
    bucket.updated = now;
    // Re-insert so the Map's order is least recently used first.
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    this.evict();
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerMs / 1000)) };
  }

  get size(): number {
    return this.buckets.size;
  }

  private evict(): void {
    const max = this.settings.maxCallers ?? 100_000;
    while (this.buckets.size > max) {
      const oldest = this.buckets.keys().next().value;
      if (oldest === undefined) return;
      this.buckets.delete(oldest);
    }
  }
}

/** An address as compared: IPv4-mapped IPv6 (`::ffff:10.0.0.1`, Node's form on dual-stack sockets) as IPv4. */
function plainAddress(address: string): string {
  const trimmed = address.trim().replace(/^\[(.*)\]$/, '$1');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  return mapped ? mapped[1]! : trimmed;
}

/**
 * The proxies whose `X-Forwarded-For` is believed (TRUSTED_PROXIES: addresses and CIDR
 * ranges, none by default). Behind them every request comes from a proxy's address, so
 * without this every anonymous caller would share the proxy's rate-limit bucket; trusting
 * anyone else's header would let a caller pick its own bucket with each request.
 */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly count: number;

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const problem = TrustedProxies.problem(entry);
      if (problem) throw new Error(problem);
      const [address, bits] = entry.trim().split('/') as [string, string | undefined];
      const plain = plainAddress(address);
      const type = isIPv4(plain) ? 'ipv4' : 'ipv6';
      if (bits === undefined) this.list.addAddress(plain, type);
      else this.list.addSubnet(plain, Number(bits), type);
    }
    this.count = entries.length;
  }

  /** Why an entry is no address or CIDR range, or null when it is one. */
  static problem(entry: string): string | null {
    const [address, bits, extra] = entry.trim().split('/');
    const plain = plainAddress(address ?? '');
    const version = isIP(plain);
    const max = version === 4 ? 32 : 128;
    const ok = version !== 0 && extra === undefined && (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max));
    return ok ? null : `"${entry}" is no IP address or CIDR range (e.g. 10.0.0.7, 10.0.0.0/8, fd00::/8)`;
  }

  private trusts(address: string): boolean {
    const version = isIP(address);
    return version !== 0 && this.list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  }

  /**
   * The client's address: the peer's, unless the peer is a trusted proxy; then the
   * `X-Forwarded-For` hops are read from the right (the hop each proxy appended), past
   * trusted proxies, to the first address that is not one. Hops left of it were written by
   * the client and are not believed.
   */
  clientOf(peer: string | undefined, forwardedFor: string | string[] | undefined): string {
    let client = plainAddress(peer ?? 'unknown');
    if (this.count === 0 || !this.trusts(client) || forwardedFor === undefined) return client;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = plainAddress(hops[i]!);
      if (isIP(hop) === 0) return client; // not written by a proxy we trust: stop at the last one that was
      client = hop;
      if (!this.trusts(hop)) return hop;
    }
    return client;
  }
}
