/**
 * The embedded database's read model: what FerretDB 1.24 over PostgreSQL cannot answer by
 * index is kept here, exact after every write, and served through the same interfaces as the
 * database (MandateReads and MandateAggregates, decorators over the repositories').
 *
 * FerretDB answers an equality on an indexed field from the index, but reads the whole
 * collection for a `$in`, a range, a sort or an aggregation: so batches become equality finds
 * in parallel, each school's mandates and aanleverpunten are kept in memory
 * (school-cache.ts), and so is each system's feed order (feed-cache.ts) and every aggregate
 * asked lately (aggregates.ts). All follow the mandates' change journal (change-journal.ts),
 * which every writer keeps through the repositories' write hook (writes.ts); what they cannot
 * keep exact (a change not known exactly, a list being read) they do not serve, and the read
 * goes to the database.
 *
 * On MongoDB none of this is needed: `MANDATES_READ_MODEL=database` (the default there).
 */
import type { Db } from 'mongodb';
import { decodeCursor, ensureIndexes, findEach, type Logger } from '@osr/common';
import type { MandateDocument } from '../documents.js';
import type { MandateAggregates } from '../repositories/aggregates.js';
import { feedCursorOf, type ChangedMandatesPage, type ChangedMandatesQuery, type MandatesRepository } from '../repositories/mandates.js';
import type { MandateReads } from '../repositories/reads.js';
import { KeptAggregates } from './aggregates.js';
import { ChangeJournal } from './change-journal.js';
import { READ_MODEL_INDEXES, readModelCollectionsOf, type ReadModelCollections } from './collections.js';
import { KeptCheckRows } from './check-rows.js';
import { FeedCache } from './feed-cache.js';
import { SchoolCache } from './school-cache.js';
import { KeptWrites } from './writes.js';

/**
 * The read model of one process: its change journal, what every writer keeps for it (the
 * write hook), and, for a process that serves requests, the reads and aggregates it answers
 * in front of the database's.
 */
export class MemoryReadModel {
  readonly journal: ChangeJournal;
  /** the yearly check's rows as last stored (check-rows.ts) */
  readonly checkRows: KeptCheckRows;
  /** what every writer tells (the repositories' write hook) */
  readonly writes: KeptWrites;
  /** its collections (what every writer keeps for it, and the stored check rows) */
  readonly c: ReadModelCollections;

  constructor(
    db: Db,
    /** the mandates' own reads the repair needs (every mandate's facts fields) */
    mandates: Pick<MandatesRepository, 'everyMandateFacts'>,
    private readonly logger?: Logger,
  ) {
    this.c = readModelCollectionsOf(db);
    this.journal = new ChangeJournal(this.c.marks, this.c.journalLinks, this.c.journalIntents, 'mandates', { logger });
    this.checkRows = new KeptCheckRows(this.c.checkRows, logger);
    this.writes = new KeptWrites(this.journal, this.c.facts, mandates, this.checkRows, logger);
  }

  async ensureIndexes(): Promise<void> {
    await ensureIndexes(this.c.facts, READ_MODEL_INDEXES.mandate_facts);
    await ensureIndexes(this.c.checkRows, READ_MODEL_INDEXES.mandate_check_rows);
    await ensureIndexes(this.c.marks, READ_MODEL_INDEXES.change_marks);
    await ensureIndexes(this.c.journalLinks, READ_MODEL_INDEXES.mandate_journal);
    await ensureIndexes(this.c.journalIntents, READ_MODEL_INDEXES.mandate_journal_intents);
  }

  /** The reads answered from the kept lists, in front of the database's. */
  reads(database: MandateReads, mandates: Pick<MandatesRepository, 'mandatesOfSystem'>, options: MemoryReadModelOptions = {}): MemoryReads {
    return new MemoryReads(this.journal, database, mandates, options);
  }

  /** The aggregates answered from kept results, in front of the database's. */
  aggregates(database: Pick<MandateAggregates, 'schoolsWithInactive'>, options: { now?: () => number } = {}): KeptAggregates {
    return new KeptAggregates(this.journal, this.c.facts, this.checkRows, database, { logger: this.logger, ...options });
  }
}

export interface MemoryReadModelOptions {
  /** keep the lists of at most this many schools (default 20,000; the register has ~7,500) */
  maxSchools?: number;
}

/** The reads of `memory`: kept lists first, equality finds in parallel otherwise. */
export class MemoryReads implements MandateReads {
  readonly schools: SchoolCache;
  readonly feed: FeedCache;

  constructor(
    journal: ChangeJournal,
    private readonly database: MandateReads,
    mandates: Pick<MandatesRepository, 'mandatesOfSystem'>,
    options: MemoryReadModelOptions = {},
  ) {
    this.schools = new SchoolCache(
      journal,
      {
        mandates: (brin) => database.findMandatesOfSchools([brin], null),
        aanleverpunten: (brin) => database.aanleverpuntenOfSchools([brin]),
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
      options.maxSchools ?? 20_000,
    );
    this.feed = new FeedCache(journal, {
      ofSystem: (systemId) => mandates.mandatesOfSystem(systemId),
      byIds: (ids) => this.findMandates(ids),
    });
  }

  findMandates(ids: readonly string[]): Promise<MandateDocument[]> {
    return findEach(ids, (id) => this.database.findMandates([id]));
  }

  async findMandatesOfSchools(brins: readonly string[], services: Parameters<MandateReads['findMandatesOfSchools']>[1]): Promise<MandateDocument[]> {
    const wanted = services ? new Set(services) : null;
    const found = await this.schools.mandatesOf(brins);
    return [...found.values()].flatMap((docs) => (wanted ? docs.filter((m) => wanted.has(m.serviceCode)) : docs));
  }

  findMandatesOfBoards(boards: readonly string[], services: Parameters<MandateReads['findMandatesOfBoards']>[1]): Promise<MandateDocument[]> {
    return findEach(boards, (board) => this.database.findMandatesOfBoards([board], services));
  }

  async findChangedMandates(query: ChangedMandatesQuery): Promise<ChangedMandatesPage> {
    const position = decodeCursor(query.after, { t: 'time', id: 'string' });
    const items = await this.feed.page({
      systemIds: query.systemIds,
      service: query.service,
      since: query.changedSince?.getTime() ?? null,
      after: position ? { t: position.t as number, id: position.id as string } : null,
      limit: query.limit,
    });
    if (items) return { items, cursorOf: feedCursorOf };
    // not kept exact now: a page per system (an equality each), merged in change order
    const found = await findEach(query.systemIds, async (systemId) => (await this.database.findChangedMandates({ ...query, systemIds: [systemId] })).items);
    const order = (a: MandateDocument, b: MandateDocument) => a.updatedAt.getTime() - b.updatedAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    return { items: found.sort(order).slice(0, query.limit), cursorOf: feedCursorOf };
  }

  historyOf(mandateIds: readonly string[]) {
    return findEach(mandateIds, (id) => this.database.historyOf([id])).then((found) => {
      const unique = new Map(found.map((e) => [`${e.slotKey}#${e.slotSeq}`, e]));
      return [...unique.values()].sort((a, b) => (a.slotKey < b.slotKey ? -1 : a.slotKey > b.slotKey ? 1 : a.slotSeq - b.slotSeq));
    });
  }

  async aanleverpuntenOfSchools(brins: readonly string[]) {
    return [...(await this.schools.aanleverpuntenOf(brins)).values()].flat();
  }
}
