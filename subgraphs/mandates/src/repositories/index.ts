/**
 * The mandates database's repositories, one per aggregate, each owning its collections:
 * mandates with their history (and what is derived from them), the catalogue, the
 * aanleverpunten and the webhooks'. Opened together because the mandate store writes the
 * webhook outbox, and the writes of mandates and aanleverpunten are told to one write hook.
 */
import type { Db } from 'mongodb';
import type { Logger } from '@osr/common';
import { ChangeJournal } from '../change-journal.js';
import { AanleverpuntenRepository } from './aanleverpunten.js';
import { CatalogueRepository } from './catalogue.js';
import { collectionsOf } from './collections.js';
import { MandatesRepository } from './mandates.js';
import { WebhookRepository } from './webhooks.js';
import type { MandateWriteHook } from './write-hook.js';
import { databaseReads, type MandateReads } from './reads.js';

export { AanleverpuntenRepository } from './aanleverpunten.js';
export { CatalogueRepository } from './catalogue.js';
export { collectionsOf, MANDATES_INDEXES, type MandatesCollections } from './collections.js';
export { MandatesRepository } from './mandates.js';
export { STORE_INDEXES } from './mandate-store.js';
export { WebhookRepository } from './webhooks.js';
export { databaseReads, type MandateReads } from './reads.js';
export { NO_WRITE_HOOK, type MandateWrite, type MandateWriteHook } from './write-hook.js';

export class Repositories {
  readonly catalogue: CatalogueRepository;
  readonly webhooks: WebhookRepository;
  readonly aanleverpunten: AanleverpuntenRepository;
  readonly mandates: MandatesRepository;
  /** How the mandates are read: from the database unless a read model was put in front (useReads). */
  reads: MandateReads;

  /** keepsDerived: see MandatesRepository (false with MANDATES_READ_MODEL=database) */
  constructor(db: Db, logger?: Logger, options: { keepsDerived?: boolean } = {}) {
    const keepsDerived = options.keepsDerived ?? true;
    const collections = collectionsOf(db);
    this.catalogue = new CatalogueRepository(collections);
    this.webhooks = new WebhookRepository(collections);
    const journal = new ChangeJournal(collections.marks, collections.journalLinks, collections.journalIntents, 'mandates', { logger });
    this.aanleverpunten = new AanleverpuntenRepository(collections);
    this.mandates = new MandatesRepository(collections, journal, this.webhooks, logger, keepsDerived);
    this.reads = databaseReads(this.mandates, this.aanleverpunten);
  }

  /**
   * Tells every write of mandates and aanleverpunten to `hook` (write-hook.ts): the read model
   * that keeps what is derived from them puts itself here (open.ts).
   */
  useWriteHook(hook: MandateWriteHook): void {
    this.mandates.store.hook = hook;
    this.aanleverpunten.hook = hook;
  }

  async ensureIndexes(): Promise<void> {
    await this.catalogue.ensureIndexes();
    await this.mandates.ensureIndexes();
    await this.webhooks.ensureIndexes();
    await this.aanleverpunten.ensureIndexes();
  }
}
