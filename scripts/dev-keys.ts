/**
 * Development signing keys: an ES256 key pair in <data dir>/dev-keys, made on first use.
 * `osr token` signs with the private key; the gateway verifies with the public key.
 * Production uses the identity broker's JWKS URL instead (JWT_JWKS_URL).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SignJWT, exportPKCS8, exportSPKI, generateKeyPair, importPKCS8 } from 'jose';
import { repoRoot } from './ferretdb.js';

export const DEV_ISSUER = 'osr-dev';
export const DEV_AUDIENCE = 'osr-graph';
export const DEV_ALGORITHM = 'ES256';

export function defaultKeyDir(dataDir = process.env['OSR_DATA_DIR'] || join(repoRoot, '.data')): string {
  return join(dataDir, 'dev-keys');
}

export interface DevKeys {
  privateKeyPath: string;
  publicKeyPath: string;
}

export async function ensureDevKeys(dir = defaultKeyDir()): Promise<DevKeys> {
  const privateKeyPath = join(dir, 'private.pem');
  const publicKeyPath = join(dir, 'public.pem');
  if (!existsSync(privateKeyPath) || !existsSync(publicKeyPath)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { privateKey, publicKey } = await generateKeyPair(DEV_ALGORITHM, { extractable: true });
    writeFileSync(privateKeyPath, await exportPKCS8(privateKey), { mode: 0o600 });
    writeFileSync(publicKeyPath, await exportSPKI(publicKey));
  }
  return { privateKeyPath, publicKeyPath };
}

/**
 * The key that encrypts webhook signing secrets in a local run (WEBHOOK_SECRET_KEY), made on
 * the first start and kept beside the token keys: without it the key would follow the
 * identity secret, which is new at every start, and a restart would leave every registered
 * endpoint with a secret nobody can read.
 */
export function ensureWebhookSecretKey(dir = defaultKeyDir()): string {
  const path = join(dir, 'webhook-secret-key');
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(path, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  }
  return readFileSync(path, 'utf8').trim();
}

export interface TokenClaims {
  sub: string;
  name: string;
  role: 'BOARD' | 'SUPPLIER' | 'SUPPORT' | 'ANALYST';
  board?: string;
  supplier?: string;
  rights?: string[];
}

export async function signDevToken(
  privateKeyPem: string,
  claims: TokenClaims,
  options: { expiresIn?: string | number; issuer?: string; audience?: string } = {},
): Promise<string> {
  const key = await importPKCS8(privateKeyPem, DEV_ALGORITHM);
  const { sub, ...rest } = claims;
  return new SignJWT({ ...rest, rights: rest.rights ?? [] })
    .setProtectedHeader({ alg: DEV_ALGORITHM })
    .setSubject(sub)
    .setIssuer(options.issuer ?? DEV_ISSUER)
    .setAudience(options.audience ?? DEV_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '1h')
    .sign(key);
}

export function readPrivateKey(keys: DevKeys): string {
  return readFileSync(keys.privateKeyPath, 'utf8');
}
