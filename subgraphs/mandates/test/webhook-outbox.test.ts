/**
 * Events are written with the recorded change (webhooks/events.ts): a change recorded and
 * not applied (the writer died) gets its events from the roll forward; a failure to write
 * the events leaves the mandates unchanged until the roll forward writes both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@osr/common';
import { buildDemoData } from '../../../scripts/demo-data.js';
import { MandateStore } from '../src/repositories/mandate-store.js';
import type { DirectAccess } from '../src/repositories/direct.js';
import { eventIdOf } from '../src/webhooks/events.js';
import { webhookSettings } from '../src/webhooks/config.js';
import { WebhookMetrics } from '../src/webhooks/metrics.js';
import { SecretBox } from '../src/webhooks/secrets.js';
import { WebhookWorker } from '../src/webhooks/worker.js';
import { seededMandates } from './fixtures.js';

const ACTOR = { sub: 'u', name: 'Tester', role: 'SUPPORT' };

describe('webhook events go with the recorded change', () => {
  let database: Database;
  let repository: DirectAccess;

  beforeAll(async () => {
    ({ database, repository } = await seededMandates(buildDemoData()));
  });
  afterAll(() => database?.close());

  async function endChange(slotKey: string) {
    const state = await repository.store.readSlot(slotKey);
    const current = state.mandates.find((m) => m.endDate === null)!;
    const after = { ...current, endDate: '2031-12-31', version: current.version + 1, updatedAt: new Date() };
    return { state, current, changes: [{ mandateId: current.id, action: 'ENDED' as const, before: current, after }] };
  }

  it('a change recorded but not applied gets its event from the roll forward, once', async () => {
    const slotKey = 'school:01BC|OSO_OV';
    const { state, current, changes } = await endChange(slotKey);
    // the writer recorded the entry and died before applying it
    await repository.history.insertOne({
      slotKey, slotSeq: state.seq + 1, at: new Date(), by: 'Tester', bySub: 'u', byRole: 'SUPPORT', mandateIds: [current.id], changes,
    });
    const id = eventIdOf(slotKey, state.seq + 1, 0);
    expect(await repository.webhookRepository.outbox.events.findOne({ _id: id })).toBeNull();
    const after = await repository.store.readSlot(slotKey);
    expect(after.mandates.find((m) => m.id === current.id)!.endDate).toBe('2031-12-31');
    const event = await repository.webhookRepository.outbox.events.findOne({ _id: id });
    expect(event).toMatchObject({ type: 'MANDATE_ENDED', mandateId: current.id, pending: true });
    // reading again (another roll forward attempt) writes nothing twice
    await repository.store.readSlot(slotKey);
    expect(await repository.webhookRepository.outbox.events.countDocuments({ _id: id })).toBe(1);
  });

  it('when the events cannot be written, the mandate is not changed; the roll forward writes both', async () => {
    const slotKey = 'school:02DF|OSO_OV';
    const { state, current, changes } = await endChange(slotKey);
    const failing = { record: async () => { throw new Error('database went away'); } };
    const store = new MandateStore(repository.mandates, repository.history, undefined, failing);
    store.hook = repository.store.hook;
    await expect(store.commit(state, changes, ACTOR, new Date())).rejects.toThrow('database went away');
    expect((await repository.mandates.findOne({ id: current.id }))!.endDate).toBeNull();
    const id = eventIdOf(slotKey, state.seq + 1, 0);
    expect(await repository.webhookRepository.outbox.events.findOne({ _id: id })).toBeNull();
    await repository.store.readSlot(slotKey);
    expect((await repository.mandates.findOne({ id: current.id }))!.endDate).toBe('2031-12-31');
    expect(await repository.webhookRepository.outbox.events.findOne({ _id: id })).toMatchObject({ type: 'MANDATE_ENDED' });
  });

  it('a change through the store writes its events before it returns', async () => {
    const slotKey = 'school:06NP|OSO_OV';
    const { state, changes } = await endChange(slotKey);
    await repository.store.commit(state, changes, ACTOR, new Date());
    expect(await repository.webhookRepository.outbox.events.findOne({ _id: eventIdOf(slotKey, state.seq + 1, 0) })).toMatchObject({ type: 'MANDATE_ENDED' });
  });

  it('removes deliveries that left the queue and fanned-out events after the keep period, never queued ones or pending events', async () => {
    const old = new Date(Date.now() - 40 * 86_400_000);
    const base = { webhookId: 'wh_x', supplierOin: 'o', eventId: 'evt_x', eventType: 'MANDATE_GRANTED' as const, mandateId: 'm', occurredAt: old, queue: 'wh_x|m', order: 1, listKey: 'x', sortKey: 'x', attemptCount: 1, attempts: [], giveUpAt: null, nextAttemptAt: old, deliveredAt: old, createdAt: old, body: '{}' };
    await repository.webhookRepository.deliveries.insertMany([
      { ...base, _id: 'old-delivered', status: 'DELIVERED' },
      { ...base, _id: 'old-queued', status: 'QUEUED', due: 'wh_x' },
      { ...base, _id: 'new-delivered', status: 'DELIVERED', createdAt: new Date() },
    ]);
    const event = (await repository.webhookRepository.outbox.events.find({}).limit(1).toArray())[0]!;
    const done = { ...event };
    delete done.pending;
    await repository.webhookRepository.outbox.events.insertMany([
      { ...done, _id: 'evt_old_done', occurredAt: old },
      { ...done, _id: 'evt_old_pending', occurredAt: old, pending: true },
    ]);
    const worker = new WebhookWorker({
      collections: repository.webhookRepository, store: repository.store, box: new SecretBox(null, 'x'.repeat(40)),
      settings: webhookSettings({}), metrics: new WebhookMetrics(), supplierOfSystem: async () => null,
    });
    expect(await worker.prune()).toEqual({ deliveries: 1, events: 1 });
    expect((await repository.webhookRepository.deliveries.find({ webhookId: 'wh_x' }).toArray()).map((d) => d._id).sort()).toEqual(['new-delivered', 'old-queued']);
    expect(await repository.webhookRepository.outbox.events.findOne({ _id: 'evt_old_pending' })).not.toBeNull();
  });
  it('a fan-out marks every event of its batch done together, asking for the supplier of each system once', async () => {
    const open = await repository.mandates.find({ serviceCode: 'OSO_OV', endDate: null }).limit(4).toArray();
    expect(open).toHaveLength(4);
    for (const { slotKey } of open) {
      const { state, changes } = await endChange(slotKey);
      await repository.store.commit(state, changes, ACTOR, new Date());
    }
    const events = repository.webhookRepository.outbox.events;
    const pending = await events.find({ pending: true }).toArray();
    expect(pending.length).toBeGreaterThanOrEqual(4);
    const asked = new Map<string, number>();
    const metrics = new WebhookMetrics();
    const worker = new WebhookWorker({
      collections: repository.webhookRepository, store: repository.store, box: new SecretBox(null, 'x'.repeat(40)),
      settings: webhookSettings({}), metrics,
      supplierOfSystem: async (id) => {
        asked.set(id, (asked.get(id) ?? 0) + 1);
        return null;
      },
    });
    await worker.fanOut();
    expect(await events.countDocuments({ pending: true })).toBe(0);
    expect(await events.countDocuments({ _id: { $in: pending.map((e) => e._id) } })).toBe(pending.length);
    expect([...asked.keys()].sort()).toEqual([...new Set(pending.map((e) => e.systemId))].sort());
    expect([...asked.values()].every((n) => n === 1)).toBe(true);
    // the metrics say what the round found, and that the next one found nothing waiting
    expect(await metrics.render()).toMatch(new RegExp(`^osr_webhook_events_waiting ${pending.length}$`, 'm'));
    await worker.fanOut();
    const after = await metrics.render();
    expect(after).toMatch(/^osr_webhook_events_waiting 0$/m);
    expect(after).toMatch(/^osr_webhook_fanout_rounds_total 2$/m);
  });
});
