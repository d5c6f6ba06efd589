/**
 * Signing secrets. HMAC needs the secret itself, so it cannot be stored as a hash: it is kept
 * encrypted (AES-256-GCM) under a key that is not in the database: WEBHOOK_SECRET_KEY, or,
 * when that is not set, a key derived (HKDF) from the subgraph's identity secret. A copy of
 * the database alone does not give the secrets; the secret is shown to the supplier once,
 * when it is made, and never again.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';

export interface EncryptedSecret {
  /** which key encrypted it (a hash of the key: a changed key is reported, not misused) */
  keyId: string;
  iv: string;
  tag: string;
  data: string;
}

export class SecretBox {
  private readonly key: Buffer;
  readonly keyId: string;

  /** `secretKey` (WEBHOOK_SECRET_KEY) when set, else derived from the identity secret. */
  constructor(secretKey: string | null, identitySecret: string) {
    this.key = secretKey
      ? createHash('sha256').update(secretKey).digest()
      : Buffer.from(hkdfSync('sha256', identitySecret, 'osr-webhooks', 'webhook signing secrets', 32));
    this.keyId = createHash('sha256').update(this.key).digest('hex').slice(0, 12);
  }

  /** A new signing secret (shown to the supplier once). */
  static generate(): string {
    return `whsec_${randomBytes(32).toString('base64url')}`;
  }

  seal(secret: string): EncryptedSecret {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return { keyId: this.keyId, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  /** Whether `open` can read it (this key encrypted it, and it is intact). */
  canOpen(sealed: EncryptedSecret): boolean {
    try {
      this.open(sealed);
      return true;
    } catch {
      return false;
    }
  }

  open(sealed: EncryptedSecret): string {
    if (sealed.keyId !== this.keyId) throw new Error(`webhook secret was encrypted with another key (${sealed.keyId}); rotate the secret or restore WEBHOOK_SECRET_KEY`);
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
  }
}

/** `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`, one per secret, comma-separated. */
export function signatureHeader(secrets: readonly string[], timestamp: string, body: string): string {
  return secrets.map((secret) => `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`).join(',');
}
