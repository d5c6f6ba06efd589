/**
 * The webhook collections: endpoints (`webhooks`), the outbox of events (`webhook_events`,
 * events.ts), one delivery per event and endpoint (`webhook_deliveries`) and the claims of
 * delivery attempts (`webhook_claims`). Every query is an equality on one indexed field.
 */
import type { Collection } from 'mongodb';
import { declareIndexes, ensureIndexes } from '@osr/common';
import type { ServiceCode } from '../documents.js';
import { WebhookOutbox, type WebhookEventDocument, type WebhookEventType } from '../webhooks/events.js';
import type { EncryptedSecret } from '../webhooks/secrets.js';

export type WebhookStatus = 'ACTIVE' | 'PAUSED' | 'DELETED';
export type DeliveryStatus = 'QUEUED' | 'DELIVERED' | 'FAILED';

export interface WebhookDocument {
  id: string;
  supplierOin: string;
  url: string;
  /** null: every service */
  services: ServiceCode[] | null;
  /** null: every event type */
  events: WebhookEventType[] | null;
  status: WebhookStatus;
  pausedReason: string | null;
  pausedAt: Date | null;
  /** the current secret first; during a rotation's overlap also the previous one */
  secrets: EncryptedSecret[];
  previousSecretValidUntil: Date | null;
  /** first failed attempt since the last 2xx (null while it answers) */
  failingSince: Date | null;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  version: number;
}

export interface DeliveryAttempt {
  at: Date;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface WebhookDeliveryDocument {
  /** `<event id>.<webhook id>`: one delivery per event and endpoint, whoever makes it */
  _id: string;
  webhookId: string;
  supplierOin: string;
  eventId: string;
  eventType: WebhookEventType;
  mandateId: string;
  occurredAt: Date;
  /** `<webhook id>|<mandate id>`: deliveries of one queue go out in `order` */
  queue: string;
  order: number;
  status: DeliveryStatus;
  /** the webhook id while QUEUED (absent otherwise): what the worker reads */
  due?: string;
  /** `<webhook id>|<status>`: webhookDeliveries(status:) */
  listKey: string;
  /** `<createdAt ISO>|<_id>`: newest first in webhookDeliveries */
  sortKey: string;
  attemptCount: number;
  attempts: DeliveryAttempt[];
  /** the retries stop (FAILED) after this time */
  giveUpAt: Date | null;
  nextAttemptAt: Date;
  /**
   * A redelivery was asked while it was queued, perhaps with an attempt in flight: that
   * attempt's outcome is recorded, and it is sent once more at once (absent otherwise).
   */
  sendAgain?: boolean;
  /** when the attempt in flight was claimed (absent when none is; a claim past its lease is dead) */
  attemptStartedAt?: Date;
  /** what webhookDeliveries shows of its state now: computed when read, never stored */
  state?: DeliveryState;
  deliveredAt: Date | null;
  createdAt: Date;
  /** the JSON body, the same in every attempt */
  body: string;
}

/** A queued delivery's state as webhookDeliveries shows it. */
export interface DeliveryState {
  /** an attempt is being made since then (null: none) */
  attemptInFlightSince: Date | null;
  /** when the next attempt is due; null while one is in flight, the endpoint is paused, or an earlier event of the mandate is still queued */
  nextAttemptAt: Date | null;
  /** an earlier event of the same mandate is still queued: this one goes after it */
  waitingForEarlierEvent: boolean;
}

export interface ClaimDocument {
  /** `<delivery id>#<attempt>#<takeover>`: only one worker inserts it */
  _id: string;
  owner: string;
  expiresAt: Date;
}

export const WEBHOOK_INDEXES = declareIndexes({
  webhooks: {
    indexes: [
      { name: 'id', keys: { id: 1 }, unique: true },
      { name: 'supplier', keys: { supplierOin: 1 } },
      { name: 'status', keys: { status: 1 } },
    ],
  },
  webhook_deliveries: {
    indexes: [
      { name: 'due', keys: { due: 1 }, gin: ['due'] },
      { name: 'queue', keys: { queue: 1 }, gin: ['queue'] },
      { name: 'webhook_sort', keys: { webhookId: 1, sortKey: -1 }, gin: ['webhookId'] },
      { name: 'list_sort', keys: { listKey: 1, sortKey: -1 }, gin: ['listKey'] },
      { name: 'event', keys: { eventId: 1 }, gin: ['eventId'] },
    ],
    byId: true,
  },
  webhook_claims: { indexes: [], byId: true },
});

/**
 * The webhooks' own collections; the webhook subscriptions and the delivery worker
 * (src/webhooks/) are the only code that queries them.
 */
export class WebhookRepository {
  readonly webhooks: Collection<WebhookDocument>;
  readonly deliveries: Collection<WebhookDeliveryDocument>;
  readonly claims: Collection<ClaimDocument>;
  readonly outbox: WebhookOutbox;

  constructor(collections: {
    webhooks: Collection<WebhookDocument>;
    deliveries: Collection<WebhookDeliveryDocument>;
    claims: Collection<ClaimDocument>;
    webhookEvents: Collection<WebhookEventDocument>;
  }) {
    this.webhooks = collections.webhooks;
    this.deliveries = collections.deliveries;
    this.claims = collections.claims;
    this.outbox = new WebhookOutbox(collections.webhookEvents);
  }

  async ensureIndexes(): Promise<void> {
    await ensureIndexes(this.webhooks, WEBHOOK_INDEXES.webhooks);
    await ensureIndexes(this.deliveries, WEBHOOK_INDEXES.webhook_deliveries);
    await ensureIndexes(this.claims, WEBHOOK_INDEXES.webhook_claims);
    await this.outbox.ensureIndexes();
  }
}
