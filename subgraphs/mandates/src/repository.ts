import type { Collection, Db } from 'mongodb';
import { groupLoader, uniqueLoader } from '@osr/common';
import { ChangeJournal } from './change-journal.js';
import { decodeCursor, encodeCursor, type Logger } from '@osr/common';
import { MandateStore } from './mandate-store.js';
import { seriesKeys } from './series-keys.js';
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

/** The only code that touches the mandates collections. */
export class MandatesRepository {
  readonly services: Collection<ServiceDocument>;
  readonly suppliers: Collection<SupplierDocument>;
  readonly systems: Collection<SystemDocument>;
  readonly mandates: Collection<MandateDocument>;
  readonly aanleverpunten: Collection<AanleverpuntDocument>;
  readonly history: Collection<MandateHistoryDocument>;
  readonly cursors: Collection<FeedCursorDocument>;
  /** The only way mandates are written (see mandate-store.ts). */
  readonly store: MandateStore;
  /**
   * Told of every write of mandates or aanleverpunten (the store, the OSO migration, the seed,
   * the series-key backfill): the aggregates' result cache follows it (change-journal.ts).
   */
  readonly journal: ChangeJournal;

  constructor(readonly db: Db, logger?: Logger) {
    this.services = db.collection('services');
    this.suppliers = db.collection('suppliers');
    this.systems = db.collection('systems');
    this.mandates = db.collection('mandates');
    this.aanleverpunten = db.collection('aanleverpunten');
    this.history = db.collection('mandate_history');
    this.cursors = db.collection('feed_cursors');
    this.journal = new ChangeJournal(db.collection('change_marks'), db.collection('mandate_journal'), db.collection('mandate_journal_intents'), 'mandates', { logger });
    this.store = new MandateStore(this.mandates, this.history, logger, this.journal);
  }

  async ensureIndexes(): Promise<void> {
    await this.services.createIndex({ code: 1 }, { name: 'code', unique: true });
    await this.suppliers.createIndex({ oin: 1 }, { name: 'oin', unique: true });
    await this.systems.createIndex({ id: 1 }, { name: 'id', unique: true });
    await this.systems.createIndex({ supplierOin: 1 }, { name: 'supplier' });
    await this.mandates.createIndex({ id: 1 }, { name: 'id', unique: true });
    await this.mandates.createIndex(
      { brin: 1, serviceCode: 1, systemId: 1, startDate: 1 },
      { name: 'school_service_system_start' },
    );
    await this.mandates.createIndex({ boardNummer: 1 }, { name: 'board' });
    await this.mandates.createIndex({ reviewBoards: 1 }, { name: 'review_boards' });
    await this.mandates.createIndex({ systemId: 1, updatedAt: 1, id: 1 }, { name: 'system_changes' });
    await this.cursors.createIndex({ feed: 1 }, { name: 'feed', unique: true });
    await this.store.ensureIndexes();
    await this.journal.ensureIndexes();
    await this.aanleverpunten.createIndex({ brin: 1, index: 1 }, { name: 'brin_index', unique: true });
    await this.ensureSeriesKeys();
  }

  /**
   * Gives the mandates written before the series keys existed their keys (series-keys.ts):
   * one read of the mandates that lack them (none after the first start), then one update
   * each by _id. Returns how many it filled in.
   */
  async ensureSeriesKeys(): Promise<number> {
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

  findServices(codes?: readonly string[]): Promise<ServiceDocument[]> {
    const filter = codes ? { code: { $in: [...codes] as ServiceCode[] } } : {};
    return this.services.find(filter, IN_ONE_BATCH).sort({ code: 1 }).toArray();
  }

  findSuppliers(oins: readonly string[]): Promise<SupplierDocument[]> {
    return this.suppliers.find({ oin: { $in: [...oins] } }, IN_ONE_BATCH).toArray();
  }

  findSystems(ids: readonly string[]): Promise<SystemDocument[]> {
    return this.systems.find({ id: { $in: [...ids] } }, IN_ONE_BATCH).toArray();
  }

  findSystemsOfSuppliers(oins: readonly string[]): Promise<SystemDocument[]> {
    return this.systems.find({ supplierOin: { $in: [...oins] } }, IN_ONE_BATCH).sort({ name: 1 }).toArray();
  }

  findMandates(ids: readonly string[]): Promise<MandateDocument[]> {
    return this.mandates.find({ id: { $in: [...ids] } }, IN_ONE_BATCH).toArray();
  }

  /** Mandates of these schools, optionally only for some services. */
  findMandatesOfSchools(
    brins: readonly string[],
    services: readonly ServiceCode[] | null,
  ): Promise<MandateDocument[]> {
    const filter = services
      ? { brin: { $in: [...brins] }, serviceCode: { $in: [...services] } }
      : { brin: { $in: [...brins] } };
    return this.mandates.find(filter, IN_ONE_BATCH).sort({ serviceCode: 1, startDate: 1, id: 1 }).toArray();
  }

  /** Mandates a board gave, and those of schools that moved to or from it awaiting review. */
  findMandatesOfBoards(boards: readonly string[], services: readonly ServiceCode[] | null): Promise<MandateDocument[]> {
    const who = { $or: [{ boardNummer: { $in: [...boards] } }, { reviewBoards: { $in: [...boards] } }] };
    const filter = services ? { $and: [who, { serviceCode: { $in: [...services] } }] } : who;
    return this.mandates.find(filter, IN_ONE_BATCH).sort({ brin: 1, serviceCode: 1, startDate: 1, id: 1 }).toArray();
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
    const position = decodeCursor(options.after, { t: 'number', id: 'string' });
    const and: object[] = [{ systemId: { $in: [...options.systemIds] } }];
    if (options.service) and.push({ serviceCode: options.service });
    if (options.changedSince) and.push({ updatedAt: { $gt: options.changedSince } });
    if (position) {
      const t = new Date(position.t as number);
      and.push({ $or: [{ updatedAt: { $gt: t } }, { updatedAt: t, id: { $gt: position.id as string } }] });
    }
    const items = await this.mandates
      .find({ $and: and }, NO_ID)
      .sort({ updatedAt: 1, id: 1 })
      .limit(options.limit)
      .toArray();
    return { items, cursorOf: (m) => encodeCursor({ t: m.updatedAt.getTime(), id: m.id }) };
  }

  findAanleverpuntenOfSchools(brins: readonly string[]): Promise<AanleverpuntDocument[]> {
    return this.aanleverpunten
      .find({ brin: { $in: [...brins] } }, IN_ONE_BATCH)
      .sort({ brin: 1, index: 1 })
      .toArray();
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
            (d) => [d.boardNummer, ...d.reviewBoards],
          );
          mandatesOfBoard.set(key, loader);
        }
        return loader;
      },
    };
  }
}

export type MandatesLoaders = ReturnType<MandatesRepository['createLoaders']>;
