/**
 * The mandates database's repositories, one per aggregate, each owning its collections:
 * mandates with their history, the catalogue, the aanleverpunten and the webhooks'. Opened
 * together because the mandate store writes the webhook outbox, the writes of mandates and
 * aanleverpunten are told to one write hook, and the reads and aggregates are answered
 * through one interface each (a read model may be put in front of them).
 */
import type { Db } from 'mongodb';
import type { Logger } from '@osr/common';
import { AanleverpuntenRepository } from './aanleverpunten.js';
import { CatalogueRepository } from './catalogue.js';
import { collectionsOf } from './collections.js';
import { MandatesRepository } from './mandates.js';
import { WebhookRepository } from './webhooks.js';
import { NO_WRITE_HOOK, type MandateWriteHook } from './write-hook.js';
import type { MandateAggregates } from './aggregates.js';
import { databaseReads, type MandateReads } from './reads.js';

export { AanleverpuntenRepository } from './aanleverpunten.js';
export { CatalogueRepository } from './catalogue.js';
export { collectionsOf, MANDATES_INDEXES, type MandatesCollections } from './collections.js';
export { MandatesRepository } from './mandates.js';
export { STORE_INDEXES } from './mandate-store.js';
export { WebhookRepository } from './webhooks.js';
export { databaseReads, type MandateReads } from './reads.js';
export type { CheckRow, CountField, CountQuery, CountRow, MandateAggregates, MandateMatch } from './aggregates.js';
export { NO_WRITE_HOOK, type MandateWrite, type MandateWriteHook } from './write-hook.js';

export class Repositories {
  readonly catalogue: CatalogueRepository;
  readonly webhooks: WebhookRepository;
  readonly aanleverpunten: AanleverpuntenRepository;
  readonly mandates: MandatesRepository;
  private readonly db: Db;
  /** How the mandates are read: from the database unless a read model was put in front (server.ts). */
  reads: MandateReads;
  /** How the mandates are counted: by the database unless a read model was put in front (server.ts). */
  aggregates: MandateAggregates;
  /** Told of every write of mandates and aanleverpunten (useWriteHook). */
  hook: MandateWriteHook = NO_WRITE_HOOK;

  constructor(db: Db, logger?: Logger) {
    this.db = db;
    const collections = collectionsOf(db);
    this.catalogue = new CatalogueRepository(collections);
    this.webhooks = new WebhookRepository(collections);
    this.aanleverpunten = new AanleverpuntenRepository(collections);
    this.mandates = new MandatesRepository(collections, this.webhooks, logger);
    this.reads = databaseReads(this.mandates, this.aanleverpunten);
    this.aggregates = this.mandates.aggregates(this.aanleverpunten);
  }

  /**
   * Tells every write of mandates and aanleverpunten to `hook` (write-hook.ts), the bulk
   * writes of the maintenance module on this database included: the read model that keeps
   * what is derived from them puts itself here (open.ts).
   */
  useWriteHook(hook: MandateWriteHook): void {
    this.hook = hook;
    this.mandates.store.hook = hook;
    this.aanleverpunten.hook = hook;
    writeHooks.set(this.db, { hook });
  }

  async ensureIndexes(): Promise<void> {
    await this.catalogue.ensureIndexes();
    await this.mandates.ensureIndexes();
    await this.webhooks.ensureIndexes();
    await this.aanleverpunten.ensureIndexes();
  }
}

/** The write hook of the repositories last opened on each database (the maintenance module's). */
const writeHooks = new WeakMap<Db, { hook: MandateWriteHook }>();

/** The write hook the repositories opened on `db` use; undefined when none were opened on it. */
export function writeHookOf(db: Db): MandateWriteHook | undefined {
  return writeHooks.get(db)?.hook;
}
