/**
 * A change mark: one small document per kind of data whose token every writer replaces with a
 * fresh random value *after* its data write. A reader that remembers the token it read
 * *before* computing something knows the result is still current as long as the token is
 * unchanged (analytics-cache.ts). Random tokens (not counters) so that two writers that
 * replace the mark at the same moment cannot leave it at a value a reader has already seen:
 * FerretDB does not make read-modify-write updates such as `$inc` atomic under concurrency.
 *
 * Used for the mandates (every write through MandateStore, the OSO migration or the seed
 * bumps it; the aggregates' result cache checks it) and for the organisations register (every
 * RIO import or sync write bumps it; the mandates subgraph's school directory checks it). Code
 * that writes those collections any other way (a hand repair, a bulk load) must bump the mark
 * too, or the cached figures stay as they were until the next change.
 */
import { randomUUID } from 'node:crypto';
import type { Collection } from 'mongodb';

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
    await this.marks.replaceOne({ _id: this.name }, { token: randomUUID(), at: new Date() }, { upsert: true });
  }

  /** The current token; "none" while nothing has been written through a bumping writer. */
  async read(): Promise<string> {
    const doc = await this.marks.findOne({ _id: this.name }, { projection: { token: 1 } });
    return doc?.token ?? 'none';
  }
}
