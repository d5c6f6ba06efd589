import type { Collection, Filter } from 'mongodb';
import { decodeCursor, encodeCursor, ensureIndexes, findEach, retryUpsertRace, type Logger } from '@osr/common';
import { MandateStore } from './mandate-store.js';
import { compare } from './catalogue.js';
import { MANDATES_INDEXES, type MandatesCollections } from './collections.js';
import type { WebhookRepository } from './webhooks.js';
import { databaseAggregates, type MandateAggregates } from './aggregates.js';
import type { DeferredChange, FeedCursorDocument, MandateDocument, ServiceCode } from '../documents.js';

const NO_ID = { projection: { _id: 0 } } as const;
/**
 * A batch's answer in one round trip: without it the driver's first batch holds 101
 * documents and a large board's mandates cost an extra getMore.
 */
const IN_ONE_BATCH = { projection: { _id: 0 }, batchSize: 100_000 } as const;

/**
 * Mandates and their history (written only through the mandate store) and the organisation
 * feed's cursor. Its collections are private.
 */
export class MandatesRepository {
  private readonly mandates: Collection<MandateDocument>;
  private readonly cursors: Collection<FeedCursorDocument>;
  /** The only way mandates are written (see mandate-store.ts). */
  readonly store: MandateStore;

  constructor(collections: MandatesCollections, webhooks: WebhookRepository, logger?: Logger) {
    this.mandates = collections.mandates;
    this.cursors = collections.cursors;
    this.store = new MandateStore(this.mandates, collections.history, logger, webhooks.outbox);
  }

  async ensureIndexes(): Promise<void> {
    await ensureIndexes(this.mandates, MANDATES_INDEXES.mandates);
    await ensureIndexes(this.cursors, MANDATES_INDEXES.feed_cursors);
    await this.store.ensureIndexes();
  }

  /** Where a change feed was left, with the moves read from it that wait for their day. */
  async feedCursor(feed: string): Promise<{ cursor: string | null; deferred: DeferredChange[] }> {
    const saved = await this.cursors.findOne({ feed });
    return { cursor: saved?.cursor ?? null, deferred: saved?.deferred ?? [] };
  }

