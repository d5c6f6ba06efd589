/**
 * Storage of the RIO API sync: its runs (what support sees in rioSyncStatus), the pages it
 * fetched (so a restarted sync continues where it stopped) and its lock (one sync at a time).
 * The only code that touches these collections.
 */
import { hostname } from 'node:os';
import type { Collection, Db, MongoServerError } from 'mongodb';
import { declareIndexes, ensureIndexes } from '@osr/common';
import type { RioSyncPageDocument, RioSyncRunDocument } from '../documents.js';

const SYNC_LOCK = 'rio-sync';

interface LockDocument {
  _id: string;
  syncId: string;
  at: Date;
  /** Where the holder runs: a holder on this machine whose process is gone is dead at once. */
  host: string;
  pid: number;
}

/** Whether a lock's holder is known to be dead: a process on this machine that no longer exists. */
function holderGone(holder: LockDocument): boolean {
  if (holder.host !== hostname() || holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function isDuplicateKey(err: unknown): boolean {
  return (err as Partial<MongoServerError>).code === 11000;
}

/** The RIO sync's indexes, declared once (common/src/indexes.ts). */
export const RIO_SYNC_INDEXES = declareIndexes({
  rio_syncs: {
    indexes: [
      { name: 'syncId', keys: { syncId: 1 }, unique: true },
      { name: 'startedAt', keys: { startedAt: -1 }, gin: [] },
    ],
  },
  rio_sync_pages: { indexes: [{ name: 'syncId_resource_page', keys: { syncId: 1, resource: 1, page: 1 }, unique: true }] },
  rio_sync_lock: { indexes: [], byId: true },
});

export class RioSyncRepository {
  readonly runs: Collection<RioSyncRunDocument>;
  readonly pages: Collection<RioSyncPageDocument>;
  private readonly locks: Collection<LockDocument>;

  constructor(db: Db) {
    this.runs = db.collection<RioSyncRunDocument>('rio_syncs');
    this.pages = db.collection<RioSyncPageDocument>('rio_sync_pages');
    this.locks = db.collection<LockDocument>('rio_sync_lock');
  }

  async ensureIndexes(): Promise<void> {
    await ensureIndexes(this.runs, RIO_SYNC_INDEXES.rio_syncs);
    await ensureIndexes(this.pages, RIO_SYNC_INDEXES.rio_sync_pages);
    await ensureIndexes(this.locks, RIO_SYNC_INDEXES.rio_sync_lock);
  }

  /**
   * Claims the sync lock by inserting it (the _id is unique: of two claims one wins). A lock
   * whose heartbeat is older than `staleMs`, or whose holder ran on this machine in a process
   * that is gone (killed), belongs to a sync that died and is taken over.
   * Returns null when claimed, else the holder.
   */
  async acquireLock(syncId: string, now: Date, staleMs: number): Promise<{ syncId: string; at: Date } | null> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.locks.insertOne({ _id: SYNC_LOCK, syncId, at: now, host: hostname(), pid: process.pid });
        return null;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      const holder = await this.locks.findOne({ _id: SYNC_LOCK });
      if (!holder) continue;
      if (holder.at.getTime() >= now.getTime() - staleMs && !holderGone(holder)) return { syncId: holder.syncId, at: holder.at };
      // Stale: remove exactly that holder's lock; if another sync removed it first, the
      // insert above decides again.
      await this.locks.deleteOne({ _id: SYNC_LOCK, syncId: holder.syncId, at: holder.at });
    }
    const holder = await this.locks.findOne({ _id: SYNC_LOCK });
    return holder ? { syncId: holder.syncId, at: holder.at } : { syncId: '(unknown)', at: now };
  }

  /** Refreshes the lock's heartbeat; false when the lock is no longer this sync's. */
  async heartbeat(syncId: string, now: Date): Promise<boolean> {
    const result = await this.locks.updateOne({ _id: SYNC_LOCK, syncId }, { $set: { at: now } });
    return result.matchedCount === 1;
  }

  async releaseLock(syncId: string): Promise<void> {
    await this.locks.deleteOne({ _id: SYNC_LOCK, syncId });
  }

  /** The lock's holder when it is alive (fresh heartbeat, process not known to be gone): a sync is running. */
  async runningSync(now: Date, staleMs: number): Promise<{ syncId: string; at: Date } | null> {
    const holder = await this.locks.findOne({ _id: SYNC_LOCK });
    return holder && holder.at.getTime() >= now.getTime() - staleMs && !holderGone(holder) ? { syncId: holder.syncId, at: holder.at } : null;
  }

  latestRuns(limit: number): Promise<RioSyncRunDocument[]> {
    return this.runs.find({}, { projection: { _id: 0 } }).sort({ startedAt: -1 }).limit(limit).toArray();
  }

  async lastSuccess(): Promise<RioSyncRunDocument | null> {
    const [run] = await this.runs
      .find({ outcome: { $in: ['SUCCEEDED', 'SUCCEEDED_WITH_REJECTIONS'] } }, { projection: { _id: 0 } })
      .sort({ startedAt: -1 })
      .limit(1)
      .toArray();
    return run ?? null;
  }

  async insertRun(run: RioSyncRunDocument): Promise<void> {
    await this.runs.insertOne({ ...run });
  }

  async updateRun(syncId: string, set: Partial<RioSyncRunDocument>): Promise<void> {
    await this.runs.updateOne({ syncId }, { $set: set });
  }

  /** Stores a fetched page; storing the same page twice keeps the first. */
  async savePage(page: RioSyncPageDocument): Promise<void> {
    try {
      await this.pages.insertOne({ ...page });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }

  /** Which pages of a sync are stored: resource → page numbers, with the total per resource. */
  async storedPages(syncId: string): Promise<Map<string, { pages: Set<number>; totalPages: number }>> {
    const docs = await this.pages
      .find({ syncId }, { projection: { _id: 0, resource: 1, page: 1, totalPages: 1 } })
      .toArray();
    const out = new Map<string, { pages: Set<number>; totalPages: number }>();
    for (const d of docs) {
      const entry = out.get(d.resource) ?? { pages: new Set<number>(), totalPages: d.totalPages };
      entry.pages.add(d.page);
      out.set(d.resource, entry);
    }
    return out;
  }

  /** Every stored page of a sync, in resource and page order. */
  loadPages(syncId: string): Promise<RioSyncPageDocument[]> {
    return this.pages.find({ syncId }).sort({ resource: 1, page: 1 }).toArray();
  }

  /** Drops the pages of every sync but `keep` (one deleteMany: FerretDB charges per call). */
  async dropPagesExcept(keep: string | null): Promise<void> {
    const other = await this.pages.findOne(keep ? { syncId: { $ne: keep } } : {}, { projection: { _id: 1 } });
    if (other) await this.pages.deleteMany(keep ? { syncId: { $ne: keep } } : {});
  }
}
