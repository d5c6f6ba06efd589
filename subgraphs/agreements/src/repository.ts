import { MongoServerError, type Collection, type Db, type Filter } from 'mongodb';
import { collectionsHolding, declareIndexes, ensureIndexes, findEach, retryUpsertRace, groupLoader, uniqueLoader } from '@osr/common';
import type {
  AgreementDocument,
  AgreementHistoryDocument,
  AgreementStatus,
  AgreementType,
  FeedStateDocument,
  OrganisationChangeDocument,
  ReviewItemDocument,
  ReviewItemHistoryDocument,
  ServiceCode,
} from './documents.js';
import { liveKeyOf } from './lifecycle.js';

const NO_ID = { projection: { _id: 0 } } as const;

export function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === 11000;
}

export interface AgreementQuery {
  boardNummer?: string | null;
  type?: AgreementType | null;
  status?: AgreementStatus[] | null;
  service?: ServiceCode | null;
  imported?: boolean | null;
  /** keyset: ids after this one */
  afterId?: string | null;
}

/** Fills the fields older documents lack, so callers see one shape. */
export function normalise(doc: AgreementDocument): AgreementDocument {
  return {
    ...doc,
    serviceStarts: doc.serviceStarts ?? [],
    extensionOf: doc.extensionOf ?? null,
    documents: doc.documents ?? [],
    signing: doc.signing ?? null,
    signature: doc.signature ?? null,
    liveKey: doc.liveKey ?? liveKeyOf(doc),
  };
}

/** Every index of the agreements database, declared once (common/src/indexes.ts). */
export const AGREEMENTS_INDEXES = declareIndexes({
  agreements: {
    indexes: [
      { name: 'id', keys: { id: 1 }, unique: true },
      { name: 'board_type', keys: { boardNummer: 1, type: 1 } },
      { name: 'extension_of', keys: { extensionOf: 1 } },
      { name: 'live_key', keys: { liveKey: 1 }, unique: true },
    ],
  },
  agreement_history: { indexes: [{ name: 'agreement_version', keys: { agreementId: 1, version: 1 }, unique: true }] },
  review_items: {
    indexes: [
      { name: 'id', keys: { id: 1 }, unique: true },
      { name: 'change_board_reason', keys: { changeId: 1, boardNummer: 1, reason: 1 }, unique: true },
      { name: 'board_created', keys: { boardNummer: 1, createdAt: -1 }, gin: ['boardNummer'] },
    ],
  },
  review_item_history: { indexes: [{ name: 'item_version', keys: { itemId: 1, version: 1 }, unique: true }] },
  organisation_changes: {
    indexes: [
      { name: 'id', keys: { id: 1 }, unique: true },
      { name: 'import_kind', keys: { importId: 1, kind: 1 } },
    ],
  },
  feed_state: { indexes: [], byId: true },
});

/** The only code that touches the agreements collections. */
export class AgreementsRepository {
  readonly agreements: Collection<AgreementDocument>;
  readonly history: Collection<AgreementHistoryDocument>;
  readonly reviewItems: Collection<ReviewItemDocument>;
  readonly changes: Collection<OrganisationChangeDocument>;
  readonly feedState: Collection<FeedStateDocument>;
  readonly reviewItemHistory: Collection<ReviewItemHistoryDocument>;

  constructor(readonly db: Db) {
    this.agreements = db.collection('agreements');
    this.history = db.collection('agreement_history');
    this.reviewItems = db.collection('review_items');
    this.changes = db.collection('organisation_changes');
    this.feedState = db.collection('feed_state');
    this.reviewItemHistory = db.collection('review_item_history');
  }

  async ensureIndexes(): Promise<void> {
    // Documents written before liveKey existed get it before the unique index is built.
    const older = await this.agreements.find({ liveKey: { $exists: false } }, NO_ID).toArray();
    for (const doc of older) await this.agreements.updateOne({ id: doc.id }, { $set: { liveKey: liveKeyOf(normalise(doc)) } });
    await ensureIndexes(this.agreements, AGREEMENTS_INDEXES.agreements);
    await ensureIndexes(this.history, AGREEMENTS_INDEXES.agreement_history);
    await ensureIndexes(this.reviewItems, AGREEMENTS_INDEXES.review_items);
    await ensureIndexes(this.reviewItemHistory, AGREEMENTS_INDEXES.review_item_history);
    await ensureIndexes(this.changes, AGREEMENTS_INDEXES.organisation_changes);
    await ensureIndexes(this.feedState, AGREEMENTS_INDEXES.feed_state);
  }

  // ---- agreements

  // Batches are equality finds in parallel (findEach): answered by an index on MongoDB and
  // on FerretDB over PostgreSQL, where one `$in` reads the whole collection
  // (docs/data-access.md). Orders are applied here, per key.

