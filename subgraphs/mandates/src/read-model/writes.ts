/**
 * The read model's side of every write (the repositories' MandateWriteHook): each mandate's
 * facts are written before the mandate (what the kept aggregates and the check's rows read,
 * facts.ts), and the change journal hears of the write before and after it, with what changed
 * in the facts when that is known exactly (change-journal.ts): the kept school lists, feed
 * order and aggregates follow the journal.
 */
import type { ChangeJournal, MandateDelta } from '../change-journal.js';
import type { MandateChangeDocument } from '../documents.js';
import { factsDocumentOf, factsOf } from '../facts.js';
import type { MandatesRepository } from '../repositories/mandates.js';
import type { MandateWrite, MandateWriteHook } from '../repositories/write-hook.js';

export class KeptWrites implements MandateWriteHook {
  constructor(
    private readonly journal: ChangeJournal,
    private readonly facts: Pick<MandatesRepository, 'putFacts'>,
  ) {}

  async begin(): Promise<MandateWrite> {
    const intent = await this.journal.begin();
    return {
      writing: (after, created) => this.facts.putFacts(after.map(factsDocumentOf), created),
      committed: async (changes) => {
        await intent.end(changes ? deltasOf(changes) : null);
      },
    };
  }

  async changedUnknown(): Promise<void> {
    await this.journal.unknownChange();
  }
}

function deltasOf(changes: readonly MandateChangeDocument[]): MandateDelta[] {
  return changes.map((c) => ({ before: c.before ? factsOf(c.before) : null, after: factsOf(c.after), mandateId: c.mandateId }));
}
