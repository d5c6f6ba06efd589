/**
 * The read model's collections by name, the one place in src/read-model/ that names them,
 * and their indexes (declared once, common/src/indexes.ts): what the writers keep for it
 * (each mandate's facts, the change journal) and the yearly check's rows as last stored.
 * Written only with `MANDATES_READ_MODEL=memory`.
 */
import type { Db } from 'mongodb';
import { declareIndexes, type ChangeMarkDocument } from '@osr/common';
import type { JournalIntentDocument, JournalLinkDocument } from './change-journal.js';
import type { CheckRowsDocument } from './check-rows.js';
import type { MandateFactsDocument } from './facts.js';

export function readModelCollectionsOf(db: Db) {
  return {
    facts: db.collection<MandateFactsDocument>('mandate_facts'),
    marks: db.collection<ChangeMarkDocument>('change_marks'),
    journalLinks: db.collection<JournalLinkDocument>('mandate_journal'),
    journalIntents: db.collection<JournalIntentDocument>('mandate_journal_intents'),
    checkRows: db.collection<CheckRowsDocument>('mandate_check_rows'),
  };
}

export type ReadModelCollections = ReturnType<typeof readModelCollectionsOf>;

export const READ_MODEL_INDEXES = declareIndexes({
  /** Each mandate's facts (facts.ts), written and read by `_id`. */
  mandate_facts: { indexes: [], byId: true },
  /** The yearly mandate check's rows as last stored (check-rows.ts), read by `_id` only. */
  mandate_check_rows: { indexes: [], byId: true },
  /** The journal's links and the marks are read by `_id` (change-journal.ts). */
  change_marks: { indexes: [], byId: true },
  mandate_journal: { indexes: [{ name: 'at', keys: { at: 1 }, gin: ['journal'] }], byId: true },
  mandate_journal_intents: { indexes: [], byId: true },
});
