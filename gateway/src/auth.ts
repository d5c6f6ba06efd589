/**
 * Bearer tokens: verified with jose (issuer, audience, expiry, algorithm pinned), keys from a
 * JWKS URL (production) or a local public key (development). No token: public data only.
 */
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { createLocalJWKSet, createRemoteJWKSet, errors, importSPKI, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type KeyLike } from 'jose';
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
}

export const DEFAULT_TOKEN_MAX_LIFETIME_SECONDS = 3600;
/** Clock difference between the identity broker and the gateway tolerated, in seconds. */
const CLOCK_TOLERANCE_SECONDS = 5;

export type Authentication = { ok: true; identity: Identity } | { ok: false; reason: string };

export class TokenVerifier {
  private constructor(
    private readonly settings: TokenSettings,
    private readonly key: KeyLike | JWTVerifyGetKey | null,
  ) {}

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
    const maxLifetime = this.settings.maxLifetimeSeconds ?? DEFAULT_TOKEN_MAX_LIFETIME_SECONDS;
    let payload: JWTPayload;
    try {
      const verified = await jwtVerify(match[1]!, this.key as Parameters<typeof jwtVerify>[1], {
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
    return claimsToIdentity(payload);
  }
}

/** Maps the claims this project relies on (architecture.md) to an identity. */
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
