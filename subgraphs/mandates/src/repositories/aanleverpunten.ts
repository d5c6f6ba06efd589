/**
 * The aanleverpunten: each school's delivery points, written by the OSO migration. Every read
 * is an equality on the school's BRIN (its unique index with the point's number).
 */
import type { Collection } from 'mongodb';
import { ensureIndexes, insertOrReplace } from '@osr/common';
import type { AanleverpuntDocument } from '../documents.js';
import { MANDATES_INDEXES, type MandatesCollections } from './collections.js';
import { byKeys } from './mandates.js';
import { NO_WRITE_HOOK, type MandateWriteHook } from './write-hook.js';

const IN_ONE_BATCH = { projection: { _id: 0 }, batchSize: 100_000 } as const;

export class AanleverpuntenRepository {
  private readonly aanleverpunten: Collection<AanleverpuntDocument>;
  /** Told of every write (write-hook.ts): coverage counts inactive points, and the kept school lists hold them. */
  hook: MandateWriteHook = NO_WRITE_HOOK;

  constructor(collections: MandatesCollections) {
    this.aanleverpunten = collections.aanleverpunten;
  }

  async ensureIndexes(): Promise<void> {
    await ensureIndexes(this.aanleverpunten, MANDATES_INDEXES.aanleverpunten);
  }

  /** Each school's aanleverpunten by index, in the order of `brins` (one `$in` on the index). */
  async ofSchools(brins: readonly string[]): Promise<AanleverpuntDocument[]> {
    const found = await this.aanleverpunten.find({ brin: brins.length === 1 ? brins[0]! : { $in: [...new Set(brins)] } }, IN_ONE_BATCH).toArray();
    return byKeys(brins, found.sort((a, b) => a.index - b.index), (a) => a.brin);
  }

  /** Stores these points (replacing those with the same school and number), then tells the hook. */
  async replaceMany(docs: readonly AanleverpuntDocument[]): Promise<void> {
    try {
      for (let i = 0; i < docs.length; i += 1000) {
        await insertOrReplace(this.aanleverpunten, docs.slice(i, i + 1000), (d) => ({ brin: d.brin, index: d.index }));
      }
    } finally {
      // also after a failure: part of the batch may have been written
      await this.hook.changedUnknown();
    }
  }

  /** The BRINs with an inactive aanleverpunt of the kind (one `$group`). */
  async schoolsWithInactive(kind: 'OV' | 'SWV'): Promise<string[]> {
    const rows = await this.aanleverpunten.aggregate<{ _id: string }>([{ $match: { kind, active: false } }, { $group: { _id: '$brin', count: { $sum: 1 } } }]).toArray();
    return rows.map((r) => r._id);
  }
}
