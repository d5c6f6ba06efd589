/**
 * Bearer tokens: verified with jose (issuer, audience, expiry, algorithm pinned), keys from a
 * JWKS URL (production) or a local public key (development). No token: public data only.
 */
import { hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { createLocalJWKSet, createRemoteJWKSet, errors, importSPKI, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type KeyLike } from 'jose';
import { LRUCache } from 'lru-cache';
import { PUBLIC_IDENTITY, identitySchema, type Identity } from '@osr/common';

export interface TokenSettings {
  issuer: string;
  audience: string;
  /** Accepted algorithms; anything else is refused. */
  algorithms: string[];
  /** Production: the identity broker's JWKS URL. */
  jwksUrl?: string;
  /** Development: a PEM (SPKI) public key, or a JWKS as JSON. */
  publicKeyPem?: string;
  /** Longest lifetime (exp − iat) of a token accepted, in seconds (default 3600). */
  maxLifetimeSeconds?: number;
  /** Verified tokens remembered until they expire (default 10,000; 0: none). */
  cacheSize?: number;
}

export const DEFAULT_TOKEN_CACHE_SIZE = 10_000;

export const DEFAULT_TOKEN_MAX_LIFETIME_SECONDS = 3600;
/** Clock difference between the identity broker and the gateway tolerated, in seconds. */
const CLOCK_TOLERANCE_SECONDS = 5;

export type Authentication = { ok: true; identity: Identity } | { ok: false; reason: string };

export class TokenVerifier {
  /**
   * Tokens verified before, by the SHA-256 of the token (the token itself is not kept), each
   * until its exp: a client sends the same token with every request, and checking its
   * signature again costs more than the rest of the gateway's own work on a request. A
   * token refused is not remembered. Bounded: the least recently used go first.
   */
  private readonly verified: LRUCache<string, { identity: Identity; expiresAt: number }> | null;
  /** Tokens checked with their signature, and tokens found among those verified before. */
  readonly stats = { verified: 0, remembered: 0 };

  private constructor(
    private readonly settings: TokenSettings,
    private readonly key: KeyLike | JWTVerifyGetKey | null,
  ) {
    const size = settings.cacheSize ?? DEFAULT_TOKEN_CACHE_SIZE;
    this.verified = size > 0 ? new LRUCache<string, { identity: Identity; expiresAt: number }>({ max: size }) : null;
  }

  static async create(settings: TokenSettings): Promise<TokenVerifier> {
    if (settings.jwksUrl) return new TokenVerifier(settings, createRemoteJWKSet(new URL(settings.jwksUrl)));
    if (settings.publicKeyPem) {
      const text = settings.publicKeyPem.trim();
      if (text.startsWith('{')) return new TokenVerifier(settings, createLocalJWKSet(JSON.parse(text)));
      const [alg] = settings.algorithms;
      return new TokenVerifier(settings, await importSPKI(text, alg!));
    }
    return new TokenVerifier(settings, null);
  }

  static readPublicKeyFile(path: string): string {
    return readFileSync(path, 'utf8');
  }

  /**
   * Reads the Authorization header: none → PUBLIC; a valid bearer token → its identity. A
   * token must carry exp, iat and sub, be issued in the past and live at most
   * maxLifetimeSeconds.
   */
  async authenticate(req: http.IncomingMessage): Promise<Authentication> {
    const header = req.headers.authorization;
    if (!header) return { ok: true, identity: PUBLIC_IDENTITY };
    // The scheme name is case-insensitive (RFC 7235 section 2.1).
    const match = /^Bearer +([A-Za-z0-9_\-.]+)$/i.exec(header.trim());
    if (!match) return { ok: false, reason: 'The Authorization header must be "Bearer <token>"' };
    if (!this.key) return { ok: false, reason: 'This gateway accepts no tokens: no verification key is configured' };
    const token = match[1]!;
    const key = this.verified ? hash('sha256', token, 'base64url') : '';
    const known = this.verified?.get(key);
    // The entry leaves the cache at exp; the check here does not rely on the cache's clock.
    if (known && known.expiresAt > Date.now()) {
      this.stats.remembered++;
      return { ok: true, identity: known.identity };
    }
    this.stats.verified++;
    const result = await this.verify(token);
    if (result.ok && this.verified) {
      const ttl = result.expiresAt - Date.now();
      // Shared by every request with this token: frozen, so that none can change it for the others.
      if (ttl > 0) this.verified.set(key, { identity: deepFreeze(result.identity), expiresAt: result.expiresAt }, { ttl });
    }
    return result.ok ? { ok: true, identity: result.identity } : result;
  }

  /** Checks signature and claims (jose); the identity and when the token expires (ms). */
  private async verify(token: string): Promise<{ ok: true; identity: Identity; expiresAt: number } | { ok: false; reason: string }> {
    const maxLifetime = this.settings.maxLifetimeSeconds ?? DEFAULT_TOKEN_MAX_LIFETIME_SECONDS;
    let payload: JWTPayload;
    try {
      const verified = await jwtVerify(token, this.key as Parameters<typeof jwtVerify>[1], {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: this.settings.algorithms,
        requiredClaims: ['exp', 'iat', 'sub'],
        // With maxTokenAge jose also refuses an iat in the future.
        maxTokenAge: maxLifetime,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
      payload = verified.payload;
    } catch (err) {
      if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'iat' && err.reason === 'check_failed') {
        return { ok: false, reason: 'The token is not valid here: it was issued in the future' };
      }
      if (err instanceof errors.JWTExpired) return { ok: false, reason: 'The token has expired' };
      if (err instanceof errors.JWTClaimValidationFailed) return { ok: false, reason: `The token is not valid here: ${err.message}` };
      return { ok: false, reason: 'The token is invalid (signature, algorithm or format)' };
    }
    // A stolen token is useful as long as it lives: longer lifetimes than the maximum are
    // refused, whatever exp says.
    if (payload.exp! - payload.iat! > maxLifetime) {
      return { ok: false, reason: `The token is not valid here: its lifetime exceeds ${maxLifetime} s` };
    }
    const identity = claimsToIdentity(payload);
    return identity.ok ? { ok: true, identity: identity.identity, expiresAt: payload.exp! * 1000 } : identity;
  }
}

function deepFreeze(identity: Identity): Identity {
  Object.freeze(identity.rights);
  return Object.freeze(identity);
}

/** Maps the claims this project relies on (shared/docs/architecture.md) to an identity. */
export function claimsToIdentity(payload: JWTPayload): Authentication {
  const rawRights = payload['rights'];
  const rights = typeof rawRights === 'string' ? rawRights.split(/[ ,]+/).filter(Boolean) : (rawRights ?? []);
  const candidate = {
    sub: payload.sub,
    name: typeof payload['name'] === 'string' ? payload['name'] : String(payload.sub),
    role: payload['role'],
    board: payload['board'] ?? null,
    rights,
    supplier: payload['supplier'] ?? null,
  };
  const parsed = identitySchema.safeParse(candidate);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
    return { ok: false, reason: `The token's claims are invalid (${fields})` };
  }
  const identity = parsed.data;
  if (identity.role === 'PUBLIC' || identity.role === 'SERVICE') return { ok: false, reason: `Role ${identity.role} cannot be claimed in a token` };
  if (identity.role === 'BOARD' && !identity.board) return { ok: false, reason: 'A BOARD token needs a board claim' };
  if (identity.role === 'SUPPLIER' && !identity.supplier) return { ok: false, reason: 'A SUPPLIER token needs a supplier claim' };
  return { ok: true, identity };
}