  /** The cursor and the waiting moves in one write, so a crash keeps both or neither. */
  async saveFeedCursor(feed: string, cursor: string | null, deferred: DeferredChange[]): Promise<void> {
    await retryUpsertRace(() => this.cursors.updateOne({ feed }, { $set: { cursor, deferred, updatedAt: new Date() } }, { upsert: true }));
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

  /** The fields of every mandate that what is derived from it needs (a maintenance read of the whole collection). */
  everyMandateFacts(): Promise<Pick<MandateDocument, 'id' | 'serviceCode' | 'systemId' | 'origin' | 'boardNummer' | 'brin' | 'startDate' | 'endDate' | 'yearChecks'>[]> {
    const projection = { _id: 0, id: 1, serviceCode: 1, systemId: 1, origin: 1, boardNummer: 1, brin: 1, startDate: 1, endDate: 1, yearChecks: 1 } as const;
    return this.mandates.find({}, { projection, batchSize: 100_000 }).toArray();
  }

  /** The aggregates answered by the database (aggregates.ts): one `$group` of the mandates each. */
  aggregates(aanleverpunten: Pick<MandateAggregates, 'schoolsWithInactive'>): MandateAggregates {
    return databaseAggregates(this.mandates, aanleverpunten);
  }

  // Batches are one `$in` per collection on an indexed field, answered in the order of the
  // keys (a single key is an equality); the orders within a key are applied here.

  findMandates(ids: readonly string[]): Promise<MandateDocument[]> {
    return this.findIn('id', ids).then((found) => byKeys(ids, found, (m) => m.id));
  }

  /** A system's mandates, every one (the catalogue's checks, the feed order of the read model). */
  mandatesOfSystem(systemId: string): Promise<MandateDocument[]> {
    return this.mandates.find({ systemId }, IN_ONE_BATCH).toArray();
  }

  /** Mandates of these schools, optionally only for some services; per school by service, start, id. */
  async findMandatesOfSchools(brins: readonly string[], services: readonly ServiceCode[] | null): Promise<MandateDocument[]> {
    const found = await this.findIn('brin', brins, services);
    return byKeys(brins, found.sort(byServiceStartId), (m) => m.brin ?? '');
  }

  /**
   * Mandates these boards gave (board-level, and for schools held then). Access is not decided
   * here: a school's mandates follow the school (Board.mandates adds those of its schools now);
   * review boards grant nothing.
   */
  async findMandatesOfBoards(boards: readonly string[], services: readonly ServiceCode[] | null): Promise<MandateDocument[]> {
    const found = await this.findIn('boardNummer', boards, services);
    return byKeys(boards, found.sort((a, b) => compare(a.brin ?? '', b.brin ?? '') || byServiceStartId(a, b)), (m) => m.boardNummer);
  }

  private findIn(field: 'id' | 'brin' | 'boardNummer', keys: readonly string[], services: readonly ServiceCode[] | null = null): Promise<MandateDocument[]> {
    const wanted = services ? [...new Set(services)] : null;
    const filter: Filter<MandateDocument> = { [field]: keys.length === 1 ? keys[0] : { $in: [...new Set(keys)] } };
    if (wanted) filter.serviceCode = wanted.length === 1 ? wanted[0] : { $in: wanted };
    return this.mandates.find(filter, IN_ONE_BATCH).toArray();
  }

  /**
   * A page of the mandates naming these systems that changed after a moment, in change
   * order (updatedAt, id): a keyset on the system_changes index, for supplier synchronisation.
   */
  async findChangedMandates(options: ChangedMandatesQuery): Promise<ChangedMandatesPage> {
    const position = decodeCursor(options.after, { t: 'time', id: 'string' });
    // top-level fields (an equality on the system first): FerretDB pushes those down
    const filter: Filter<MandateDocument> = { systemId: options.systemIds.length === 1 ? options.systemIds[0] : { $in: [...options.systemIds] } };
    if (options.service) filter.serviceCode = options.service;
    if (options.changedSince) filter.updatedAt = { $gt: options.changedSince };
    if (position) {
      const at = new Date(position.t as number);
      filter.$or = [{ updatedAt: { $gt: at } }, { updatedAt: at, id: { $gt: position.id as string } }];
    }
    const items = await this.mandates.find(filter, NO_ID).sort({ updatedAt: 1, id: 1 }).limit(options.limit).toArray();
    return { items, cursorOf: feedCursorOf };
  }
}

export interface ChangedMandatesQuery {
  systemIds: readonly string[];
  service: ServiceCode | null;
  changedSince: Date | null;
  /** the cursor of the last mandate of the previous page */
  after: string | null;
  limit: number;
}

export interface ChangedMandatesPage {
  items: MandateDocument[];
  cursorOf: (m: MandateDocument) => string;
}

export function feedCursorOf(m: MandateDocument): string {
  return encodeCursor({ t: m.updatedAt.getTime(), id: m.id });
}

/** The found documents in the order of the keys (each key's in their order), each once. */
export function byKeys<T>(keys: readonly string[], found: readonly T[], keyOf: (d: T) => string): T[] {
  const byKey = new Map<string, T[]>();
  for (const d of found) {
    const k = keyOf(d);
    const list = byKey.get(k);
    if (list) list.push(d);
    else byKey.set(k, [d]);
  }
  return [...new Set(keys)].flatMap((k) => byKey.get(k) ?? []);
}

export function byServiceStartId(a: MandateDocument, b: MandateDocument): number {
  return compare(a.serviceCode, b.serviceCode) || compare(a.startDate, b.startDate) || compare(a.id, b.id);
}
