import type { Collection, Db, Document, Filter, MongoBulkWriteError, ObjectId } from 'mongodb';
import { ChangeMark, collectionsHolding, declareIndexes, ensureIndexes, findEach, groupLoader, todayInNetherlands, uniqueLoader } from '@osr/common';
import type {
  BoardDocument,
  ImportRunDocument,
  OrganisationChangeDocument,
  SchoolDocument,
  Sector,
  SwvDocument,
} from './documents.js';
import { holderOn } from './rio/plan.js';

/** A stored document together with the store's own `_id` (only the import sees it). */
export type Stored<T> = T & { _id: StoreId };
export type StoreId = ObjectId | string;

export interface BoardFilter {
  sector?: Sector | null;
  nameContains?: string | null;
  swv?: string | null;
}

export interface SchoolFilter {
  board?: string | null;
  sector?: Sector | null;
  swv?: string | null;
  nameContains?: string | null;
  activeOn?: string | null;
}

/** Collections the import writes documents of (through writeDocuments). */
export type ImportCollection = 'boards' | 'schools' | 'samenwerkingsverbanden';

/** Writes of one collection: new documents and replacements of stored ones (same `_id`). */
export interface DocumentWrites<T> {
  inserts: T[];
  replacements: Stored<T>[];
}

const IMPORT_LOCK = 'rio-import';
const FEED_COUNTER = 'organisation-changes';
/** A lock older than this is taken to belong to a crashed import. */
const STALE_LOCK_MS = 30 * 60 * 1000;
/** Up to this many replacements per collection are written one by one (each atomic). */
export const DEFAULT_SWAP_THRESHOLD = 20;
const CHUNK = 1000;
/**
 * Documents per bulk swap. On FerretDB a deleteMany costs about the same for 1,000 or 5,000
 * documents (measured: 1.4 s vs 1.8 s under load), so fewer, larger swaps are much faster.
 */
export const SWAP_CHUNK = 5000;

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Escapes a user's text for use inside a regular expression (matched literally). */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isDuplicateKeyOnly(err: unknown): boolean {
  const e = err as Partial<MongoBulkWriteError> & { code?: number };
  if (e.code === 11000) return true;
  const writeErrors = e.writeErrors;
  const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
  return list.length > 0 && list.every((w) => w.code === 11000);
}

interface PendingWrite {
  _id: string;
  collection: ImportCollection;
  docId: StoreId;
  doc: Document & { _id: StoreId };
}

/** The only code that touches the organisations collections. */
/**
 * A loader's `$in` batch in one round trip: without it the driver's first batch holds 101
 * documents and a larger batch costs an extra getMore (see test/e2e/round-trips.test.ts).
 */
const IN_ONE_BATCH = { projection: { _id: 0 }, batchSize: 100_000 } as const;

/** Every index of the organisations database, declared once (common/src/indexes.ts). */
export const ORGANISATIONS_INDEXES = declareIndexes({
  boards: { indexes: [{ name: 'bevoegdGezagNummer', keys: { bevoegdGezagNummer: 1 }, unique: true }] },
  schools: {
    indexes: [
      { name: 'brin', keys: { brin: 1 }, unique: true },
      { name: 'board_brin', keys: { boardNummer: 1, brin: 1 } },
      { name: 'historyBoards', keys: { historyBoards: 1 } },
      { name: 'swv', keys: { swvCodes: 1 } },
    ],
  },
  samenwerkingsverbanden: { indexes: [{ name: 'code', keys: { code: 1 }, unique: true }] },
  organisation_changes: {
    indexes: [
      { name: 'sequence', keys: { sequence: 1 }, unique: true },
      { name: 'key', keys: { key: 1 }, unique: true },
      { name: 'recordedAt_sequence', keys: { recordedAt: 1, sequence: 1 }, gin: [] },
    ],
  },
  rio_imports: { indexes: [{ name: 'importId', keys: { importId: 1 }, unique: true }] },
  counters: { indexes: [], byId: true },
  rio_locks: { indexes: [], byId: true },
  change_marks: { indexes: [], byId: true },
});

export class OrganisationsRepository {
  readonly boards: Collection<BoardDocument>;
  readonly schools: Collection<SchoolDocument>;
  readonly swvs: Collection<SwvDocument>;
  readonly changes: Collection<OrganisationChangeDocument>;
  readonly imports: Collection<ImportRunDocument>;
  private readonly counters: Collection<{ _id: string; value: number }>;
  private readonly locks: Collection<{ _id: string; importId: string; at: Date }>;
  private readonly pending: Collection<PendingWrite>;
  /** Replaced after every write of boards, schools or SWVs (the mandates subgraph's cached school directory checks it). */
  readonly registerMark: ChangeMark;

