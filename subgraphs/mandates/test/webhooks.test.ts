/**
 * Webhook rules that need no running system: where an endpoint may point (production mode,
 * private addresses, DNS answers checked at delivery), events derived from recorded changes,
 * the backoff, the secret box.
 */
import { describe, expect, it } from 'vitest';
import { resolveTarget, urlProblem } from '../src/webhooks/addresses.js';
import { eventsOf } from '../src/webhooks/events.js';
import { backoffMs } from '../src/webhooks/worker.js';
import { SecretBox, signatureHeader } from '../src/webhooks/secrets.js';
import { verifyOsrSignature } from '../../../docs/examples/webhook-receiver.js';
import type { MandateDocument, MandateHistoryDocument } from '../src/documents.js';

const PRODUCTION = { production: true, allowPrivate: false };

describe('where a webhook may point', () => {
  it('refuses private, loopback, link-local addresses and http in production mode', () => {
    for (const url of ['https://127.0.0.1/hook', 'https://10.1.2.3/hook', 'https://192.168.1.5/', 'https://169.254.169.254/latest', 'https://[::1]/', 'https://[fe80::1]/', 'https://[::ffff:127.0.0.1]/', 'https://localhost/hook']) {
      expect(urlProblem(url, PRODUCTION), url).not.toBeNull();
    }
    // IPv6 forms that embed a loopback or private IPv4 address, and deprecated site-local ones
    for (const host of ['[::7f00:1]', '[::127.0.0.1]', '[2002:7f00:1::1]', '[::ffff:0:7f00:1]', '[64:ff9b:1::7f00:1]', '[fec0::1]', '[::ffff:7f00:1]', '[64:ff9b::a00:1]']) {
      expect(urlProblem(`https://${host}/hook`, PRODUCTION), host).toBe('is not a public address');
    }
    expect(urlProblem('https://[2001:4860:4860::8888]/hook', PRODUCTION)).toBeNull();
    expect(urlProblem('http://hooks.example.com/osr', PRODUCTION)).toMatch(/https/);
    expect(urlProblem('https://hooks.example.com/osr', PRODUCTION)).toBeNull();
    // allowed only with WEBHOOK_ALLOW_PRIVATE (and http only then, outside production)
    expect(urlProblem('http://127.0.0.1:8080/hook', { production: false, allowPrivate: true })).toBeNull();
    expect(urlProblem('http://127.0.0.1:8080/hook', { production: true, allowPrivate: true })).toMatch(/https/);
  });

  it('checks what the name resolves to at delivery time (a public name that now points inside is refused)', async () => {
    const rebinding = (async () => [{ address: '127.0.0.1', family: 4 }]) as unknown as Parameters<typeof resolveTarget>[2];
    // the refusal names neither the address the name resolves to nor the lookup's error
    await expect(resolveTarget('https://hooks.example.com/osr', PRODUCTION, rebinding)).rejects.toThrow(/^the URL is not a public address$/);
    const missing = (async () => { throw Object.assign(new Error('getaddrinfo ENOTFOUND hooks.example.com'), { code: 'ENOTFOUND' }); }) as unknown as Parameters<typeof resolveTarget>[2];
    await expect(resolveTarget('https://hooks.example.com/osr', PRODUCTION, missing)).rejects.toThrow(/^the URL is not a public address$/);
    const publicAnswer = (async () => [{ address: '93.184.216.34', family: 4 }]) as unknown as Parameters<typeof resolveTarget>[2];
    await expect(resolveTarget('https://hooks.example.com/osr', PRODUCTION, publicAnswer)).resolves.toEqual({ address: '93.184.216.34', family: 4 });
  });
});

function mandate(fields: Partial<MandateDocument> = {}): MandateDocument {
  const at = new Date('2026-12-01T10:00:00Z');
  return {
    id: 'm1', serviceCode: 'OSO_OV', systemId: 's1', brin: '00AV', boardNummer: '41234', startDate: '2027-01-01', endDate: null, origin: 'OSR',
    version: 1, createdAt: at, createdBy: 'Jan', updatedAt: at, lastReviewedAt: null, lastReviewedBy: null, reviewReasons: [], reviewBoards: [], slotKey: 'school:00AV|OSO_OV', ...fields,
  };
}

function entry(slotSeq: number, changes: MandateHistoryDocument['changes']): MandateHistoryDocument {
  return { slotKey: 'school:00AV|OSO_OV', slotSeq, at: new Date(), by: 'Jan', bySub: 'j', byRole: 'BOARD', mandateIds: changes.map((c) => c.mandateId), changes };
}

