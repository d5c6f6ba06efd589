/**
 * Maintenance of the mandates database, for the operator's commands (and the tools that
 * load data sets): repairs after writes around the mandate store, the one-time back-fill of
 * the series keys, and bulk loading. Nothing that serves requests uses it.
 *
 * What is derived from the mandates for a read model is not written here: the write hook of
 * the repositories opened on the same database (open.ts, write-hook.ts) is told before and
 * after every bulk write, and asked for its repair.
 */
import type { Db } from 'mongodb';
import { insertOrReplace, type Logger } from '@osr/common';
import type { AanleverpuntDocument, MandateDocument, MandateHistoryDocument, ServiceDocument, SupplierDocument, SystemDocument } from '../documents.js';
import { seriesKeys, withSeriesKeys } from '../series-keys.js';
import { collectionsOf, type MandatesCollections } from './collections.js';
import { writeHookOf } from './index.js';
import type { MandateWriteHook } from './write-hook.js';

/** What a known data set (demo, test) writes: documents replaced by their key. */
export interface LoadedSet {
  services: ServiceDocument[];
  suppliers: SupplierDocument[];
  systems: SystemDocument[];
  mandates: MandateDocument[];
  history: MandateHistoryDocument[];
  aanleverpunten: AanleverpuntDocument[];
}

export class MandatesMaintenance {
  private readonly c: MandatesCollections;
  private readonly hook: MandateWriteHook;

  /**
   * `hook`: what keeps data derived from the mandates; by default that of the repositories
   * opened on `db` (openRepositories), which must have been opened first.
   */
  constructor(db: Db, _logger?: Logger, hook?: MandateWriteHook) {
    this.c = collectionsOf(db);
    const found = hook ?? writeHookOf(db);
    if (!found) throw new Error('open the mandates store (openRepositories) before its maintenance: the read model in use must hear of the writes');
    this.hook = found;
  }

  /**
   * Brings what the read model derives from each mandate in step with the mandates, once (a
   * mark in `change_marks` says it was done); with `MANDATES_READ_MODEL=database` nothing.
   */
  async ensureFacts(): Promise<{ inserted: number; replaced: number; removed: number }> {
    if (await this.c.marks.findOne({ _id: 'mandate_facts' })) return { inserted: 0, replaced: 0, removed: 0 };
    const result = await this.repairFacts();
    await this.c.marks.replaceOne({ _id: 'mandate_facts' }, { token: 'filled', at: new Date() }, { upsert: true });
    return result;
  }

  /**
   * Brings what the read model derives from each mandate (its facts) in step with the
   * mandates: the repair after writes around the mandate store. Kept results are not told:
   * use repairDerived for that.
   */
  repairFacts(): Promise<{ inserted: number; replaced: number; removed: number }> {
    return this.hook.repairDerived();
  }

  /**
   * For code that wrote mandates or aanleverpunten around the store: gives mandates without
   * series keys their keys, brings what is derived from them in step and records a change
   * that is not known exactly, so every kept result is computed again; then stores what a
   * start would otherwise compute (`checkRows`: false when a write ran meanwhile and nothing
   * was stored; null when the read model in use keeps nothing to store).
   */
  async repairDerived(): Promise<{ seriesKeys: number; inserted: number; replaced: number; removed: number; checkRows: boolean | null }> {
    const seriesKeys = await this.fillSeriesKeys();
    const result = await this.hook.repairDerived();
    await this.hook.changedUnknown();
    const checkRows = await this.hook.storeComputed();
    // what the one-time back-fills would do is done: mark them so
    for (const _id of ['mandate_series_keys', 'mandate_facts']) await this.c.marks.replaceOne({ _id }, { token: 'filled', at: new Date() }, { upsert: true });
    return { seriesKeys, ...result, checkRows };
  }

  /**
   * Inserts new mandates as a bulk load does (a fresh store, no history written here): the
   * documents with their series keys, what is derived from them first. Records an unknown
   * change at the end; a loader then calls repairDerived (or rebuildCheckRows) once.
   */
  async insertLoaded(docs: readonly MandateDocument[], progress?: (written: number) => void): Promise<void> {
    try {
      for (let i = 0; i < docs.length; i += 1000) {
        const batch = docs.slice(i, i + 1000);
        await this.hook.writingAround(batch);
        await this.c.mandates.insertMany(batch.map(withSeriesKeys));
        progress?.(i + batch.length);
      }
    } finally {
      await this.hook.changedUnknown();
    }
  }

