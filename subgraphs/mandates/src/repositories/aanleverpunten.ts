/**
 * The aanleverpunten: each school's delivery points, written by the OSO migration. Every read
 * is an equality on the school's BRIN (its unique index with the point's number).
 */
import type { Collection } from 'mongodb';
import { ensureIndexes, findEach } from '@osr/common';
import type { ChangeJournal } from '../change-journal.js';
import type { AanleverpuntDocument } from '../documents.js';
import type { SchoolCache } from '../school-cache.js';
import { MANDATES_INDEXES, type MandatesCollections } from './collections.js';

const IN_ONE_BATCH = { projection: { _id: 0 }, batchSize: 100_000 } as const;

export class AanleverpuntenRepository {
  private readonly aanleverpunten: Collection<AanleverpuntDocument>;
  /** Set by the mandates repository when it keeps each school's lists in memory. */
  schoolCache: SchoolCache | null = null;

  constructor(
    collections: MandatesCollections,
    /** told of every write: coverage counts inactive points, and the school lists hold them */
    private readonly journal: ChangeJournal,
  ) {
    this.aanleverpunten = collections.aanleverpunten;
  }

  async ensureIndexes(): Promise<void> {
    await ensureIndexes(this.aanleverpunten, MANDATES_INDEXES.aanleverpunten);
  }

  /** One school's aanleverpunten by index, from the database. */
  async readSchool(brin: string): Promise<AanleverpuntDocument[]> {
    return (await this.aanleverpunten.find({ brin }, IN_ONE_BATCH).toArray()).sort((a, b) => a.index - b.index);
  }

  /** Each school's aanleverpunten by index. */
  async ofSchools(brins: readonly string[]): Promise<AanleverpuntDocument[]> {
    if (this.schoolCache) return [...(await this.schoolCache.aanleverpuntenOf(brins)).values()].flat();
    return findEach(brins, (brin) => this.readSchool(brin));
  }

  /** Stores these points (replacing those with the same school and number), then tells the journal. */
  async replaceMany(docs: readonly AanleverpuntDocument[]): Promise<void> {
    try {
      for (let i = 0; i < docs.length; i += 1000) {
        await this.aanleverpunten.bulkWrite(
          docs.slice(i, i + 1000).map((d) => ({ replaceOne: { filter: { brin: d.brin, index: d.index }, replacement: d, upsert: true } })),
          { ordered: false },
        );
      }
    } finally {
      // also after a failure: part of the batch may have been written
      await this.journal.unknownChange();
    }
  }

  /** The BRINs with an inactive aanleverpunt of the kind (one `$group`). */
  async schoolsWithInactive(kind: 'OV' | 'SWV'): Promise<string[]> {
    const rows = await this.aanleverpunten.aggregate<{ _id: string }>([{ $match: { kind, active: false } }, { $group: { _id: '$brin', count: { $sum: 1 } } }]).toArray();
    return rows.map((r) => r._id);
  }
}