  constructor(readonly db: Db) {
    this.boards = db.collection<BoardDocument>('boards');
    this.schools = db.collection<SchoolDocument>('schools');
    this.swvs = db.collection<SwvDocument>('samenwerkingsverbanden');
    this.changes = db.collection<OrganisationChangeDocument>('organisation_changes');
    this.imports = db.collection<ImportRunDocument>('rio_imports');
    this.counters = db.collection('counters');
    this.locks = db.collection('rio_locks');
    this.pending = db.collection('rio_pending_writes');
    this.registerMark = new ChangeMark(db.collection('change_marks'), 'register');
  }

  /** Idempotent: creating an index that exists is a no-op. */
  async ensureIndexes(): Promise<void> {
    await ensureIndexes(this.boards, ORGANISATIONS_INDEXES.boards);
    await ensureIndexes(this.schools, ORGANISATIONS_INDEXES.schools);
    await ensureIndexes(this.swvs, ORGANISATIONS_INDEXES.samenwerkingsverbanden);
    await ensureIndexes(this.changes, ORGANISATIONS_INDEXES.organisation_changes);
    await ensureIndexes(this.imports, ORGANISATIONS_INDEXES.rio_imports);
    await ensureIndexes(this.counters, ORGANISATIONS_INDEXES.counters);
    await ensureIndexes(this.locks, ORGANISATIONS_INDEXES.rio_locks);
    await ensureIndexes(this.db.collection('change_marks'), ORGANISATIONS_INDEXES.change_marks);
  }

  // Batches are equality finds in parallel (findEach): each is answered by an index on
  // MongoDB and on FerretDB over PostgreSQL, where one `$in` reads the whole collection
  // (docs/data-access.md).

  findBoards(ids: readonly string[]): Promise<BoardDocument[]> {
    return findEach(ids, (bevoegdGezagNummer) => this.boards.find({ bevoegdGezagNummer }, IN_ONE_BATCH).toArray());
  }

  findSchools(brins: readonly string[]): Promise<SchoolDocument[]> {
    return findEach(brins, (brin) => this.schools.find({ brin }, IN_ONE_BATCH).toArray());
  }

  /**
   * Each board's schools on `today` in BRIN order: those registered to it (less any it hands
   * over on a later date) and those it holds until a move registered for a later date. Two
   * equality finds per board.
   */
  findSchoolsOfBoards(boardNummers: readonly string[], today = todayInNetherlands()): Promise<SchoolDocument[]> {
    return findEach(boardNummers, async (boardNummer) => {
      const [registered, moving] = await Promise.all([
        this.schools.find({ boardNummer }, IN_ONE_BATCH).toArray(),
        this.schools.find({ historyBoards: boardNummer }, IN_ONE_BATCH).toArray(),
      ]);
      const held = new Map<string, SchoolDocument>();
      for (const school of [...registered, ...moving]) if (holderOn(school, today) === boardNummer) held.set(school.brin, school);
      return byBrin([...held.values()]);
    });
  }

  /** Each SWV's schools in BRIN order. */
  findSchoolsOfSwvs(codes: readonly string[]): Promise<SchoolDocument[]> {
    return findEach(codes, async (code) => byBrin(await this.schools.find({ swvCodes: code }, IN_ONE_BATCH).toArray()));
  }

  findSwvs(codes: readonly string[]): Promise<SwvDocument[]> {
    return findEach(codes, (code) => this.swvs.find({ code }, IN_ONE_BATCH).toArray());
  }

  /**
   * One page of boards ordered by bevoegd gezag nummer (keyset: after the given number).
   * sector/swv select boards that hold, on `today`, at least one school (current or ended)
   * in that sector/SWV: a school handed over on a later date counts for the board it leaves.
   */
  async pageBoards(filter: BoardFilter, limit: number, after: string | null, today = todayInNetherlands()): Promise<BoardDocument[]> {
    const query: Filter<BoardDocument> = {};
    const key: { $gt?: string; $in?: string[] } = {};
    if (after !== null) key.$gt = after;
    if (filter.sector || filter.swv) {
      const schoolQuery: Filter<SchoolDocument> = {};
      if (filter.sector) schoolQuery.sector = filter.sector;
      if (filter.swv) schoolQuery.swvCodes = filter.swv;
      // A school that never changed board is held by its registered board; only schools with
      // more than one board in their history (historyBoards) are read to find today's.
      const [settled, moved] = await Promise.all([
        this.schools.distinct('boardNummer', { ...schoolQuery, historyBoards: { $exists: false } }) as Promise<string[]>,
        this.schools.find({ ...schoolQuery, historyBoards: { $exists: true } }, { projection: { _id: 0, boardNummer: 1, boardHistory: 1 } }).toArray(),
      ]);
      key.$in = [...new Set([...settled, ...moved.map((school) => holderOn(school, today))])];
    }
    if (Object.keys(key).length) query.bevoegdGezagNummer = key;
    if (filter.nameContains) query.name = { $regex: escapeRegex(filter.nameContains), $options: 'i' };
    return this.boards.find(query, { projection: { _id: 0 } }).sort({ bevoegdGezagNummer: 1 }).limit(limit).toArray();
  }

