import type { Collection, Db } from 'mongodb';
import { declareIndexes, ensureIndexes, findEach, groupLoader, uniqueLoader } from '@osr/common';
import { FeedCache } from './feed-cache.js';
import { SchoolCache } from './school-cache.js';
import { ChangeJournal } from './change-journal.js';
import { KeptCheckRows } from './check-rows.js';
import { factsDocumentOf, sameFacts, type MandateFactsDocument } from './facts.js';
import { decodeCursor, encodeCursor, type Logger } from '@osr/common';
import { MandateStore } from './mandate-store.js';
import { ServiceCatalogue, type ServiceChangeDocument } from './service-catalogue.js';
import { seriesKeys, withSeriesKeys } from './series-keys.js';
import { WebhookCollections } from './webhooks/store.js';
import type {
  AanleverpuntDocument,
  FeedCursorDocument,
  MandateDocument,
  MandateHistoryDocument,
  ServiceCode,
  ServiceDocument,
  SupplierDocument,
  SystemDocument,
} from './documents.js';

const NO_ID = { projection: { _id: 0 } } as const;
/**
 * A loader's `$in` batch in one round trip: without it the driver's first batch holds 101
 * documents and a large board's mandates or aanleverpunten cost an extra getMore (measured:
 * 11 instead of 9 round trips for the headline of an 85-school board).
 */
const IN_ONE_BATCH = { projection: { _id: 0 }, batchSize: 100_000 } as const;

/**
 * The mandates database's indexes, declared once (common/src/indexes.ts); the write path's
 * are in mandate-store.ts (STORE_INDEXES), the journal's in change-journal.ts.
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
  /** The yearly mandate check's rows as last computed (check-rows.ts), read by `_id` only. */
  mandate_check_rows: { indexes: [], byId: true },
});

/** The only code that touches the mandates collections. */
export class MandatesRepository {
  readonly services: Collection<ServiceDocument>;
  /** The service catalogue's changes (service-catalogue.ts). */
  readonly serviceHistory: Collection<ServiceChangeDocument>;
  readonly suppliers: Collection<SupplierDocument>;
  readonly systems: Collection<SystemDocument>;
  readonly mandates: Collection<MandateDocument>;
  readonly aanleverpunten: Collection<AanleverpuntDocument>;
  readonly history: Collection<MandateHistoryDocument>;
  readonly cursors: Collection<FeedCursorDocument>;
  /** Each mandate's facts, what the aggregates read (facts.ts). */
  readonly facts: Collection<MandateFactsDocument>;
  /** The only way mandates are written (see mandate-store.ts). */
  readonly store: MandateStore;
  /**
   * Told of every write of mandates or aanleverpunten (the store, the OSO migration, the seed,
   * the series-key backfill): the aggregates' result cache follows it (change-journal.ts).
   */
  readonly journal: ChangeJournal;
  /** Webhook endpoints, the events outbox the store writes, deliveries (webhooks/store.ts). */
  readonly webhooks: WebhookCollections;
  /** The mandate check's rows as last computed, with their journal token (check-rows.ts). */
  readonly checkRows: KeptCheckRows;

  constructor(readonly db: Db, logger?: Logger) {
    this.services = db.collection('services');
    this.serviceHistory = db.collection('service_history');
    this.suppliers = db.collection('suppliers');
    this.systems = db.collection('systems');
    this.mandates = db.collection('mandates');
    this.aanleverpunten = db.collection('aanleverpunten');
    this.history = db.collection('mandate_history');
    this.cursors = db.collection('feed_cursors');
    this.facts = db.collection('mandate_facts');
    this.journal = new ChangeJournal(db.collection('change_marks'), db.collection('mandate_journal'), db.collection('mandate_journal_intents'), 'mandates', { logger });
    this.webhooks = new WebhookCollections(db);
    this.checkRows = new KeptCheckRows(db.collection('mandate_check_rows'), logger);
    this.store = new MandateStore(this.mandates, this.history, logger, this.journal, this.facts, this.webhooks.outbox);
    this.logger = logger;
  }

  private readonly logger: Logger | undefined;

