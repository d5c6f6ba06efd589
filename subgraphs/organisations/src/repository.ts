import type { Collection, Db } from 'mongodb';
import { groupLoader, uniqueLoader } from '@osr/common';
import type { BoardDocument, SchoolDocument, SwvDocument } from './documents.js';

/** The only code that touches the organisations collections. */
export class OrganisationsRepository {
  readonly boards: Collection<BoardDocument>;
  readonly schools: Collection<SchoolDocument>;
  readonly swvs: Collection<SwvDocument>;

  constructor(readonly db: Db) {
    this.boards = db.collection<BoardDocument>('boards');
    this.schools = db.collection<SchoolDocument>('schools');
    this.swvs = db.collection<SwvDocument>('samenwerkingsverbanden');
  }

  /** Idempotent: creating an index that exists is a no-op. */
  async ensureIndexes(): Promise<void> {
    await this.boards.createIndex({ bevoegdGezagNummer: 1 }, { name: 'bevoegdGezagNummer', unique: true });
    await this.schools.createIndex({ brin: 1 }, { name: 'brin', unique: true });
    await this.schools.createIndex({ boardNummer: 1, brin: 1 }, { name: 'board_brin' });
    await this.schools.createIndex({ swvCodes: 1 }, { name: 'swv' });
    await this.swvs.createIndex({ code: 1 }, { name: 'code', unique: true });
  }

  findBoards(ids: readonly string[]): Promise<BoardDocument[]> {
    return this.boards.find({ bevoegdGezagNummer: { $in: [...ids] } }, { projection: { _id: 0 } }).toArray();
  }

  findSchools(brins: readonly string[]): Promise<SchoolDocument[]> {
    return this.schools.find({ brin: { $in: [...brins] } }, { projection: { _id: 0 } }).toArray();
  }

  findSchoolsOfBoards(boardNummers: readonly string[]): Promise<SchoolDocument[]> {
    return this.schools
      .find({ boardNummer: { $in: [...boardNummers] } }, { projection: { _id: 0 } })
      .sort({ brin: 1 })
      .toArray();
  }

  findSchoolsOfSwvs(codes: readonly string[]): Promise<SchoolDocument[]> {
    return this.schools
      .find({ swvCodes: { $in: [...codes] } }, { projection: { _id: 0 } })
      .sort({ brin: 1 })
      .toArray();
  }

  findSwvs(codes: readonly string[]): Promise<SwvDocument[]> {
    return this.swvs.find({ code: { $in: [...codes] } }, { projection: { _id: 0 } }).toArray();
  }

  /** Loaders for one request: never shared across requests. */
  createLoaders() {
    return {
      board: uniqueLoader((ids) => this.findBoards(ids), (d) => d.bevoegdGezagNummer),
      school: uniqueLoader((ids) => this.findSchools(ids), (d) => d.brin),
      schoolsOfBoard: groupLoader((ids) => this.findSchoolsOfBoards(ids), (d) => d.boardNummer),
      schoolsOfSwv: groupLoader((ids) => this.findSchoolsOfSwvs(ids), (d) => d.swvCodes),
      swv: uniqueLoader((ids) => this.findSwvs(ids), (d) => d.code),
    };
  }
}

export type OrganisationsLoaders = ReturnType<OrganisationsRepository['createLoaders']>;
