/**
 * E-signing. A provider takes a document that was sent for signature and later reports who
 * signed it. Two ways in:
 * - LOCAL (default, works offline): the board's signer signs in the OSR itself, through the
 *   signAgreement mutation, with the right KENNISNET_ONDERTEKENEN.
 * - a real provider calls back on POST /signing/webhook once the signer signed, verified by
 *   an HMAC-SHA256 over "<timestamp>.<raw body>" with a secret shared with that provider
 *   (SIGNING_WEBHOOK_SECRET; without it the route does not exist).
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { z } from 'zod';
import { HttpError, readBody, type Logger, type Route } from '@osr/common';
import { GraphQLError } from 'graphql';

export interface SigningProvider {
  /** recorded with the signing request and the signature */
  readonly name: string;
  /** Hands the document to the provider; answers the provider's reference for it. */
  send(request: { agreementId: string; documentVersion: number; contentHash: string; signerBoard: string; title: string }): Promise<{ reference: string }>;
}

/** Signing inside the OSR: nothing leaves the machine; the reference is local. */
export function localSigningProvider(): SigningProvider {
  return {
    name: 'LOCAL',
    async send() {
      return { reference: `local-${randomUUID()}` };
    },
  };
}

/** SHA-256 of a text as UTF-8, hex: what a signer signs. */
export function contentHashOf(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

export const SIGNATURE_HEADER = 'x-osr-signing-signature';
export const TIMESTAMP_HEADER = 'x-osr-signing-timestamp';
/** How far a callback's timestamp may lie from now (replays of old callbacks are refused). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** What a provider sends: "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body). */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

export function verifyWebhookSignature(
  secret: string,
  timestamp: string | undefined,
  signature: string | undefined,
  body: string,
  now = Date.now(),
): { ok: true } | { ok: false; reason: string } {
  if (!timestamp || !signature) return { ok: false, reason: `missing ${TIMESTAMP_HEADER} or ${SIGNATURE_HEADER} header` };
  if (!/^[0-9]{1,12}$/.test(timestamp)) return { ok: false, reason: `${TIMESTAMP_HEADER} must be Unix seconds` };
  if (Math.abs(now / 1000 - Number(timestamp)) > WEBHOOK_TOLERANCE_SECONDS) {
    return { ok: false, reason: `${TIMESTAMP_HEADER} is more than ${WEBHOOK_TOLERANCE_SECONDS} s away from now` };
  }
  const expected = Buffer.from(webhookSignature(secret, timestamp, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: 'signature does not verify' };
  }
  return { ok: true };
}

export const webhookPayloadSchema = z.object({
  event: z.literal('SIGNED'),
  agreementId: z.string().min(1).max(64),
  /** the reference the provider got when the document was sent */
  reference: z.string().min(1).max(200),
  contentHash: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 hash, 64 lower-case hex digits'),
  signer: z.object({
    id: z.string().min(1).max(200),
    name: z.string().min(1).max(200),
    board: z.string().regex(/^[0-9]{5}$/, 'a bevoegd gezag nummer, 5 digits'),
    /** the authorisations the provider verified (eHerkenning / Mijn DUO) */
    rights: z.array(z.string().max(50)).max(20),
  }),
});
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

/** What the webhook route needs from the use cases. */
export interface WebhookSigner {
  signFromWebhook(payload: WebhookPayload): Promise<{ id: string; status: string; version: number }>;
}

const STATUS_OF_CODE: Record<string, number> = { BAD_USER_INPUT: 400, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409 };

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function signingWebhookRoute(options: { secret: string; signer: WebhookSigner; logger: Logger }): Route {
  return {
    method: 'POST',
    path: '/signing/webhook',
    async handle(req, res) {
      const body = await readBody(req, 64 * 1024);
      const check = verifyWebhookSignature(options.secret, header(req, TIMESTAMP_HEADER), header(req, SIGNATURE_HEADER), body);
      if (!check.ok) {
        options.logger.warn({ reason: check.reason }, 'signing webhook refused');
        send(res, 401, { error: check.reason });
        return;
      }
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        throw new HttpError(400, 'The body is not valid JSON');
      }
      const payload = webhookPayloadSchema.safeParse(json);
      if (!payload.success) {
        send(res, 400, { error: 'invalid callback', issues: payload.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
        return;
      }
      try {
        const result = await options.signer.signFromWebhook(payload.data);
        send(res, 200, { agreementId: result.id, status: result.status, version: result.version });
      } catch (err) {
        const code = err instanceof GraphQLError ? err.extensions['code'] : undefined;
        if (typeof code === 'string' && STATUS_OF_CODE[code]) {
          send(res, STATUS_OF_CODE[code], { error: (err as GraphQLError).message, code });
          return;
        }
        throw err;
      }
    },
  };
}