  /**
   * Indexes, and the reference data of the register (the service catalogue, added where
   * missing): everything that opens the store for writing starts here, so an empty store
   * takes a supplier catalogue and a migration at once.
   */
  async ensureIndexes(): Promise<void> {
    await ensureIndexes(this.services, MANDATES_INDEXES.services);
    await new ServiceCatalogue(this).putInPlace();
    await ensureIndexes(this.suppliers, MANDATES_INDEXES.suppliers);
    await ensureIndexes(this.systems, MANDATES_INDEXES.systems);
    await ensureIndexes(this.db.collection('catalogue_history'), MANDATES_INDEXES.catalogue_history);
    await ensureIndexes(this.serviceHistory, MANDATES_INDEXES.service_history);
    await ensureIndexes(this.mandates, MANDATES_INDEXES.mandates);
    await ensureIndexes(this.cursors, MANDATES_INDEXES.feed_cursors);
    await this.store.ensureIndexes();
    await this.journal.ensureIndexes();
    await this.webhooks.ensureIndexes();
    await ensureIndexes(this.aanleverpunten, MANDATES_INDEXES.aanleverpunten);
    await ensureIndexes(this.db.collection('mandate_check_rows'), MANDATES_INDEXES.mandate_check_rows);
    await this.ensureSeriesKeys();
    await this.ensureFacts();
  }

  /**
   * Fills `mandate_facts` from the mandates once (the first start with this collection, or a
   * fresh database); after that every writer keeps it in step. A mark in `change_marks` says
   * it was done. Returns what repairFacts changed (all 0 when it was done before).
   */
  async ensureFacts(): Promise<{ inserted: number; replaced: number; removed: number }> {
    const marks = this.db.collection<{ _id: string; token: string; at: Date }>('change_marks');
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
    const mandates = await this.mandates.find({}, { projection, batchSize: 100_000 }).toArray();
    const have = new Map((await this.facts.find({}, { batchSize: 100_000 }).toArray()).map((f) => [f._id, f]));
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
    for (let i = 0; i < remove.length; i += 5000) await this.facts.deleteMany({ _id: { $in: remove.slice(i, i + 5000) } });
    const write = [...missing, ...differ];
    for (let i = 0; i < write.length; i += 1000) await this.facts.insertMany(write.slice(i, i + 1000));
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
    const checkRows = await this.checkRows.rebuild(this.facts, this.journal);
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
        await this.facts.insertMany(batch.map(factsDocumentOf));
        await this.mandates.insertMany(batch.map(withSeriesKeys));
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
    const marks = this.db.collection<{ _id: string; token: string; at: Date }>('change_marks');
    if (await marks.findOne({ _id: 'mandate_series_keys' })) return 0;
    const filled = await this.fillSeriesKeys();
    await marks.replaceOne({ _id: 'mandate_series_keys' }, { token: 'filled', at: new Date() }, { upsert: true });
    return filled;
  }

