/**
 * The read model's side of every write (the repositories' MandateWriteHook): each mandate's
 * facts are written before the mandate (what the kept aggregates and the check's rows are
 * computed from, facts.ts), and the change journal hears of the write before and after it,
 * with what changed in the facts when that is known exactly (change-journal.ts): the kept
 * school lists, feed order and aggregates follow the journal. For the maintenance module it
 * writes the facts of a bulk load, repairs them after writes around the store, and stores the
 * check rows a start would otherwise compute (check-rows.ts).
 */
import type { Collection } from 'mongodb';
import { duplicateKeysOnly, insertOrReplace, retryUpsertRace, type Logger } from '@osr/common';
import type { MandateChangeDocument, MandateDocument } from '../documents.js';
import type { MandatesRepository } from '../repositories/mandates.js';
import type { MandateWrite, MandateWriteHook } from '../repositories/write-hook.js';
import type { ChangeJournal, MandateDelta } from './change-journal.js';
import type { KeptCheckRows } from './check-rows.js';
import { factsDocumentOf, factsOf, sameFacts, type MandateFactsDocument } from './facts.js';

export class KeptWrites implements MandateWriteHook {
  constructor(
    private readonly journal: ChangeJournal,
    private readonly facts: Collection<MandateFactsDocument>,
    private readonly mandates: Pick<MandatesRepository, 'everyMandateFacts'>,
    private readonly checkRows: KeptCheckRows,
    private readonly logger?: Logger,
  ) {}

  async begin(): Promise<MandateWrite> {
    const intent = await this.journal.begin();
    return {
      writing: (after, created) => this.putFacts(after.map(factsDocumentOf), created),
      committed: async (changes) => {
        await intent.end(changes ? deltasOf(changes) : null);
      },
    };
  }

  async changedUnknown(): Promise<void> {
    await this.journal.unknownChange();
  }

  async writingAround(docs: readonly MandateDocument[]): Promise<void> {
    if (!docs.length) return;
    // mostly new mandates (a load): one insert, a replacement only where facts were kept before
    await insertOrReplace(this.facts, docs.map(factsDocumentOf), (doc) => ({ _id: doc._id }));
  }

  /**
   * Compares every mandate with its facts document and writes what differs: the repair after
   * writes around the mandate store (a bulk load, a fix by hand), and the first fill. Reads
   * both collections whole (a maintenance job); run it while no mandate is being written, or
   * again afterwards. Kept results are not told: the caller records an unknown change.
   */
  async repairDerived(): Promise<{ inserted: number; replaced: number; removed: number }> {
    const mandates = await this.mandates.everyMandateFacts();
    const have = new Map((await this.facts.find({}, { batchSize: 100_000 }).toArray()).map((f) => [f._id, f]));
    const missing: MandateFactsDocument[] = [];
    const differ: MandateFactsDocument[] = [];
    for (const m of mandates) {
      const want = factsDocumentOf(m);
      const stored = have.get(m.id);
      if (!stored) missing.push(want);
      else if (!sameFacts(stored, want)) differ.push(want);
      have.delete(m.id);
    }
    // what is left has no mandate (one deleted around the store)
    const remove = [...have.keys(), ...differ.map((f) => f._id)];
    for (let i = 0; i < remove.length; i += 5000) await this.facts.deleteMany({ _id: { $in: remove.slice(i, i + 5000) } });
    const write = [...missing, ...differ];
    for (let i = 0; i < write.length; i += 1000) await this.facts.insertMany(write.slice(i, i + 1000));
    const result = { inserted: missing.length, replaced: differ.length, removed: have.size };
    if (write.length || have.size) this.logger?.info(result, 'brought the mandate facts in step with the mandates');
    return result;
  }

  storeComputed(): Promise<boolean> {
    return this.checkRows.rebuild(this.facts, this.journal);
  }

  /**
   * Writes these mandates' facts before the mandates are written: `created` inserts in one
   * batch (one found there already, from an earlier attempt, holds the same facts), else each
   * is replaced.
   */
  private async putFacts(docs: readonly MandateFactsDocument[], created: boolean): Promise<void> {
    if (!docs.length) return;
    if (created) {
      try {
        await this.facts.insertMany([...docs], { ordered: false });
      } catch (err) {
        if (!duplicateKeysOnly(err)) throw err;
      }
      return;
    }
    for (const doc of docs) await retryUpsertRace(() => this.facts.replaceOne({ _id: doc._id }, doc, { upsert: true }));
  }
}

function deltasOf(changes: readonly MandateChangeDocument[]): MandateDelta[] {
  return changes.map((c) => ({ before: c.before ? factsOf(c.before) : null, after: factsOf(c.after), mandateId: c.mandateId }));
}
