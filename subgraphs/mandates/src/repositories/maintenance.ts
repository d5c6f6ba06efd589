/**
 * Maintenance of the mandates database, for the operator's commands (and the tools that
 * load data sets): repairs after writes around the mandate store, the one-time back-fills of
 * derived fields, and bulk loading. Nothing that serves requests uses it.
 */
import type { Db } from 'mongodb';
import type { Logger } from '@osr/common';
import { ChangeJournal } from '../change-journal.js';
import { KeptCheckRows } from '../check-rows.js';
import type { AanleverpuntDocument, MandateDocument, MandateHistoryDocument, ServiceDocument, SupplierDocument, SystemDocument } from '../documents.js';
import { factsDocumentOf, sameFacts, type MandateFactsDocument } from '../facts.js';
import { seriesKeys, withSeriesKeys } from '../series-keys.js';
import { collectionsOf, type MandatesCollections } from './collections.js';

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
  private readonly journal: ChangeJournal;
  private readonly checkRows: KeptCheckRows;

  constructor(
    db: Db,
    private readonly logger?: Logger,
  ) {
    this.c = collectionsOf(db);
    this.journal = new ChangeJournal(this.c.marks, this.c.journalLinks, this.c.journalIntents, 'mandates', { logger });
    this.checkRows = new KeptCheckRows(this.c.checkRows, logger);
  }

  /**
   * The one-time back-fills for a store written before the series keys and the facts existed
   * (each marked done in `change_marks`, so a second run reads two marks).
   */
  async ensureBackfills(): Promise<{ seriesKeys: number; facts: { inserted: number; replaced: number; removed: number } }> {
    const seriesKeys = await this.ensureSeriesKeys();
    const facts = await this.ensureFacts();
    return { seriesKeys, facts };
  }

  async ensureFacts(): Promise<{ inserted: number; replaced: number; removed: number }> {
    const marks = this.c.marks;
    if (await marks.findOne({ _id: 'mandate_facts' })) return { inserted: 0, replaced: 0, removed: 0 };
    const result = await this.repairFacts();
    await marks.replaceOne({ _id: 'mandate_facts' }, { token: 'filled', at: new Date() }, { upsert: true });
    return result;
  }

  /**
   * Compares every mandate with its facts document and writes what differs: the repair after
   * writes around the mandate store (a bulk load, a fix by hand), and the first fill. Reads
   * both collections whole (a maintenance job, seconds for the national set on FerretDB); run
   * it while no mandate is being written, or again afterwards. Kept aggregates are not told:
   * use repairDerived for that.
   */
  async repairFacts(): Promise<{ inserted: number; replaced: number; removed: number }> {
    const projection = { _id: 0, id: 1, serviceCode: 1, systemId: 1, origin: 1, boardNummer: 1, brin: 1, startDate: 1, endDate: 1, yearChecks: 1 } as const;
    const mandates = await this.c.mandates.find({}, { projection, batchSize: 100_000 }).toArray();
    const have = new Map((await this.c.facts.find({}, { batchSize: 100_000 }).toArray()).map((f) => [f._id, f]));
    const missing: MandateFactsDocument[] = [];
    const differ: MandateFactsDocument[] = [];
    for (const m of mandates) {
      const want = factsDocumentOf(m);
      const stored = have.get(m.id);
      if (!stored) missing.push(want);
      else if (!sameFacts(stored, want)) differ.push(want);
      have.delete(m.id);
    }
    // what is left has no mandate (one deleted around the store)
    const remove = [...have.keys(), ...differ.map((f) => f._id)];
    for (let i = 0; i < remove.length; i += 5000) await this.c.facts.deleteMany({ _id: { $in: remove.slice(i, i + 5000) } });
    const write = [...missing, ...differ];
    for (let i = 0; i < write.length; i += 1000) await this.c.facts.insertMany(write.slice(i, i + 1000));
    const result = { inserted: missing.length, replaced: differ.length, removed: have.size };
    if (write.length || have.size) this.logger?.info(result, 'brought the mandate facts in step with the mandates');
    return result;
  }

  /**
   * For code that wrote mandates or aanleverpunten around the store: gives mandates without
   * series keys their keys, brings the facts in step and records a change that is not known
   * exactly, so every kept aggregate is computed again; then stores the mandate check's rows
   * computed afresh (check-rows.ts), so the next start need not read the facts for them
   * (`checkRows`: false when a write ran meanwhile and nothing was stored).
   */
  async repairDerived(): Promise<{ seriesKeys: number; inserted: number; replaced: number; removed: number; checkRows: boolean }> {
    const seriesKeys = await this.fillSeriesKeys();
    const result = await this.repairFacts();
    await this.journal.unknownChange();
    const checkRows = await this.checkRows.rebuild(this.c.facts, this.journal);
    // what the one-time back-fills would do is done: mark them so
    for (const _id of ['mandate_series_keys', 'mandate_facts']) await this.c.marks.replaceOne({ _id }, { token: 'filled', at: new Date() }, { upsert: true });
    return { seriesKeys, ...result, checkRows };
  }

  /**
   * Inserts new mandates as a bulk load does (a fresh store, no history written here): the
   * documents with their series keys, and their facts. Records an unknown change at the end.
   * (A loader stores the mandate check's rows when it is done: checkRows.rebuild.)
   */
  async insertLoaded(docs: readonly MandateDocument[], progress?: (written: number) => void): Promise<void> {
    try {
      for (let i = 0; i < docs.length; i += 1000) {
        const batch = docs.slice(i, i + 1000);
        await this.c.facts.insertMany(batch.map(factsDocumentOf));
        await this.c.mandates.insertMany(batch.map(withSeriesKeys));
        progress?.(i + batch.length);
      }
    } finally {
      await this.journal.unknownChange();
    }
  }

  /**
   * Gives the mandates written before the series keys existed their keys (series-keys.ts),
   * once: a mark in `change_marks` says it was done, so later starts read nothing (the query
   * below is not an equality: FerretDB reads the whole collection for it, ~60,000 documents
   * on the national set). Writes around the store afterwards are repaired by repairDerived.
   * Returns how many it filled in.
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
      await this.journal.unknownChange();
    }
    return missing.length;
  }

  /**
   * Writes a known data set, replacing documents with the same key (services only where
   * missing: they are reference data support may have changed); the facts with the mandates.
   * Records an unknown change at the end.
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
      await replaceAll(this.c.facts, set.mandates.map(factsDocumentOf), (d) => ({ _id: d._id }));
      await replaceAll(this.c.mandates, set.mandates.map(withSeriesKeys), (d) => ({ id: d.id }));
      await replaceAll(this.c.history, set.history, (d) => ({ slotKey: d.slotKey, slotSeq: d.slotSeq }));
      await replaceAll(this.c.aanleverpunten, set.aanleverpunten, (d) => ({ brin: d.brin, index: d.index }));
    } finally {
      await this.journal.unknownChange();
    }
  }

  /** Stores the yearly check's rows computed afresh (false: a write ran meanwhile, nothing stored). */
  rebuildCheckRows(): Promise<boolean> {
    return this.checkRows.rebuild(this.c.facts, this.journal);
  }
}