  /**
   * One page of schools ordered by BRIN (keyset: after the given BRIN). `board` selects the
   * schools the board holds on `today` (a school it hands over on a later date included).
   */
  async pageSchools(filter: SchoolFilter, limit: number, after: string | null, today = todayInNetherlands()): Promise<SchoolDocument[]> {
    if (!filter.board) return this.pageSchoolsWhere(filter, limit, after);
    const board = filter.board;
    const page: SchoolDocument[] = [];
    // A school registered to the board but handed over later (or the reverse) is read and
    // dropped here; read on until the page is full or the schools run out.
    for (let from = after; ; ) {
      const read = await this.pageSchoolsWhere(filter, limit, from, { $or: [{ boardNummer: board }, { historyBoards: board }] });
      page.push(...read.filter((s) => holderOn(s, today) === board));
      if (page.length >= limit || read.length < limit) return page.slice(0, limit);
      from = read.at(-1)!.brin;
    }
  }

  private pageSchoolsWhere(filter: SchoolFilter, limit: number, after: string | null, boardQuery?: Filter<SchoolDocument>): Promise<SchoolDocument[]> {
    const and: Filter<SchoolDocument>[] = [];
    if (after !== null) and.push({ brin: { $gt: after } });
    if (boardQuery) and.push(boardQuery);
    if (filter.sector) and.push({ sector: filter.sector });
    if (filter.swv) and.push({ swvCodes: filter.swv });
    if (filter.nameContains) and.push({ name: { $regex: escapeRegex(filter.nameContains), $options: 'i' } });
    if (filter.activeOn) {
      and.push({ $or: [{ startDate: null }, { startDate: { $lte: filter.activeOn } }] });
      and.push({ $or: [{ endDate: null }, { endDate: { $gte: filter.activeOn } }] });
    }
    const query: Filter<SchoolDocument> = and.length ? { $and: and } : {};
    return this.schools.find(query, { projection: { _id: 0 } }).sort({ brin: 1 }).limit(limit).toArray();
  }

  /**
   * Every school with only what other subgraphs' aggregates join on, in one round trip (one
   * pass over the collection: paging would read it once per page on FerretDB). The version
   * is read first, so a list is never newer than its version says.
   */
  async schoolDirectory(today = todayInNetherlands()): Promise<{ version: string; schools: Pick<SchoolDocument, 'brin' | 'sector' | 'boardNummer' | 'swvCodes' | 'startDate' | 'endDate'>[] }> {
    const version = await this.directoryVersion(today);
    const stored = await this.schools
      .find({}, { projection: { _id: 0, brin: 1, sector: 1, boardNummer: 1, boardHistory: 1, swvCodes: 1, startDate: 1, endDate: 1 }, batchSize: 100_000 })
      .sort({ brin: 1 })
      .toArray();
    const schools = stored.map(({ boardHistory: _history, ...s }) => ({ ...s, boardNummer: holderOn({ boardNummer: s.boardNummer, boardHistory: _history }, today) }));
    return { version, schools };
  }

  /**
   * The school directory's version: the register's, and the day, since the board holding a
   * school changes on a move's date without any write.
   */
  async directoryVersion(today = todayInNetherlands()): Promise<string> {
    return `${await this.registerMark.read()}/${today}`;
  }

  /**
   * Which of the register's data collections hold a document (boards, schools, SWVs, the
   * change feed, the import runs; not bookkeeping such as counters, locks and marks): for a
   * loader that must not write into a store holding other data (the demo seed of the first
   * start). Reads only, one findOne per collection, no counting.
   */
  holdsData(): Promise<string[]> {
    return collectionsHolding([this.boards, this.schools, this.swvs, this.changes, this.imports]);
  }

