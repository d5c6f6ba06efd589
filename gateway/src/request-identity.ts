/**
 * The caller's identity as the subgraphs receive it, signed once per client request and
 * reused by every subgraph fetch of that request. A request that runs longer than half the
 * signature's validity gets a fresh one, so that a subgraph never receives an identity about
 * to expire.
 */
import { IDENTITY_TTL_SECONDS, signIdentity, type Identity } from '@osr/common';

const RESIGN_AFTER_MS = (IDENTITY_TTL_SECONDS * 1000) / 2;

export class RequestIdentity {
  private signed: string | null = null;
  private signedAt = 0;
  private json: string | null = null;

  constructor(
    readonly identity: Identity,
    private readonly secret: string,
  ) {}

  /** The x-osr-identity header value (signed on first use). */
  header(now = Date.now()): string {
    if (this.signed === null || now - this.signedAt > RESIGN_AFTER_MS) {
      this.signed = signIdentity(this.identity, this.secret, IDENTITY_TTL_SECONDS, now);
      this.signedAt = now;
    }
    return this.signed;
  }

  /** The identity as a string: fetches are shared only between callers with equal ones. */
  key(): string {
    return (this.json ??= JSON.stringify(this.identity));
  }
}