  /**
   * Gives the mandates written before the series keys existed their keys (series-keys.ts),
   * once: a mark in `change_marks` says it was done, so later runs read nothing (the query
   * below is not an equality: FerretDB reads the whole collection for it). Writes around the
   * store afterwards are repaired by repairDerived. Returns how many it filled in.
   */
  async ensureSeriesKeys(): Promise<number> {
    const marks = this.c.marks;
    if (await marks.findOne({ _id: 'mandate_series_keys' })) return 0;
    const filled = await this.fillSeriesKeys();
    await marks.replaceOne({ _id: 'mandate_series_keys' }, { token: 'filled', at: new Date() }, { upsert: true });
    return filled;
  }

  /** One read of the mandates that lack series keys, then one update each by _id. */
  async fillSeriesKeys(): Promise<number> {
    const missing = await this.c.mandates
      .find({ seriesStart: { $exists: false } }, { projection: { _id: 1, serviceCode: 1, startDate: 1, endDate: 1 }, batchSize: 100_000 })
      .toArray();
    if (!missing.length) return 0;
    try {
      for (let i = 0; i < missing.length; i += 500) {
        await this.c.mandates.bulkWrite(
          // the dates in the filter: a mandate changed meanwhile was written with its keys already
          missing.slice(i, i + 500).map((m) => ({ updateOne: { filter: { _id: m._id, startDate: m.startDate, endDate: m.endDate }, update: { $set: seriesKeys(m) } } })),
          { ordered: false },
        );
      }
    } finally {
      await this.hook.changedUnknown();
    }
    return missing.length;
  }

  /**
   * Records the history of a bulk load: entries of slots the store did not hold (the loader
   * checked), so inserted in batches; one already there for its slot and sequence (an earlier
   * attempt of the same load) is replaced.
   */
  async insertLoadedHistory(history: readonly MandateHistoryDocument[], progress?: (written: number) => void): Promise<void> {
    for (let i = 0; i < history.length; i += 1000) {
      await insertOrReplace(this.c.history, history.slice(i, i + 1000), (e) => ({ slotKey: e.slotKey, slotSeq: e.slotSeq }));
      progress?.(Math.min(i + 1000, history.length));
    }
  }

  /**
   * Writes a known data set, replacing documents with the same key (services only where
   * missing: they are reference data support may have changed); what is derived from the
   * mandates first. Records an unknown change at the end.
   */
  async writeSet(set: LoadedSet): Promise<void> {
    const replaceAll = async <T extends object>(collection: { bulkWrite: (ops: never[]) => Promise<unknown> }, docs: readonly T[], filterOf: (d: T) => object) => {
      if (!docs.length) return;
      const ops = docs.map((d) => ({ replaceOne: { filter: filterOf(d), replacement: d, upsert: true } }));
      await collection.bulkWrite(ops as never[]);
    };
    try {
      if (set.services.length) {
        await this.c.services.bulkWrite(set.services.map((d) => ({ updateOne: { filter: { code: d.code }, update: { $setOnInsert: d }, upsert: true } })));
      }
      await replaceAll(this.c.suppliers, set.suppliers, (d) => ({ oin: d.oin }));
      await replaceAll(this.c.systems, set.systems, (d) => ({ id: d.id }));
      await this.hook.writingAround(set.mandates);
      await replaceAll(this.c.mandates, set.mandates.map(withSeriesKeys), (d) => ({ id: d.id }));
      await replaceAll(this.c.history, set.history, (d) => ({ slotKey: d.slotKey, slotSeq: d.slotSeq }));
      await replaceAll(this.c.aanleverpunten, set.aanleverpunten, (d) => ({ brin: d.brin, index: d.index }));
    } finally {
      await this.hook.changedUnknown();
    }
  }

  /** Stores what a start would otherwise compute (false: a write ran meanwhile, nothing stored; null: nothing kept to store). */
  rebuildCheckRows(): Promise<boolean | null> {
    return this.hook.storeComputed();
  }
}