  /**
   * The board with the most open schools (no end date), by the board a school is registered
   * to, ties to the lowest number; null when the register has no schools. One `$group` over
   * the schools (not for a request path: the start's token hint asks once).
   */
  async largestBoard(): Promise<string | null> {
    const [top] = await this.schools
      .aggregate<{ _id: string; schools: number }>([
        { $match: { endDate: null } },
        { $group: { _id: '$boardNummer', schools: { $sum: 1 } } },
        { $sort: { schools: -1, _id: 1 } },
        { $limit: 1 },
      ])
      .toArray();
    return top?._id ?? null;
  }

  /** One page of the change feed in sequence order, optionally recorded at or after `since`. */
  pageChanges(since: Date | null, limit: number, afterSequence: number | null): Promise<OrganisationChangeDocument[]> {
    const query: Filter<OrganisationChangeDocument> = {};
    if (afterSequence !== null) query.sequence = { $gt: afterSequence };
    if (since) query.recordedAt = { $gte: since };
    return this.changes.find(query, { projection: { _id: 0 } }).sort({ sequence: 1 }).limit(limit).toArray();
  }

  /** Loaders for one request: never shared across requests. */
  createLoaders() {
    const today = todayInNetherlands();
    return {
      board: uniqueLoader((ids) => this.findBoards(ids), (d) => d.bevoegdGezagNummer),
      school: uniqueLoader((ids) => this.findSchools(ids), (d) => d.brin),
      schoolsOfBoard: groupLoader((ids) => this.findSchoolsOfBoards(ids, today), (d) => holderOn(d, today)),
      schoolsOfSwv: groupLoader((ids) => this.findSchoolsOfSwvs(ids), (d) => d.swvCodes),
      swv: uniqueLoader((ids) => this.findSwvs(ids), (d) => d.code),
    };
  }

  // ---- used by the RIO import only ----

  /** Every stored board, school and SWV with its `_id` (the import compares against them). */
  async loadAll(): Promise<{
    boards: Stored<BoardDocument>[];
    schools: Stored<SchoolDocument>[];
    swvs: Stored<SwvDocument>[];
  }> {
    const [boards, schools, swvs] = await Promise.all([
      this.boards.find({}).toArray(),
      this.schools.find({}).toArray(),
      this.swvs.find({}).toArray(),
    ]);
    return { boards, schools, swvs };
  }

  private collection(name: ImportCollection): Collection<Document & { _id: StoreId }> {
    return this.db.collection(name);
  }

  /**
   * Writes new and replaced documents. A few replacements are written one by one (each is
   * atomic). Many are swapped in bulk (delete + insert, far faster on FerretDB) through a
   * journal: the new versions are first saved in a pending collection, so a crash between
   * delete and insert is repaired by completePendingWrites() before the next import.
   */
  async writeDocuments<T extends object>(
    name: ImportCollection,
    writes: DocumentWrites<T>,
    swapThreshold = DEFAULT_SWAP_THRESHOLD,
  ): Promise<void> {
    if (writes.inserts.length === 0 && writes.replacements.length === 0) return;
    try {
      await this.writeUnmarked(name, writes, swapThreshold);
    } finally {
      // Also after a failed write: part of it may have landed.
      await this.registerMark.bump();
    }
  }

  private async writeUnmarked<T extends object>(name: ImportCollection, writes: DocumentWrites<T>, swapThreshold: number): Promise<void> {
    const collection = this.collection(name);
    for (const chunk of chunks(writes.inserts)) {
      await this.db.collection(name).insertMany(chunk.map((d): Document => ({ ...d })), { ordered: false });
    }
    if (writes.replacements.length === 0) return;
    if (writes.replacements.length <= swapThreshold) {
      await collection.bulkWrite(
        writes.replacements.map(({ _id, ...doc }) => ({ replaceOne: { filter: { _id }, replacement: doc as Document } })),
        { ordered: false },
      );
      return;
    }
    for (const chunk of chunks(writes.replacements, SWAP_CHUNK)) {
      const docs = chunk.map((doc): Document & { _id: StoreId } => ({ ...doc }));
      const journal: PendingWrite[] = docs.map((doc) => ({
        _id: `${name}:${String(doc._id)}`,
        collection: name,
        docId: doc._id,
        doc,
      }));
      await this.pending.insertMany(journal, { ordered: false });
      await this.swap(name, docs);
      // One import at a time (the lock): every pending write is this chunk's.
      await this.pending.deleteMany({});
    }
  }

  private async swap(name: ImportCollection, docs: (Document & { _id: StoreId })[]): Promise<void> {
    const collection = this.collection(name);
    await collection.deleteMany({ _id: { $in: docs.map((d) => d._id) } });
    try {
      await collection.insertMany(docs, { ordered: false });
    } catch (err) {
      // Re-applying a journal after a crash: documents already inserted are fine.
      if (!isDuplicateKeyOnly(err)) throw err;
    }
  }

