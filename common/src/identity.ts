/**
 * Who is asking. The gateway verifies the caller's bearer token and passes the identity to
 * subgraphs in the x-osr-identity header, signed with a secret it shares with them (HMAC
 * SHA-256, short expiry). Subgraphs refuse calls without a valid signature, so a subgraph
 * reached directly leaks nothing. Subgraphs calling each other sign a SERVICE identity.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { userError } from './errors.js';

export const IDENTITY_HEADER = 'x-osr-identity';

export const roles = ['BOARD', 'SUPPLIER', 'SUPPORT', 'ANALYST', 'PUBLIC', 'SERVICE'] as const;
export type Role = (typeof roles)[number];
export const rights = ['OSR_TOEGANG', 'KENNISNET_ONDERTEKENEN'] as const;
export type Right = (typeof rights)[number];

export const identitySchema = z.object({
  /** subject: the person's or system's stable id */
  sub: z.string().min(1).max(200),
  /** display name, recorded in history ("who") */
  name: z.string().max(200),
  role: z.enum(roles),
  /** bevoegd gezag nummer, for BOARD */
  board: z.string().regex(/^[0-9]{5}$/).nullable(),
  rights: z.array(z.enum(rights)),
  /** supplier OIN, for SUPPLIER */
  supplier: z.string().regex(/^[0-9]{20}$/).nullable(),
});
export type Identity = z.infer<typeof identitySchema>;

/** A caller without a token: public data only. */
export const PUBLIC_IDENTITY: Identity = { sub: 'anonymous', name: 'anonymous', role: 'PUBLIC', board: null, rights: [], supplier: null };

/** A subgraph acting on its own behalf (e.g. mandates asking agreements). */
export function serviceIdentity(name: string): Identity {
  return { sub: `service:${name}`, name, role: 'SERVICE', board: null, rights: [], supplier: null };
}

function mac(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

/** How long a signed identity is valid: the gateway signs one per subgraph call. */
export const IDENTITY_TTL_SECONDS = 60;
/** Clock difference between gateway and subgraph hosts tolerated on top of it. */
const IDENTITY_CLOCK_SKEW_SECONDS = 5;

/** The header value: base64url(JSON of identity + exp) "." HMAC. */
export function signIdentity(identity: Identity, secret: string, ttlSeconds = IDENTITY_TTL_SECONDS, now = Date.now()): string {
  const payload = Buffer.from(JSON.stringify({ ...identity, exp: Math.floor(now / 1000) + ttlSeconds })).toString('base64url');
  return `${payload}.${mac(payload, secret)}`;
}

export type IdentityCheck = { ok: true; identity: Identity } | { ok: false; reason: string };

/** Checks the header: signature, expiry (at most a minute ahead) and shape. */
export function verifyIdentity(header: string | undefined, secret: string, now = Date.now()): IdentityCheck {
  if (!header) return { ok: false, reason: `missing ${IDENTITY_HEADER} header: call through the gateway` };
  const [payload, signature, extra] = header.split('.');
  if (!payload || !signature || extra !== undefined) return { ok: false, reason: 'malformed identity header' };
  const expected = Buffer.from(mac(payload, secret));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: 'identity signature does not verify' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed identity header' };
  }
  const exp = (parsed as { exp?: unknown }).exp;
  if (typeof exp !== 'number' || exp * 1000 < now) return { ok: false, reason: 'identity header expired' };
  // Whoever holds the secret could sign a header valid for a year; one that claims to be
  // valid longer than the minute the gateway gives is refused, whatever its exp says.
  if (exp * 1000 > now + (IDENTITY_TTL_SECONDS + IDENTITY_CLOCK_SKEW_SECONDS) * 1000) {
    return { ok: false, reason: `identity header valid for longer than ${IDENTITY_TTL_SECONDS} s` };
  }
  const identity = identitySchema.safeParse(parsed);
  if (!identity.success) return { ok: false, reason: 'identity header has an invalid shape' };
  return { ok: true, identity: identity.data };
}

/** BOARD with OSR_TOEGANG for this board, or SUPPORT. */
export function canManageBoard(identity: Identity, boardNummer: string): boolean {
  if (identity.role === 'SUPPORT') return true;
  return identity.role === 'BOARD' && identity.board === boardNummer && identity.rights.includes('OSR_TOEGANG');
}

/** May read this board's non-public data: its own staff with OSR_TOEGANG, support, analysts. */
export function canReadBoard(identity: Identity, boardNummer: string): boolean {
  return identity.role === 'SUPPORT' || identity.role === 'ANALYST' || identity.role === 'SERVICE' || canManageBoard(identity, boardNummer);
}

export function requireManageBoard(identity: Identity, boardNummer: string): void {
  if (!canManageBoard(identity, boardNummer)) {
    throw userError('FORBIDDEN', `Only staff of board ${boardNummer} with the right OSR_TOEGANG, or support, may change this`);
  }
}