  async findAgreements(ids: readonly string[]): Promise<AgreementDocument[]> {
    return (await findEach(ids, (id) => this.agreements.find({ id }, NO_ID).toArray())).map(normalise);
  }

  async findAgreement(id: string): Promise<AgreementDocument | null> {
    const doc = await this.agreements.findOne({ id }, NO_ID);
    return doc ? normalise(doc) : null;
  }

  /** Each board's agreements by type, creation and id. */
  async findAgreementsOfBoards(boardNummers: readonly string[]): Promise<AgreementDocument[]> {
    const found = await findEach(boardNummers, async (boardNummer) =>
      (await this.agreements.find({ boardNummer }, NO_ID).toArray()).sort(
        (a, b) => compare(a.type, b.type) || a.createdAt.getTime() - b.createdAt.getTime() || compare(a.id, b.id),
      ),
    );
    return found.map(normalise);
  }

  /** Each agreement's extensions by creation and id. */
  async findExtensionsOf(ids: readonly string[]): Promise<AgreementDocument[]> {
    const found = await findEach(ids, async (extensionOf) =>
      (await this.agreements.find({ extensionOf }, NO_ID).toArray()).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || compare(a.id, b.id)),
    );
    return found.map(normalise);
  }

  async queryAgreements(query: AgreementQuery, limit: number): Promise<AgreementDocument[]> {
    const filter: Filter<AgreementDocument> = {};
    if (query.boardNummer) filter.boardNummer = query.boardNummer;
    if (query.type) filter.type = query.type;
    if (query.status?.length) filter.status = { $in: query.status };
    if (query.service) filter.services = query.service;
    if (query.imported !== null && query.imported !== undefined) filter.imported = query.imported;
    if (query.afterId) filter.id = { $gt: query.afterId };
    return (await this.agreements.find(filter, NO_ID).sort({ id: 1 }).limit(limit).toArray()).map(normalise);
  }

  /** Inserts a new agreement; false when the board already has a live one of that kind (unique liveKey). */
  async insertAgreement(doc: AgreementDocument): Promise<boolean> {
    try {
      await this.agreements.insertOne({ ...doc });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  /**
   * Claims the agreement's next version by appending its history entry first: the unique
   * index (agreementId, version) lets exactly one writer have each version. (A conditional
   * update on `version` alone is not enough: FerretDB 1.24 lets two concurrent
   * findOneAndUpdate/updateOne calls with the same filter both succeed.) False when
   * another writer claimed it.
   */
  async claimVersion(entry: AgreementHistoryDocument): Promise<boolean> {
    try {
      await this.history.insertOne({ ...entry });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  /** Writes the version claimed in history (the one writer holding it). */
  async writeAgreementVersion(after: AgreementDocument, fromVersion: number): Promise<boolean> {
    const { id, ...fields } = after;
    const res = await this.agreements.updateOne({ id, version: fromVersion }, { $set: fields });
    return res.matchedCount === 1;
  }

  /**
   * Finishes a change whose history entry was written but whose agreement write was not
   * (the writer died in between): after `graceMs`, the entry's snapshot is applied.
   */
  async rollForward(id: string, graceMs = 10_000): Promise<void> {
    const current = await this.findAgreement(id);
    if (!current) return;
    const next = await this.history.findOne({ agreementId: id, version: current.version + 1 });
    if (next && Date.now() - next.at.getTime() > graceMs) await this.writeAgreementVersion(next.after, current.version);
  }

  async findHistoryEntry(agreementId: string, version: number): Promise<AgreementHistoryDocument | null> {
    return this.history.findOne({ agreementId, version }, NO_ID);
  }

  /** Each agreement's history by version. */
  async findHistory(agreementIds: readonly string[]): Promise<AgreementHistoryDocument[]> {
    return findEach(agreementIds, async (agreementId) =>
      (await this.history.find({ agreementId }, { projection: { _id: 0, before: 0, after: 0 } }).toArray()).sort((a, b) => a.version - b.version),
    );
  }

  async findSignedExtensions(): Promise<AgreementDocument[]> {
    return (await this.agreements.find({ extensionOf: { $ne: null }, status: 'SIGNED' }, NO_ID).toArray()).map(normalise);
  }

  /** Signed agreements (not extensions) whose last day lies before `date`. */
  async findExpiring(date: string): Promise<AgreementDocument[]> {
    return (
      await this.agreements.find({ status: 'SIGNED', validUntil: { $ne: null, $lt: date } }, NO_ID).sort({ id: 1 }).toArray()
    ).map(normalise);
  }

  // ---- what the store holds (for loaders and benchmarks, not for a request path)

  /**
   * Which of the agreements' data collections hold a document (agreements, their history,
   * review items; not the copy of the change feed nor the follower's place in it): for a
   * loader that must not write into a store holding other data (the demo seed of the first
   * start). Reads only, one findOne per collection, no counting.
   */
  holdsData(): Promise<string[]> {
    return collectionsHolding([this.agreements, this.history, this.reviewItems]);
  }

  /** How many agreements and review items are stored (each count reads its whole collection: a loader's summary, never a request). */
  async counts(): Promise<{ agreements: number; reviewItems: number }> {
    return { agreements: await this.agreements.countDocuments({}), reviewItems: await this.reviewItems.countDocuments({}) };
  }

  /** One page of every review item, by id (keyset: after the given id); a full read of the collection, for tools that compare answers with the store. */
  reviewItemPage(afterId: string | null, limit: number): Promise<ReviewItemDocument[]> {
    const filter: Filter<ReviewItemDocument> = afterId === null ? {} : { id: { $gt: afterId } };
    return this.reviewItems.find(filter, NO_ID).sort({ id: 1 }).limit(limit).toArray();
  }

  // ---- review items and the change feed

  async findReviewItems(ids: readonly string[]): Promise<ReviewItemDocument[]> {
    return findEach(ids, (id) => this.reviewItems.find({ id }, NO_ID).toArray());
  }

  /** Each board's review items, newest first. */
  findReviewItemsOfBoards(boardNummers: readonly string[]): Promise<ReviewItemDocument[]> {
    return findEach(boardNummers, async (boardNummer) =>
      (await this.reviewItems.find({ boardNummer }, NO_ID).toArray()).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || compare(b.id, a.id)),
    );
  }

  /** Creates the item unless the same change already made it for that board; true when created. */
  async insertReviewItem(item: ReviewItemDocument): Promise<boolean> {
    try {
      await this.reviewItems.insertOne({ ...item });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  /** Adds schools to an existing item (a merger item made before all its moves were read). */
  async addSchoolsToItem(changeId: string, boardNummer: string, reason: ReviewItemDocument['reason'], brins: string[]): Promise<void> {
    await this.reviewItems.updateOne({ changeId, boardNummer, reason }, { $addToSet: { brins: { $each: brins } } });
  }

  /**
   * Resolves an open item: the change is claimed in review_item_history (unique itemId +
   * version) before the item is written, so of two concurrent resolutions one wins.
   */
  async resolveReviewItemIfVersion(
    item: ReviewItemDocument,
    resolution: { resolvedAt: Date; resolvedBy: string; resolution: string | null },
  ): Promise<ReviewItemDocument | null> {
    const after: ReviewItemDocument = { ...item, ...resolution, status: 'RESOLVED', version: item.version + 1 };
    try {
      await this.reviewItemHistory.insertOne({ itemId: item.id, version: after.version, at: resolution.resolvedAt, by: resolution.resolvedBy, action: 'RESOLVED', note: resolution.resolution, after });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // Another writer holds this version; if it died before writing the item, finish its change.
      const claimed = await this.reviewItemHistory.findOne({ itemId: item.id, version: after.version });
      if (claimed && Date.now() - claimed.at.getTime() > 10_000) {
        const { id: claimedId, ...claimedFields } = claimed.after;
        await this.reviewItems.updateOne({ id: claimedId, version: item.version }, { $set: claimedFields });
      }
      return null;
    }
    const { id, ...fields } = after;
    await this.reviewItems.updateOne({ id, version: item.version }, { $set: fields });
    return after;
  }

  /** Records a change read from the feed (once per change id). */
  async recordChange(change: OrganisationChangeDocument): Promise<void> {
    await retryUpsertRace(() => this.changes.updateOne({ id: change.id }, { $setOnInsert: change }, { upsert: true }));
  }

  findChangesOfImport(importId: string, kind: OrganisationChangeDocument['kind']): Promise<OrganisationChangeDocument[]> {
    return this.changes.find({ importId, kind }, NO_ID).sort({ sequence: 1 }).toArray();
  }

  getFeedState(name: string): Promise<FeedStateDocument | null> {
    return this.feedState.findOne({ _id: name });
  }

  async saveFeedState(name: string, cursor: string, lastSequence: number | null): Promise<void> {
    await retryUpsertRace(() => this.feedState.replaceOne({ _id: name }, { cursor, lastSequence, updatedAt: new Date() }, { upsert: true }));
  }

  createLoaders() {
    return {
      agreement: uniqueLoader((ids) => this.findAgreements(ids), (d) => d.id),
      agreementsOfBoard: groupLoader((ids) => this.findAgreementsOfBoards(ids), (d) => d.boardNummer),
      extensionsOf: groupLoader((ids) => this.findExtensionsOf(ids), (d) => d.extensionOf ?? ''),
      history: groupLoader((ids) => this.findHistory(ids), (h) => h.agreementId),
      reviewItemsOfBoard: groupLoader((ids) => this.findReviewItemsOfBoards(ids), (d) => d.boardNummer),
    };
  }
}

export type AgreementsLoaders = ReturnType<AgreementsRepository['createLoaders']>;

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
