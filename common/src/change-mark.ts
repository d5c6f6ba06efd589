/**
 * A change mark: one small document per kind of data whose token every writer replaces with a
 * fresh random value *after* its data write. A reader that remembers the token it read
 * *before* computing something knows the result is still current as long as the token is
 * unchanged (subgraphs/mandates/src/read-model/result-cache.ts). Random tokens (not counters) so that two writers that
 * replace the mark at the same moment cannot leave it at a value a reader has already seen:
 * FerretDB does not make read-modify-write updates such as `$inc` atomic under concurrency.
 *
 * Used for the organisations register (every RIO import or sync write bumps it; the mandates
 * subgraph's school directory checks it). The mandates have a change journal instead, which
 * also says what changed (subgraphs/mandates/src/read-model/change-journal.ts); it keeps its last token in
 * the same kind of document. Code that writes the register any other way (a hand repair, a
 * bulk load) must bump the mark too, or the cached list stays as it was until the next change.
 */
import { randomUUID } from 'node:crypto';
import type { Collection } from 'mongodb';
import { retryUpsertRace } from './db.js';

export interface ChangeMarkDocument {
  _id: string;
  token: string;
  at: Date;
}

export class ChangeMark {
  constructor(
    private readonly marks: Collection<ChangeMarkDocument>,
    /** what the mark covers, e.g. "mandates" */
    readonly name: string,
  ) {}

  /** Call after the data write has been acknowledged. */
  async bump(): Promise<void> {
    await retryUpsertRace(() => this.marks.replaceOne({ _id: this.name }, { token: randomUUID(), at: new Date() }, { upsert: true }));
  }

  /** The current token; "none" while nothing has been written through a bumping writer. */
  async read(): Promise<string> {
    const doc = await this.marks.findOne({ _id: this.name }, { projection: { token: 1 } });
    return doc?.token ?? 'none';
  }
}