describe('events from recorded changes', () => {
  it('names each change by what it means to the supplier, with ids fixed by the entry', () => {
    const m = mandate();
    const ended = { ...m, endDate: '2027-06-30', version: 2 };
    const moved = { ...ended, version: 3, reviewReasons: [{ changeId: 'c1', kind: 'SCHOOL_MOVED' as const, description: 'moved', boards: [], effectiveDate: '2027-02-01', raisedAt: new Date() }] };
    const retired = { ...moved, version: 4, reviewReasons: [...moved.reviewReasons, { changeId: 'r1', kind: 'SYSTEM_RETIRED' as const, description: 'retired', boards: [], effectiveDate: '2027-03-01', raisedAt: new Date() }] };
    const types = [
      eventsOf(entry(1, [{ mandateId: 'm1', action: 'CREATED', before: null, after: m }])),
      eventsOf(entry(2, [{ mandateId: 'm1', action: 'ENDED', before: m, after: ended }])),
      eventsOf(entry(3, [{ mandateId: 'm1', action: 'ENDED', before: ended, after: { ...ended, endDate: '2027-07-31' } }])),
      eventsOf(entry(4, [{ mandateId: 'm1', action: 'FLAGGED_FOR_REVIEW', before: ended, after: moved }])),
      eventsOf(entry(5, [{ mandateId: 'm1', action: 'FLAGGED_FOR_REVIEW', before: moved, after: retired }])),
      eventsOf(entry(6, [{ mandateId: 'm1', action: 'REVIEWED', before: retired, after: { ...retired, reviewReasons: [] } }])),
      eventsOf(entry(7, [{ mandateId: 'm1', action: 'REVIEWED', before: m, after: m }])),
      eventsOf(entry(7, [{ mandateId: 'm1', action: 'CONFIRMED', before: retired, after: { ...retired, reviewReasons: [] } }])),
      eventsOf(entry(7, [{ mandateId: 'm1', action: 'CONFIRMED', before: m, after: m }])),
      eventsOf(entry(8, [
        { mandateId: 'm1', action: 'SWITCHED_FROM', before: m, after: ended },
        { mandateId: 'm2', action: 'SWITCHED_TO', before: null, after: mandate({ id: 'm2', systemId: 's2' }) },
      ])),
    ].map((events) => events.map((e) => e.type));
    expect(types).toEqual([
      ['MANDATE_GRANTED'], ['MANDATE_ENDED'], ['MANDATE_END_DATE_CHANGED'], ['MANDATE_FLAGGED_FOR_REVIEW'], ['SYSTEM_RETIRED'], ['MANDATE_REVIEW_CLEARED'], [],
      ['MANDATE_REVIEW_CLEARED'], [],
      ['MANDATE_SWITCHED_FROM', 'MANDATE_SWITCHED_TO'],
    ]);
    const once = eventsOf(entry(1, [{ mandateId: 'm1', action: 'CREATED', before: null, after: m }]))[0]!;
    const again = eventsOf(entry(1, [{ mandateId: 'm1', action: 'CREATED', before: null, after: m }]))[0]!;
    expect(again._id).toBe(once._id);
    expect(JSON.stringify(once.after)).not.toContain('Jan');
  });
});

describe('retries and secrets', () => {
  it('backs off exponentially with jitter, capped', () => {
    const settings = { retryBaseMs: 1000, retryMaxDelayMs: 60_000 };
    expect(backoffMs(1, settings, () => 1)).toBe(1000);
    expect(backoffMs(3, settings, () => 1)).toBe(4000);
    expect(backoffMs(3, settings, () => 0)).toBe(2000);
    expect(backoffMs(30, settings, () => 1)).toBe(60_000);
  });

  it('keeps secrets encrypted, readable only with the same key; signatures verify with either secret while rotating', () => {
    const box = new SecretBox(null, 'x'.repeat(40));
    const secret = SecretBox.generate();
    const sealed = box.seal(secret);
    expect(JSON.stringify(sealed)).not.toContain(secret.slice(6));
    expect(box.open(sealed)).toBe(secret);
    expect(() => new SecretBox('another key of at least thirty-two chars', 'x'.repeat(40)).open(sealed)).toThrow(/another key/);
    const old = SecretBox.generate();
    const ts = String(Math.floor(Date.now() / 1000));
    const header = signatureHeader([secret, old], ts, '{"a":1}');
    expect(verifyOsrSignature({ 'x-osr-timestamp': ts, 'x-osr-signature': header }, '{"a":1}', [old])).toBe(true);
    expect(verifyOsrSignature({ 'x-osr-timestamp': ts, 'x-osr-signature': header }, '{"a":1}', [secret])).toBe(true);
    expect(verifyOsrSignature({ 'x-osr-timestamp': String(Number(ts) - 3600), 'x-osr-signature': signatureHeader([secret], String(Number(ts) - 3600), '{"a":1}') }, '{"a":1}', [secret])).toBe(false);
  });
});

describe('the supplier docs', () => {
  it('show the verification code the tests run', async () => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync(new URL('../../../docs/webhooks.md', import.meta.url), 'utf8');
    const example = readFileSync(new URL('../../../docs/examples/webhook-receiver.ts', import.meta.url), 'utf8');
    const start = example.indexOf('export function verifyOsrSignature');
    const fn = example.slice(start, example.indexOf('\n}\n', start) + 2);
    expect(doc).toContain(fn);
  });
});
