import type { Collection, Db } from 'mongodb';
import { groupLoader, uniqueLoader } from '@osr/common';
import type { AgreementDocument } from './documents.js';

const NO_ID = { projection: { _id: 0 } } as const;

/** The only code that touches the agreements collections. */
export class AgreementsRepository {
  readonly agreements: Collection<AgreementDocument>;

  constructor(readonly db: Db) {
    this.agreements = db.collection('agreements');
  }

  async ensureIndexes(): Promise<void> {
    await this.agreements.createIndex({ id: 1 }, { name: 'id', unique: true });
    await this.agreements.createIndex({ boardNummer: 1, type: 1 }, { name: 'board_type' });
  }

  findAgreements(ids: readonly string[]): Promise<AgreementDocument[]> {
    return this.agreements.find({ id: { $in: [...ids] } }, NO_ID).toArray();
  }

  findAgreementsOfBoards(boardNummers: readonly string[]): Promise<AgreementDocument[]> {
    return this.agreements
      .find({ boardNummer: { $in: [...boardNummers] } }, NO_ID)
      .sort({ type: 1, createdAt: 1, id: 1 })
      .toArray();
  }

  createLoaders() {
    return {
      agreement: uniqueLoader((ids) => this.findAgreements(ids), (d) => d.id),
      agreementsOfBoard: groupLoader((ids) => this.findAgreementsOfBoards(ids), (d) => d.boardNummer),
    };
  }
}

export type AgreementsLoaders = ReturnType<AgreementsRepository['createLoaders']>;
