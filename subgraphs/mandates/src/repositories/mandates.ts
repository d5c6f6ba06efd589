import type { Collection, Filter } from 'mongodb';
import { decodeCursor, encodeCursor, ensureIndexes, findEach, retryUpsertRace, type Logger } from '@osr/common';
import { FeedCache } from '../feed-cache.js';
import { SchoolCache } from '../school-cache.js';
import type { ChangeJournal } from '../change-journal.js';
import { computeCheckRows, KeptCheckRows, type CheckRow } from '../check-rows.js';
import type { MandateFactsDocument } from '../facts.js';
import { MandateStore } from './mandate-store.js';
import type { AanleverpuntenRepository } from './aanleverpunten.js';
import { compare } from './catalogue.js';
import { MANDATES_INDEXES, type MandatesCollections } from './collections.js';
import type { WebhookRepository } from './webhooks.js';
import type { FeedCursorDocument, MandateDocument, ServiceCode } from '../documents.js';

const NO_ID = { projection: { _id: 0 } } as const;
/**
 * A batch's answer in one round trip: without it the driver's first batch holds 101
 * documents and a large board's mandates cost an extra getMore.
 */
const IN_ONE_BATCH = { projection: { _id: 0 }, batchSize: 100_000 } as const;

/**
 * Mandates and their history (written only through the mandate store), the organisation
 * feed's cursor, and what is derived from the mandates: each mandate's facts, the change
 * journal and the yearly check's rows as last computed. Its collections are private.
 */
export class MandatesRepository {
  private readonly mandates: Collection<MandateDocument>;
  private readonly cursors: Collection<FeedCursorDocument>;
  /** Each mandate's facts, what the aggregates read (facts.ts). */
  private readonly facts: Collection<MandateFactsDocument>;
  /** The only way mandates are written (see mandate-store.ts). */
  readonly store: MandateStore;
  /**
   * Told of every write of mandates or aanleverpunten (the store, the OSO migration, the
   * maintenance module): the kept aggregates follow it (change-journal.ts).
   */
  readonly journal: ChangeJournal;
  /** The mandate check's rows as last computed, with their journal token (check-rows.ts). */
  readonly checkRows: KeptCheckRows;
  private readonly checkRowsCollection: MandatesCollections['checkRows'];

  constructor(
    collections: MandatesCollections,
    journal: ChangeJournal,
    webhooks: WebhookRepository,
    private readonly aanleverpunten: AanleverpuntenRepository,
    logger?: Logger,
  ) {
    this.mandates = collections.mandates;
    this.cursors = collections.cursors;
    this.facts = collections.facts;
    this.journal = journal;
    this.checkRowsCollection = collections.checkRows;
    this.checkRows = new KeptCheckRows(collections.checkRows, logger);
    this.store = new MandateStore(this.mandates, collections.history, logger, this.journal, this.facts, webhooks.outbox);
  }

  async ensureIndexes(): Promise<void> {
    await ensureIndexes(this.mandates, MANDATES_INDEXES.mandates);
    await ensureIndexes(this.cursors, MANDATES_INDEXES.feed_cursors);
    await this.store.ensureIndexes();
    await this.journal.ensureIndexes();
    await ensureIndexes(this.checkRowsCollection, MANDATES_INDEXES.mandate_check_rows);
  }

  /** The organisation change feed's saved position (null before the first page). */
  async feedCursor(feed: string): Promise<string | null> {
    return (await this.cursors.findOne({ feed }))?.cursor ?? null;
  }

  async saveFeedCursor(feed: string, cursor: string): Promise<void> {
    await retryUpsertRace(() => this.cursors.updateOne({ feed }, { $set: { cursor, updatedAt: new Date() } }, { upsert: true }));
  }

  /** A school's mandates that have not ended before `date`. */
  runningAtSchool(brin: string, date: string): Promise<MandateDocument[]> {
    return this.mandates.find({ brin, $or: [{ endDate: null }, { endDate: { $gte: date } }] }, NO_ID).toArray();
  }

  /** A system's mandates that have not ended by `date` (equality on systemId, an indexed field). */
  async runningOnSystem(systemId: string, date: string): Promise<MandateDocument[]> {
    const all = await this.mandates.find({ systemId }, NO_ID).toArray();
    return all.filter((m) => m.endDate === null || m.endDate > date);
  }

  /** The mandates of these slots (one equality per slot on the store's index). */
  mandatesOfSlots(slotKeys: readonly string[]): Promise<MandateDocument[]> {
    return findEach(slotKeys, (slotKey) => this.mandates.find({ slotKey }, NO_ID).toArray());
  }

  /**
   * The facts matching `match`, counted per value of `fields` (one `$group`); a row's `_id`
   * holds the fields (null without fields).
   */
  groupFacts<Id>(fields: readonly string[], match: Filter<MandateFactsDocument> | null): Promise<{ _id: Id | null; count: number }[]> {
    return this.facts
      .aggregate<{ _id: Id | null; count: number }>([
        ...(match ? [{ $match: match }] : []),
        { $group: { _id: fields.length ? Object.fromEntries(fields.map((f) => [f, `$${f}`])) : null, count: { $sum: 1 } } },
      ])
      .toArray();
  }

  /** The yearly check's rows computed afresh from the facts (check-rows.ts). */
  computeCheckRows(): Promise<CheckRow[]> {
    return computeCheckRows(this.facts);
  }

  // Batches are equality finds in parallel (findEach), each answered by an index; orders are
  // applied here, per key.

  findMandates(ids: readonly string[]): Promise<MandateDocument[]> {
    return findEach(ids, (id) => this.mandates.find({ id }, IN_ONE_BATCH).toArray());
  }

  /**
   * Keeps each school's mandates and aanleverpunten in memory, exact after every write
   * (school-cache.ts): the school reads below then cost a constant number of round trips.
   * The subgraph server turns it on; scripts and tests that write around the store do not.
   */
  useSchoolCache(maxSchools: number): SchoolCache | null {
    if (maxSchools <= 0) return (this.schoolCache = this.aanleverpunten.schoolCache = null);
    this.schoolCache = new SchoolCache(
      this.journal,
      {
        // kept in the order the readers below answer in: sorted once, when read
        mandates: async (brin) => (await this.mandates.find({ brin }, IN_ONE_BATCH).toArray()).sort(byServiceStartId),
        aanleverpunten: (brin) => this.aanleverpunten.readSchool(brin),
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
    this.aanleverpunten.schoolCache = this.schoolCache;
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
}

export function byServiceStartId(a: MandateDocument, b: MandateDocument): number {
  return compare(a.serviceCode, b.serviceCode) || compare(a.startDate, b.startDate) || compare(a.id, b.id);
}
