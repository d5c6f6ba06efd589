import { MongoServerError, type Collection, type Db, type Filter } from 'mongodb';
import { collectionsHolding, declareIndexes, ensureIndexes, findEach, uniqueLoader } from '@osr/common';
import type { ContactHistoryDocument, SupportContactDocument } from './documents.js';

const NO_ID = { projection: { _id: 0 } } as const;

function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === 11000;
}

/** Every index of the support database, declared once (common/src/indexes.ts). */
export const SUPPORT_INDEXES = declareIndexes({
  contacts: {
    indexes: [
      { name: 'id', keys: { id: 1 }, unique: true },
      { name: 'value', keys: { value: 1 } },
    ],
  },
  contact_history: { indexes: [{ name: 'contact_version', keys: { contactId: 1, version: 1 }, unique: true }] },
});

/** The only code that touches the support collections. */
export class SupportRepository {
  readonly contacts: Collection<SupportContactDocument>;
  readonly history: Collection<ContactHistoryDocument>;

  constructor(readonly db: Db) {
    this.contacts = db.collection('contacts');
    this.history = db.collection('contact_history');
  }

  async ensureIndexes(): Promise<void> {
    await ensureIndexes(this.contacts, SUPPORT_INDEXES.contacts);
    await ensureIndexes(this.history, SUPPORT_INDEXES.contact_history);
  }

  /**
   * Which of the support data collections hold a document (contacts, their history): for a
   * loader that must not write into a store holding other data (the demo seed of the first
   * start). Reads only, one findOne per collection, no counting.
   */
  holdsData(): Promise<string[]> {
    return collectionsHolding([this.contacts, this.history]);
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
    // equality finds in parallel: answered by an index on FerretDB too (docs/data-access.md)
    return findEach(ids, (id) => this.contacts.find({ id }, NO_ID).toArray());
  }

  async findContact(id: string): Promise<SupportContactDocument | null> {
    return this.contacts.findOne({ id }, NO_ID);
  }

  /** Every contact, current and retired (a handful: read whole to match values loosely). */
  findAll(): Promise<SupportContactDocument[]> {
    return this.contacts.find({}, NO_ID).sort({ id: 1 }).toArray();
  }

  /** Inserts a new contact with its first history entry; false when the id is taken. */
  async insertContact(contact: SupportContactDocument, by: { id: string; name: string }): Promise<boolean> {
    try {
      await this.contacts.insertOne({ ...contact });
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
    await this.history.insertOne({ contactId: contact.id, version: 1, at: new Date(), by: by.name, byId: by.id, action: 'ADDED', before: null, after: contact });
    return true;
  }

  /**
   * Writes a new version: claimed first in the history's unique index (contactId, version),
   * so of two concurrent changes exactly one wins. False when another change won.
   */
  async writeVersion(before: SupportContactDocument, after: SupportContactDocument, by: { id: string; name: string }, action: 'RETIRED'): Promise<boolean> {
    try {
      await this.history.insertOne({ contactId: after.id, version: after.version ?? 1, at: new Date(), by: by.name, byId: by.id, action, before, after });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // Another writer holds this version; if it died before writing the contact, finish its change.
      const claimed = await this.history.findOne({ contactId: after.id, version: after.version ?? 1 });
      const current = await this.findContact(after.id);
      if (claimed && current && (current.version ?? 1) === (before.version ?? 1) && Date.now() - claimed.at.getTime() > 10_000) {
        const { id: claimedId, ...claimedFields } = claimed.after;
        await this.contacts.updateOne({ id: claimedId }, { $set: claimedFields });
      }
      return false;
    }
    const { id, ...fields } = after;
    await this.contacts.updateOne({ id }, { $set: fields });
    return true;
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
