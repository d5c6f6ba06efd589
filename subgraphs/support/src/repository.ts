import type { Collection, Db, Filter } from 'mongodb';
import { uniqueLoader } from '@osr/common';
import type { SupportContactDocument } from './documents.js';

const NO_ID = { projection: { _id: 0 } } as const;

/** The only code that touches the support collections. */
export class SupportRepository {
  readonly contacts: Collection<SupportContactDocument>;

  constructor(readonly db: Db) {
    this.contacts = db.collection('contacts');
  }

  async ensureIndexes(): Promise<void> {
    await this.contacts.createIndex({ id: 1 }, { name: 'id', unique: true });
    await this.contacts.createIndex({ value: 1 }, { name: 'value' });
  }

  /** Contacts in use on a date: validFrom (if any) on or before it, validUntil (if any) on or after it. */
  findValidOn(date: string): Promise<SupportContactDocument[]> {
    const filter: Filter<SupportContactDocument> = {
      $and: [
        { $or: [{ validFrom: null }, { validFrom: { $lte: date } }] },
        { $or: [{ validUntil: null }, { validUntil: { $gte: date } }] },
      ],
    };
    return this.contacts.find(filter, NO_ID).sort({ label: 1, channel: 1, value: 1 }).toArray();
  }

  findContacts(ids: readonly string[]): Promise<SupportContactDocument[]> {
    return this.contacts.find({ id: { $in: [...ids] } }, NO_ID).toArray();
  }

  createLoaders() {
    const validOn = new Map<string, Promise<SupportContactDocument[]>>();
    return {
      contact: uniqueLoader((ids) => this.findContacts(ids), (d) => d.id),
      /** Contacts valid on a date, read once per request per date. */
      validOn: (date: string) => {
        let found = validOn.get(date);
        if (!found) {
          found = this.findValidOn(date);
          validOn.set(date, found);
        }
        return found;
      },
    };
  }
}

export type SupportLoaders = ReturnType<SupportRepository['createLoaders']>;
