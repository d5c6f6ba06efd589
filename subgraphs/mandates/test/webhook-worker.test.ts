/**
 * The delivery worker on the real database with live local receivers: one endpoint that hangs
 * holds up none of another supplier's deliveries, and a resume or a redelivery is tried at
 * once even when its queue was backing off for an hour. Each test waits for the receiver to
 * get the request (an event), never for a time.
 */
import http from 'node:http';
import { once, EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@osr/common';
import { buildDemoData, SUPPLIER_A, SUPPLIER_B, SYSTEM_A, SYSTEM_B } from '../../../scripts/demo-data.js';
import type { DirectAccess } from '../src/repositories/direct.js';
import { webhookSettings } from '../src/webhooks/config.js';
import { WebhookMetrics } from '../src/webhooks/metrics.js';
import { SecretBox } from '../src/webhooks/secrets.js';
import { WebhookSubscriptions } from '../src/webhooks/subscriptions.js';
import { WebhookWorker } from '../src/webhooks/worker.js';
import { verifyOsrSignature } from '../../../docs/examples/webhook-receiver.js';
import { seededMandates, support } from './fixtures.js';

const ACTOR = { sub: 'u', name: 'Tester', role: 'SUPPORT' };

/**
 * A receiver: 'ok' answers 204, 'down' 503, 'hang' never answers, 'hold' answers 204 when
 * `release` is called. Emits 'request' with the event id and mode of each.
 */
async function receiver() {
  const events = new EventEmitter();
  const held: (() => void)[] = [];
  const state = { mode: 'ok' as 'ok' | 'down' | 'hang' | 'hold', delivered: new Set<string>(), signatures: new Map<string, { header: string; timestamp: string; body: string }>() };
  const server = http.createServer((req, res) => {
    const id = String(req.headers['x-osr-event-id']);
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      state.signatures.set(id, { header: String(req.headers['x-osr-signature']), timestamp: String(req.headers['x-osr-timestamp']), body });
      const mode = state.mode;
      if (mode === 'ok') {
        state.delivered.add(id);
        res.writeHead(204).end();
      } else if (mode === 'down') res.writeHead(503).end();
      else if (mode === 'hold') held.push(() => {
        state.delivered.add(id);
        res.writeHead(204).end();
      });
      events.emit('request', id, mode);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  /** Resolves at the first request (from now on) that the predicate accepts. */
  const next = async (accept: (id: string, mode: string) => boolean) => {
    for (;;) {
      const [id, mode] = (await once(events, 'request')) as [string, string];
      if (accept(id, mode)) return id;
    }
  };
  return {
    state,
    next,
    release: () => held.splice(0).forEach((answer) => answer()),
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

describe('the webhook worker', () => {
  let database: Database;
  let repository: DirectAccess;
  let worker: WebhookWorker;
  let subscriptions: WebhookSubscriptions;
  let a: Awaited<ReturnType<typeof receiver>>;
  let b: Awaited<ReturnType<typeof receiver>>;
  let webhookB: string;

  beforeAll(async () => {
    ({ database, repository } = await seededMandates(buildDemoData()));
    [a, b] = await Promise.all([receiver(), receiver()]);
    // a hanging attempt lasts the whole test; a failed one is retried after 30 to 60 minutes
    const settings = { ...webhookSettings({ WEBHOOK_ALLOW_PRIVATE: 'true' }), allowPrivate: true, pollMs: 100, timeoutMs: 120_000, retryBaseMs: 3_600_000, retryMaxDelayMs: 3_600_000 };
    const box = new SecretBox(null, 'x'.repeat(40));
    subscriptions = new WebhookSubscriptions(repository.webhookRepository, box, settings, async () => true);
    await subscriptions.register({ url: a.url, supplier: SUPPLIER_A.oin }, support);
    webhookB = (await subscriptions.register({ url: b.url, supplier: SUPPLIER_B.oin }, support)).webhook.id;
    const suppliers = new Map([[SYSTEM_A, SUPPLIER_A.oin], [SYSTEM_B, SUPPLIER_B.oin]]);
    worker = new WebhookWorker({ collections: repository.webhookRepository, store: repository.store, box, settings, metrics: new WebhookMetrics(), supplierOfSystem: async (id) => suppliers.get(id) ?? null });
    subscriptions.onDue = (id) => worker.wake(id);
    worker.start();
  });
  afterAll(async () => {
    await worker?.halt();
    await Promise.all([a?.close(), b?.close()]);
    await database?.close();
  });

  /** Ends the first open mandate of the system (or the one named) on a new date; returns the mandate's id. */
  let day = 1;
  async function change(systemId: string, mandateId?: string): Promise<string> {
    const open = await repository.mandates.find({ systemId, endDate: null }).toArray();
    const mandate = mandateId ? (await repository.mandates.findOne({ id: mandateId }))! : open.find((m) => m.brin !== null)!;
    const state = await repository.store.readSlot(mandate.slotKey);
    const current = state.mandates.find((m) => m.id === mandate.id)!;
    const after = { ...current, endDate: `2040-01-${String(day++).padStart(2, '0')}`, version: current.version + 1, updatedAt: new Date() };
    await repository.store.commit(state, [{ mandateId: current.id, action: 'ENDED', before: current, after }], ACTOR, new Date());
    return current.id;
  }

  /**
   * The event's delivery to B once its failed attempt is recorded, and the endpoint's health
   * after it (the worker writes both right after the answer; a pause written meanwhile would
   * meet a CONFLICT).
   */
  async function recorded(eventId: string) {
    for (;;) {
      const queued = (await repository.webhookRepository.deliveries.find({ due: webhookB }).toArray()).find((d) => d.eventId === eventId);
      const endpoint = await repository.webhookRepository.webhooks.findOne({ id: webhookB });
      if (queued && queued.attemptCount === 1 && endpoint?.failingSince) return queued;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('while supplier A\'s receiver hangs, supplier B\'s change still reaches B', async () => {
    a.state.mode = 'hang';
    const hanging = a.next(() => true);
    await change(SYSTEM_A);
    await hanging;
    const arrived = b.next((_id, mode) => mode === 'ok');
    await change(SYSTEM_B);
    const id = await arrived;
    expect(b.state.delivered.has(id)).toBe(true);
  }, 20_000);

  it('a resume tries the deliveries held at once, even those of a queue that was waiting an hour for its retry', async () => {
    b.state.mode = 'down';
    const failed = b.next((_id, mode) => mode === 'down');
    await change(SYSTEM_B);
    const eventId = await failed;
    const queued = await recorded(eventId);
    expect(queued.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 25 * 60_000);
    await subscriptions.pause(webhookB, support);
    b.state.mode = 'ok';
    const arrived = b.next((id, mode) => id === eventId && mode === 'ok');
    await subscriptions.resume(webhookB, support);
    await arrived;
  }, 20_000);

  it('a redelivery of an event whose delivery is waiting for its retry is tried at once', async () => {
    b.state.mode = 'down';
    const failed = b.next((_id, mode) => mode === 'down');
    await change(SYSTEM_B);
    const eventId = await failed;
    await recorded(eventId);
    b.state.mode = 'ok';
    const arrived = b.next((id, mode) => id === eventId && mode === 'ok');
    await subscriptions.redeliver(eventId, support);
    await arrived;
  }, 20_000);

  it('a redelivery asked while an attempt is in flight is not lost when that attempt succeeds', async () => {
    b.state.mode = 'hold';
    const inFlight = b.next((_id, mode) => mode === 'hold');
    await change(SYSTEM_B);
    const eventId = await inFlight;
    // the receiver has the request but has not answered: the delivery is still queued
    const [asked] = await subscriptions.redeliver(eventId, support);
    expect(asked!.status).toBe('QUEUED');
    b.state.mode = 'ok';
    const again = b.next((id, mode) => id === eventId && mode === 'ok');
    b.release();
    await again;
  }, 20_000);

  it('rotating a secret that can no longer be read (the key changed) drops it: deliveries go out signed with the new one only', async () => {
    b.state.mode = 'ok';
    // the stored secret was encrypted under another key (WEBHOOK_SECRET_KEY changed)
    const unreadable = new SecretBox('a key that is no longer configured, 32+ chars', 'x'.repeat(40)).seal(SecretBox.generate());
    await repository.webhookRepository.webhooks.updateOne({ id: webhookB }, { $set: { secrets: [unreadable] } });
    const { webhook, secret } = await subscriptions.rotate(webhookB, support);
    expect(webhook.secrets).toHaveLength(1);
    expect(webhook.previousSecretValidUntil).toBeNull();
    const arrived = b.next((_id, mode) => mode === 'ok');
    await change(SYSTEM_B);
    const id = await arrived;
    const signed = b.state.signatures.get(id)!;
    expect(signed.header.split(',')).toHaveLength(1);
    expect(verifyOsrSignature({ 'x-osr-timestamp': signed.timestamp, 'x-osr-signature': signed.header }, signed.body, [secret])).toBe(true);
    // and keepOld: false drops a readable old secret too
    const again = await subscriptions.rotate(webhookB, support, false);
    expect(again.webhook.secrets).toHaveLength(1);
    const next = b.next((_id, mode) => mode === 'ok');
    await change(SYSTEM_B);
    const second = await next;
    const signedAgain = b.state.signatures.get(second)!;
    expect(signedAgain.header.split(',')).toHaveLength(1);
    expect(verifyOsrSignature({ 'x-osr-timestamp': signedAgain.timestamp, 'x-osr-signature': signedAgain.header }, signedAgain.body, [again.secret])).toBe(true);
  }, 20_000);

  it('webhookDeliveries shows the attempt in flight, and no next attempt time for it, for the event queued behind it, or while paused', async () => {
    b.state.mode = 'hold';
    const inFlight = b.next((_id, mode) => mode === 'hold');
    const mandateId = await change(SYSTEM_B);
    const eventId = await inFlight;
    await change(SYSTEM_B, mandateId); // a second event of the same mandate: it waits for the first
    const states = async () => {
      const page = await subscriptions.deliveries(support, webhookB, 'QUEUED', 10, null);
      return page.edges.map((e) => e.node).filter((d) => d.mandateId === mandateId).sort((x, y) => x.order - y.order);
    };
    let [first, second] = await states();
    for (; !second || !first!.state?.attemptInFlightSince; [first, second] = await states()) await new Promise((r) => setTimeout(r, 20));
    expect(first!.eventId).toBe(eventId);
    expect(first!.state).toEqual({ attemptInFlightSince: expect.any(Date), nextAttemptAt: null, waitingForEarlierEvent: false });
    expect(second!.state).toEqual({ attemptInFlightSince: null, nextAttemptAt: null, waitingForEarlierEvent: true });
    // paused: nothing is due, whatever the stored time says
    await subscriptions.pause(webhookB, support);
    b.state.mode = 'ok';
    b.release();
    for (;;) {
      const [only, ...rest] = await states();
      if (only && rest.length === 0 && only.state?.attemptInFlightSince === null) {
        expect(only.state).toEqual({ attemptInFlightSince: null, nextAttemptAt: null, waitingForEarlierEvent: false });
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const last = b.next((_id, mode) => mode === 'ok');
    await subscriptions.resume(webhookB, support);
    await last;
  }, 20_000);
});
