/**
 * Webhook events, derived from the mandates' recorded changes (mandate_history entries) and
 * written to the outbox under an id derived from the entry, before the entry is applied: no
 * event without its recorded change, no applied change without its events (docs/webhooks.md,
 * "No event without its change, no change without its event").
 */
import { createHash } from 'node:crypto';
import type { Collection } from 'mongodb';
import { declareIndexes, duplicateKeysOnly, ensureIndexes } from '@osr/common';
import type { MandateChangeDocument, MandateDocument, MandateHistoryDocument, MandateReviewKind, ServiceCode } from '../documents.js';

export const WEBHOOK_EVENT_TYPES = [
  'MANDATE_GRANTED',
  'MANDATE_ENDED',
  'MANDATE_END_DATE_CHANGED',
  'MANDATE_SWITCHED_FROM',
  'MANDATE_SWITCHED_TO',
  'MANDATE_FLAGGED_FOR_REVIEW',
  'MANDATE_REVIEW_CLEARED',
  'SYSTEM_RETIRED',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** A mandate as a supplier receives it (no names of board staff). */
export interface EventMandate {
  id: string;
  service: ServiceCode;
  systemId: string;
  brin: string | null;
  bevoegdGezagNummer: string;
  startDate: string;
  endDate: string | null;
  version: number;
  reviewReasons: { kind: MandateReviewKind; description: string; effectiveDate: string }[];
}

export interface WebhookEventDocument {
  /** the event id (x-osr-event-id): derived from the history entry, the same on every replica */
  _id: string;
  type: WebhookEventType;
  occurredAt: Date;
  slotKey: string;
  slotSeq: number;
  /** the change's place in its entry */
  index: number;
  /** order of the mandate's events: slotSeq, then index (a mandate lives in one slot) */
  order: number;
  mandateId: string;
  serviceCode: ServiceCode;
  systemId: string;
  brin: string | null;
  boardNummer: string;
  before: EventMandate | null;
  after: EventMandate;
  /** the review reason the change raised (flagged for review, system retired) */
  reviewKind?: MandateReviewKind;
  /** present (true) until the worker has made the deliveries for it */
  pending?: true;
}

export const EVENT_INDEXES = declareIndexes({
  webhook_events: { indexes: [{ name: 'pending', keys: { pending: 1 }, gin: ['pending'] }], byId: true },
});

const ORDER_STEP = 1000;

export function eventIdOf(slotKey: string, slotSeq: number, index: number): string {
  return `evt_${createHash('sha256').update(`${slotKey}#${slotSeq}#${index}`).digest('hex').slice(0, 32)}`;
}

export function eventMandate(m: MandateDocument): EventMandate {
  return {
    id: m.id,
    service: m.serviceCode,
    systemId: m.systemId,
    brin: m.brin,
    bevoegdGezagNummer: m.boardNummer,
    startDate: m.startDate,
    endDate: m.endDate,
    version: m.version,
    reviewReasons: m.reviewReasons.map((r) => ({ kind: r.kind, description: r.description, effectiveDate: r.effectiveDate })),
  };
}

/** What one recorded change means to the supplier of the mandate's system (null: nothing to tell). */
export function typeOf(change: MandateChangeDocument): { type: WebhookEventType; reviewKind?: MandateReviewKind } | null {
  const { before, after } = change;
  switch (change.action) {
    case 'CREATED':
      return { type: 'MANDATE_GRANTED' };
    case 'ENDED':
      return { type: before?.endDate == null ? 'MANDATE_ENDED' : 'MANDATE_END_DATE_CHANGED' };
    case 'SWITCHED_FROM':
      return { type: 'MANDATE_SWITCHED_FROM' };
    case 'SWITCHED_TO':
      return { type: 'MANDATE_SWITCHED_TO' };
    case 'REVIEWED':
      // a review that cleared nothing changes nothing the supplier acts on
      return before && before.reviewReasons.length > 0 ? { type: 'MANDATE_REVIEW_CLEARED' } : null;
    case 'FLAGGED_FOR_REVIEW': {
      const known = new Set((before?.reviewReasons ?? []).map((r) => r.changeId));
      const raised = after.reviewReasons.find((r) => !known.has(r.changeId));
      if (!raised) return null;
      return { type: raised.kind === 'SYSTEM_RETIRED' ? 'SYSTEM_RETIRED' : 'MANDATE_FLAGGED_FOR_REVIEW', reviewKind: raised.kind };
    }
    case 'CONFIRMED':
      // the yearly check (mandate-check.ts): suppliers read Mandate.yearCheck when they need
      // it; a confirmation is also a review, and one that cleared flags is told as
      // markMandatesReviewed tells it
      return before && before.reviewReasons.length > 0 && after.reviewReasons.length === 0 ? { type: 'MANDATE_REVIEW_CLEARED' } : null;
  }
}

/** The events of one recorded entry, in the entry's order. */
export function eventsOf(entry: MandateHistoryDocument): WebhookEventDocument[] {
  const events: WebhookEventDocument[] = [];
  entry.changes.forEach((change, index) => {
    const kind = typeOf(change);
    if (!kind) return;
    const { after } = change;
    events.push({
      _id: eventIdOf(entry.slotKey, entry.slotSeq, index),
      type: kind.type,
      occurredAt: entry.at,
      slotKey: entry.slotKey,
      slotSeq: entry.slotSeq,
      index,
      order: entry.slotSeq * ORDER_STEP + index,
      mandateId: change.mandateId,
      serviceCode: after.serviceCode,
      systemId: after.systemId,
      brin: after.brin,
      boardNummer: after.boardNummer,
      before: change.before ? eventMandate(change.before) : null,
      after: eventMandate(after),
      ...(kind.reviewKind ? { reviewKind: kind.reviewKind } : {}),
      pending: true,
    });
  });
  return events;
}

/** The outbox: the mandate store writes each entry's events here before applying the entry. */
export class WebhookOutbox {
  /** told after events were written (the worker of this process starts a round at once) */
  private readonly listeners = new Set<() => void>();

  constructor(readonly events: Collection<WebhookEventDocument>) {}

  onRecorded(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async ensureIndexes(): Promise<void> {
    await ensureIndexes(this.events, EVENT_INDEXES.webhook_events);
  }

  /** Writes the entries' events; those written before (a roll forward, a retry) stay as they are. */
  async record(entries: readonly MandateHistoryDocument[]): Promise<void> {
    const events = entries.flatMap(eventsOf);
    if (!events.length) return;
    try {
      await this.events.insertMany(events, { ordered: false });
    } catch (err) {
      if (!duplicateKeysOnly(err)) throw err;
    }
    for (const listener of this.listeners) listener();
  }
}
