/**
 * Verifying an OSR webhook (docs/webhooks.md). Node 20, no dependencies. The tests run this
 * file against real deliveries (test/e2e/webhooks.test.ts).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Reject deliveries whose timestamp is further than this from now (replays). */
const TOLERANCE_SECONDS = 5 * 60;

/**
 * True when `x-osr-signature` holds a valid signature of `timestamp + "." + body` with one of
 * your secrets (more than one while you rotate) and the timestamp is recent.
 * `body` must be the raw request body exactly as received (not re-serialised JSON).
 */
export function verifyOsrSignature(
  headers: { 'x-osr-timestamp'?: string; 'x-osr-signature'?: string },
  body: string,
  secrets: string[],
  nowSeconds: number = Math.floor(Date.now() / 1000),
): boolean {
  const timestamp = headers['x-osr-timestamp'];
  const header = headers['x-osr-signature'];
  if (!timestamp || !header || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > TOLERANCE_SECONDS) return false;
  // the header may carry several signatures (during a secret rotation): "sha256=…,sha256=…"
  const given = header.split(',').map((part) => part.trim()).filter((part) => part.startsWith('sha256=')).map((part) => Buffer.from(part.slice(7), 'hex'));
  return secrets.some((secret) => {
    const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest();
    return given.some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected));
  });
}

/**
 * Handling a delivery at least once: keep the ids of the events you processed (in your own
 * database, under a unique key, in the same transaction as what you do with the event) and
 * acknowledge a repeat without doing it again.
 */
export async function handleDelivery(
  eventId: string,
  processed: { has(id: string): Promise<boolean>; add(id: string): Promise<void> },
  work: () => Promise<void>,
): Promise<'processed' | 'duplicate'> {
  if (await processed.has(eventId)) return 'duplicate';
  await work();
  await processed.add(eventId);
  return 'processed';
}