  /** Completes bulk swaps that a crashed import left half done. Returns how many. */
  async completePendingWrites(): Promise<number> {
    const pending = await this.pending.find({}).toArray();
    for (const name of ['boards', 'samenwerkingsverbanden', 'schools'] as ImportCollection[]) {
      const mine = pending.filter((p) => p.collection === name);
      for (const chunk of chunks(mine, SWAP_CHUNK)) await this.swap(name, chunk.map((p) => p.doc));
    }
    if (pending.length) {
      await this.registerMark.bump();
      await this.pending.deleteMany({ _id: { $in: pending.map((p) => p._id) } });
    }
    return pending.length;
  }

  /** Reserves `count` consecutive feed sequence numbers; returns the first. */
  async reserveSequences(count: number): Promise<number> {
    const counter = await this.counters.findOneAndUpdate(
      { _id: FEED_COUNTER },
      { $inc: { value: count } },
      { upsert: true, returnDocument: 'after' },
    );
    if (!counter) throw new Error('the change feed counter could not be read');
    return counter.value - count + 1;
  }

  /** Which of these natural keys the feed holds already. */
  async existingChangeKeys(keys: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const chunk of chunks(keys)) {
      const docs = await this.changes.find({ key: { $in: chunk } }, { projection: { _id: 0, key: 1 } }).toArray();
      for (const d of docs) found.add(d.key);
    }
    return found;
  }

  /** Appends to the feed; an entry whose natural key exists already is skipped. */
  async appendChanges(entries: OrganisationChangeDocument[], onChunk: (written: number) => void = () => undefined): Promise<void> {
    for (const chunk of chunks(entries)) {
      try {
        await this.changes.insertMany(chunk.map((e) => ({ ...e })), { ordered: false });
      } catch (err) {
        if (!isDuplicateKeyOnly(err)) throw err;
      }
      onChunk(chunk.length);
    }
  }

  /**
   * Takes the import lock. Returns null when taken, else the holder (another import whose
   * lock is younger than 30 minutes; an older one is taken to be from a crashed import).
   */
  async acquireImportLock(importId: string, now = new Date()): Promise<{ importId: string; at: Date } | null> {
    try {
      await this.locks.insertOne({ _id: IMPORT_LOCK, importId, at: now });
      return null;
    } catch (err) {
      if (!isDuplicateKeyOnly(err)) throw err;
    }
    const stale = await this.locks.deleteOne({ _id: IMPORT_LOCK, at: { $lt: new Date(now.getTime() - STALE_LOCK_MS) } });
    if (stale.deletedCount !== 1) {
      const holder = await this.locks.findOne({ _id: IMPORT_LOCK });
      return holder ? { importId: holder.importId, at: holder.at } : this.acquireImportLock(importId, now);
    }
    return this.acquireImportLock(importId, now);
  }

  async releaseImportLock(importId: string): Promise<void> {
    await this.locks.deleteOne({ _id: IMPORT_LOCK, importId });
  }

  async recordImportStart(run: ImportRunDocument): Promise<void> {
    await this.imports.insertOne({ ...run });
  }

  /**
   * The latest date of a finished file import that covered this sector (a one-sector file) or
   * the whole register (null scope: every import counts). The runs are few (one per import):
   * read whole.
   */
  async lastSnapshotDate(sector: string | null): Promise<{ referenceDate: string; importId: string } | null> {
    const runs = await this.imports
      .find({ finishedAt: { $ne: null }, referenceDate: { $exists: true } }, { projection: { _id: 0, importId: 1, referenceDate: 1, sectorScope: 1 } })
      .toArray();
    let last: { referenceDate: string; importId: string } | null = null;
    for (const run of runs) {
      const covers = sector === null || !run.sectorScope || run.sectorScope === sector;
      if (covers && run.referenceDate && (!last || run.referenceDate > last.referenceDate)) last = { referenceDate: run.referenceDate, importId: run.importId };
    }
    return last;
  }

  async recordImportEnd(importId: string, finishedAt: Date, counts: Record<string, number>): Promise<void> {
    await this.imports.updateOne({ importId }, { $set: { finishedAt, counts } });
  }
}

export type OrganisationsLoaders = ReturnType<OrganisationsRepository['createLoaders']>;

function byBrin(schools: SchoolDocument[]): SchoolDocument[] {
  return schools.sort((a, b) => (a.brin < b.brin ? -1 : a.brin > b.brin ? 1 : 0));
}
