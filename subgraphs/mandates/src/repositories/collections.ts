/**
 * The mandates database's collections by name: the one place that names them (but for the
 * read model's own, read-model/collections.ts). The
 * repositories in this folder take the handles they own from here and keep them private;
 * the maintenance module (repairs, back-fills, bulk loads, used by the commands) and tests
 * that write around the repositories to simulate faults take them from here as well.
 */
import type { Db } from 'mongodb';
import { declareIndexes } from '@osr/common';
import type { ChangeMarkDocument } from '@osr/common';
import type {
  AanleverpuntDocument,
  CatalogueChangeDocument,
  ServiceChangeDocument,
  FeedCursorDocument,
  MandateDocument,
  MandateHistoryDocument,
  ServiceDocument,
  SupplierDocument,
  SystemDocument,
} from '../documents.js';
import type { WebhookEventDocument } from '../webhooks/events.js';
import type { ClaimDocument, WebhookDeliveryDocument, WebhookDocument } from './webhooks.js';

export function collectionsOf(db: Db) {
  return {
    services: db.collection<ServiceDocument>('services'),
    serviceHistory: db.collection<ServiceChangeDocument>('service_history'),
    suppliers: db.collection<SupplierDocument>('suppliers'),
    systems: db.collection<SystemDocument>('systems'),
    catalogueHistory: db.collection<CatalogueChangeDocument>('catalogue_history'),
    mandates: db.collection<MandateDocument>('mandates'),
    history: db.collection<MandateHistoryDocument>('mandate_history'),
    cursors: db.collection<FeedCursorDocument>('feed_cursors'),
    aanleverpunten: db.collection<AanleverpuntDocument>('aanleverpunten'),
    marks: db.collection<ChangeMarkDocument>('change_marks'),
    webhooks: db.collection<WebhookDocument>('webhooks'),
    deliveries: db.collection<WebhookDeliveryDocument>('webhook_deliveries'),
    claims: db.collection<ClaimDocument>('webhook_claims'),
    webhookEvents: db.collection<WebhookEventDocument>('webhook_events'),
  };
}

export type MandatesCollections = ReturnType<typeof collectionsOf>;

/**
 * The mandates database's indexes, declared once (common/src/indexes.ts); the write path's
 * are in mandate-store.ts (STORE_INDEXES), the read model's in read-model/collections.ts, the
 * webhooks' in webhooks.ts.
 */
export const MANDATES_INDEXES = declareIndexes({
  services: { indexes: [{ name: 'code', keys: { code: 1 }, unique: true }] },
  suppliers: { indexes: [{ name: 'oin', keys: { oin: 1 }, unique: true }] },
  systems: {
    indexes: [
      { name: 'id', keys: { id: 1 }, unique: true },
      { name: 'supplier', keys: { supplierOin: 1 } },
    ],
  },
  mandates: {
    indexes: [
      { name: 'id', keys: { id: 1 }, unique: true },
      { name: 'school_service_system_start', keys: { brin: 1, serviceCode: 1, systemId: 1, startDate: 1 }, gin: ['brin', 'serviceCode', 'systemId'] },
      { name: 'board', keys: { boardNummer: 1 } },
      { name: 'system_changes', keys: { systemId: 1, updatedAt: 1, id: 1 }, gin: ['systemId', 'serviceCode'] },
    ],
  },
  feed_cursors: { indexes: [{ name: 'feed', keys: { feed: 1 }, unique: true }] },
  /** The supplier catalogue's change history (catalogue.ts), read per supplier. */
  catalogue_history: { indexes: [{ name: 'supplier_at', keys: { supplierOin: 1, at: 1 }, gin: ['supplierOin'] }] },
  /** The service catalogue's change history (service-catalogue.ts), read per service. */
  service_history: { indexes: [{ name: 'code_at', keys: { code: 1, at: 1 }, gin: ['code'] }] },
  aanleverpunten: { indexes: [{ name: 'brin_index', keys: { brin: 1, index: 1 }, unique: true, gin: ['brin'] }] },
});

