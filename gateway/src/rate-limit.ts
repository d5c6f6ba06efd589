/**
 * Per-identity rate limit: a token bucket per caller (the token's subject, or the client
 * address for requests without a token). State is per gateway replica: with N replicas
 * behind a load balancer a caller gets up to N times the rate (see docs/operations.md).
 */
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