  /** One read of the mandates that lack series keys, then one update each by _id. */
  async fillSeriesKeys(): Promise<number> {
    const missing = await this.mandates
      .find({ seriesStart: { $exists: false } }, { projection: { _id: 1, serviceCode: 1, startDate: 1, endDate: 1 }, batchSize: 100_000 })
      .toArray();
    if (!missing.length) return 0;
    try {
      for (let i = 0; i < missing.length; i += 500) {
        await this.mandates.bulkWrite(
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

  // Batches are equality finds in parallel (findEach), each answered by an index on MongoDB
  // and on FerretDB over PostgreSQL, where one `$in` reads the whole collection
  // (docs/data-access.md). Orders are applied here, per key.

  /** The services asked for (all of them without codes), by code. */
  async findServices(codes?: readonly string[]): Promise<ServiceDocument[]> {
    const found = codes
      ? await findEach(codes, (code) => this.services.find({ code: code as ServiceCode }, IN_ONE_BATCH).toArray())
      : await this.services.find({}, IN_ONE_BATCH).toArray();
    return found.sort((a, b) => compare(a.code, b.code));
  }

  findSuppliers(oins: readonly string[]): Promise<SupplierDocument[]> {
    return findEach(oins, (oin) => this.suppliers.find({ oin }, IN_ONE_BATCH).toArray());
  }

  findSystems(ids: readonly string[]): Promise<SystemDocument[]> {
    return findEach(ids, (id) => this.systems.find({ id }, IN_ONE_BATCH).toArray());
  }

  /** Each supplier's systems by name. */
  findSystemsOfSuppliers(oins: readonly string[]): Promise<SystemDocument[]> {
    return findEach(oins, async (supplierOin) => (await this.systems.find({ supplierOin }, IN_ONE_BATCH).toArray()).sort((a, b) => compare(a.name, b.name)));
  }

  findMandates(ids: readonly string[]): Promise<MandateDocument[]> {
    return findEach(ids, (id) => this.mandates.find({ id }, IN_ONE_BATCH).toArray());
  }

  /**
   * Keeps each school's mandates and aanleverpunten in memory, exact after every write
   * (school-cache.ts): the school reads below then cost a constant number of round trips.
   * The subgraph server turns it on; scripts and tests that write around the store do not.
   */
  useSchoolCache(maxSchools: number): SchoolCache | null {
    if (maxSchools <= 0) return (this.schoolCache = null);
    this.schoolCache = new SchoolCache(
      this.journal,
      {
        // kept in the order the readers below answer in: sorted once, when read
        mandates: async (brin) => (await this.mandates.find({ brin }, IN_ONE_BATCH).toArray()).sort(byServiceStartId),
        aanleverpunten: async (brin) => (await this.aanleverpunten.find({ brin }, IN_ONE_BATCH).toArray()).sort((a, b) => a.index - b.index),
        each: async <T>(brins: readonly string[], read: (brin: string) => Promise<T[]>) => {
          const out = new Map<string, T[]>(brins.map((b) => [b, []]));
          await findEach(brins, async (brin) => {
            const docs = await read(brin);
            out.set(brin, docs);
            return docs;
          });
          return out;
        },
      },
      maxSchools,
    );
    return this.schoolCache;
  }

  schoolCache: SchoolCache | null = null;

  /** Keeps the supplier feed's change order in memory, exact after every write (feed-cache.ts). */
  useFeedCache(on: boolean): FeedCache | null {
    this.feedCache = on
      ? new FeedCache(this.journal, {
          ofSystem: (systemId) => this.mandates.find({ systemId }, NO_ID).toArray(),
          byIds: (ids) => this.findMandates(ids),
        })
      : null;
    return this.feedCache;
  }

  feedCache: FeedCache | null = null;

  /** Mandates of these schools, optionally only for some services; per school by service, start, id. */
  async findMandatesOfSchools(brins: readonly string[], services: readonly ServiceCode[] | null): Promise<MandateDocument[]> {
    const wanted = services ? new Set(services) : null;
    if (this.schoolCache) {
      const found = await this.schoolCache.mandatesOf(brins);
      return [...found.values()].flatMap((docs) => (wanted ? docs.filter((m) => wanted.has(m.serviceCode)) : docs));
    }
    // One service: an equality on both fields of the index; several: the school's, filtered here.
    const only = services && wanted?.size === 1 ? services[0]! : null;
    return findEach(brins, async (brin) => {
      const found = await this.mandates.find(only ? { brin, serviceCode: only } : { brin }, IN_ONE_BATCH).toArray();
      return found.filter((m) => !wanted || wanted.has(m.serviceCode)).sort(byServiceStartId);
    });
  }

  /**
   * Mandates these boards gave (board-level, and for schools held then): per board one equality
   * find on the indexed field. Access is not decided here: a school's mandates follow the school
   * (Board.mandates adds those of its schools now); review boards grant nothing (issue 17.1).
   */
  findMandatesOfBoards(boards: readonly string[], services: readonly ServiceCode[] | null): Promise<MandateDocument[]> {
    const wanted = services ? new Set(services) : null;
    return findEach(boards, async (board) =>
      (await this.mandates.find({ boardNummer: board }, IN_ONE_BATCH).toArray())
        .filter((m) => !wanted || wanted.has(m.serviceCode))
        .sort((a, b) => compare(a.brin ?? '', b.brin ?? '') || byServiceStartId(a, b)),
    );
  }

  /**
   * A page of the mandates naming these systems that changed after a moment, in change
   * order (updatedAt, id): a stable keyset feed for supplier synchronisation.
   */
  async findChangedMandates(options: {
    systemIds: readonly string[];
    service: ServiceCode | null;
    changedSince: Date | null;
    after: string | null;
    limit: number;
  }): Promise<{ items: MandateDocument[]; cursorOf: (m: MandateDocument) => string }> {
    const position = decodeCursor(options.after, { t: 'time', id: 'string' });
    const cursorOf = (m: MandateDocument) => encodeCursor({ t: m.updatedAt.getTime(), id: m.id });
    if (this.feedCache) {
      const items = await this.feedCache.page({
        systemIds: options.systemIds,
        service: options.service,
        since: options.changedSince?.getTime() ?? null,
        after: position ? { t: position.t as number, id: position.id as string } : null,
        limit: options.limit,
      });
      if (items) return { items, cursorOf };
    }
    // Per system one equality find (with the service when given), answered by an index; the
    // change order and the keyset are applied here (FerretDB would filter ranges in Go anyway).
    const service = options.service;
    const found = await findEach(options.systemIds, (systemId) =>
      this.mandates.find(service ? { systemId, serviceCode: service } : { systemId }, NO_ID).toArray(),
    );
    const since = options.changedSince?.getTime() ?? null;
    const afterT = position ? (position.t as number) : null;
    const afterId = position ? (position.id as string) : '';
    const items = found
      .filter((m) => {
        const t = m.updatedAt.getTime();
        if (since !== null && t <= since) return false;
        return afterT === null || t > afterT || (t === afterT && m.id > afterId);
      })
      .sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime() || compare(a.id, b.id))
      .slice(0, options.limit);
    return { items, cursorOf: (m) => encodeCursor({ t: m.updatedAt.getTime(), id: m.id }) };
  }

  /** Each school's aanleverpunten by index. */
  async findAanleverpuntenOfSchools(brins: readonly string[]): Promise<AanleverpuntDocument[]> {
    if (this.schoolCache) return [...(await this.schoolCache.aanleverpuntenOf(brins)).values()].flat();
    return findEach(brins, async (brin) => (await this.aanleverpunten.find({ brin }, IN_ONE_BATCH).toArray()).sort((a, b) => a.index - b.index));
  }

  /** Loaders for one request: never shared across requests. */
  createLoaders() {
    // One loader per distinct `services` filter, so each filter is still one batched query.
    const mandatesOfSchool = new Map<string, ReturnType<typeof groupLoader<MandateDocument>>>();
    const mandatesOfBoard = new Map<string, ReturnType<typeof groupLoader<MandateDocument>>>();
    return {
      service: uniqueLoader((codes) => this.findServices(codes), (d) => d.code),
      supplier: uniqueLoader((oins) => this.findSuppliers(oins), (d) => d.oin),
      system: uniqueLoader((ids) => this.findSystems(ids), (d) => d.id),
      systemsOfSupplier: groupLoader((oins) => this.findSystemsOfSuppliers(oins), (d) => d.supplierOin),
      mandate: uniqueLoader((ids) => this.findMandates(ids), (d) => d.id),
      history: groupLoader((ids) => this.store.historyOf(ids), (d) => d.mandateIds),
      aanleverpuntenOfSchool: groupLoader((brins) => this.findAanleverpuntenOfSchools(brins), (d) => d.brin),
      mandatesOfSchool: (services: readonly ServiceCode[] | null) => {
        const key = services ? [...new Set(services)].sort().join(',') : '*';
        let loader = mandatesOfSchool.get(key);
        if (!loader) {
          const filter = services ? [...new Set(services)] : null;
          loader = groupLoader((brins) => this.findMandatesOfSchools(brins, filter), (d) => d.brin ?? '');
          mandatesOfSchool.set(key, loader);
        }
        return loader;
      },
      mandatesOfBoard: (services: readonly ServiceCode[] | null) => {
        const key = services ? [...new Set(services)].sort().join(',') : '*';
        let loader = mandatesOfBoard.get(key);
        if (!loader) {
          const filter = services ? [...new Set(services)] : null;
          loader = groupLoader(
            (boards) => this.findMandatesOfBoards(boards, filter),
            (d) => d.boardNummer,
          );
          mandatesOfBoard.set(key, loader);
        }
        return loader;
      },
    };
  }
}

export type MandatesLoaders = ReturnType<MandatesRepository['createLoaders']>;

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byServiceStartId(a: MandateDocument, b: MandateDocument): number {
  return compare(a.serviceCode, b.serviceCode) || compare(a.startDate, b.startDate) || compare(a.id, b.id);
}
