/**
 * The mandates' change journal: which writes happened, in order, with what they changed in
 * the fields the aggregates count by, so that a kept aggregate can be brought up to date from
 * the changes since it was computed instead of being computed again (result-cache.ts).
 *
 * Every write gets a random token. The journal is a chain of links, each stored under the
 * token it follows: `{ _id: previous token, next: token, changes }`. `_id` is unique on every
 * server, so of two writers that append after the same token only one succeeds; the other
 * finds the new end and appends after it. That makes the chain a single line without relying
 * on atomic read-modify-write updates, which FerretDB does not give under concurrency. The
 * change-mark document (`change_marks`, `_id` "mandates") names the last token as a hint: a
 * reader starts there and follows links by _id until there is none (usually zero hops).
 * Links are kept for two hours only: long enough for every kept result (the refresh brings
 * them forward every 30 s; a result not asked for an hour is dropped), and the collection
 * stays small, so that a lookup by `_id` stays cheap on FerretDB as well.
 *
 * Kept by the writers only with `MANDATES_READ_MODEL=memory` (through the read model's write
 * hook, writes.ts); with `database` nothing writes or reads it.
 *
 * A link's `changes` are null when the writer cannot say exactly what changed (a bulk load, a
 * repair, a write that found part of itself already done, the OSO migration's aanleverpunten):
 * a reader must then compute again.
 *
 * Exactness of a computed result. A database aggregation is not a snapshot: a write in
 * progress while it runs may or may not be counted, and adding that write's changes later
 * would count it twice. So writers announce themselves before writing (an *intent* document)
 * and remove the intent after appending their link. A result is exact for token T when no
 * intent existed just before the aggregation began and just after it ended, and the end of
 * the chain was T at both moments (`quiet`, read intents first, then the end). Only exact
 * results are brought forward by changes; others are computed again when the token moves.
 * An intent left behind by a writer that stopped half way is closed, after ten minutes, with a
 * link without changes.
 */
import { randomUUID } from 'node:crypto';
import { MongoServerError, type Collection } from 'mongodb';
import { retryUpsertRace, type ChangeMarkDocument, type Logger } from '@osr/common';
import type { MandateFacts } from './facts.js';

/** One mandate's change: its facts before (null: created) and after. */
export interface MandateDelta {
  before: MandateFacts | null;
  after: MandateFacts | null;
  /** the mandate (links written before it was recorded lack it: readers that need it start again) */
  mandateId?: string;
}

export interface JournalLinkDocument {
  /** the token this change follows */
  _id: string;
  journal: string;
  /** this change's token */
  next: string;
  /** null: not known exactly (readers compute again) */
  changes: MandateDelta[] | null;
  at: Date;
}

export interface JournalIntentDocument {
  _id: string;
  journal: string;
  at: Date;
}

/** A write in progress: call `end` once, after the data write (also when it failed). */
export interface JournalIntent {
  end(changes: MandateDelta[] | null): Promise<string>;
}

export interface ChangesSince {
  /** the end of the chain the changes lead to */
  token: string;
  changes: MandateDelta[];
}

export interface ChangeJournalOptions {
  logger?: Logger;
  /** an intent older than this is taken for a writer that stopped half way */
  abandonedAfterMs?: number;
  /** a link records at most this many changes; a larger write records "unknown" */
  maxChangesPerLink?: number;
  /** `since` gives up (compute again) after this many links */
  maxLinks?: number;
  /** links are kept this long (a result older than that is computed again); default two hours */
  keepMs?: number;
  now?: () => number;
}

const PRUNE_EVERY_MS = 10 * 60 * 1000;

export class ChangeJournal {
  private readonly abandonedAfterMs: number;
  private readonly maxChangesPerLink: number;
  private readonly maxLinks: number;
  private readonly now: () => number;
  private readonly keepMs: number;
  /** when this process last pruned (its start: the first prune waits as long as any later one) */
  private lastPrune: number;

  constructor(
    private readonly marks: Collection<ChangeMarkDocument>,
    private readonly links: Collection<JournalLinkDocument>,
    private readonly intents: Collection<JournalIntentDocument>,
    readonly name: string,
    private readonly options: ChangeJournalOptions = {},
  ) {
    this.abandonedAfterMs = options.abandonedAfterMs ?? 10 * 60 * 1000;
    this.maxChangesPerLink = options.maxChangesPerLink ?? 2_000;
    this.maxLinks = options.maxLinks ?? 500;
    this.now = options.now ?? Date.now;
    this.keepMs = options.keepMs ?? 2 * 3600 * 1000;
    this.lastPrune = this.now();
  }

  /** Announces a write; the data write comes after this, then `end`. */
  async begin(): Promise<JournalIntent> {
    const id = randomUUID();
    await this.intents.insertOne({ _id: id, journal: this.name, at: new Date(this.now()) });
    let ended = false;
    return {
      end: async (changes) => {
        if (ended) throw new Error('journal intent ended twice');
        ended = true;
        const token = await this.append(changes);
        await this.intents.deleteOne({ _id: id });
        return token;
      },
    };
  }

  /**
   * Records a change that is not known exactly (after the write, e.g. a bulk load or a
   * start-up backfill): every kept result is computed again.
   */
  async unknownChange(): Promise<string> {
    return this.append(null);
  }

  /** The token of the last change (`start:<name>` before the first). */
  async head(): Promise<string> {
    const hint = await this.marks.findOne({ _id: this.name }, { projection: { token: 1 } });
    return this.walk(hint?.token ?? `start:${this.name}`);
  }

  /**
   * Whether no write is in progress, then the last token, in that order: see the header.
   * Closes intents older than abandonedAfterMs first (with an unknown change).
   */
  async quiet(): Promise<{ token: string; quiet: boolean }> {
    const open = await this.intents.find({ journal: this.name }, { projection: { at: 1 } }).limit(20).toArray();
    let inProgress = 0;
    for (const intent of open) {
      if (this.now() - intent.at.getTime() < this.abandonedAfterMs) {
        inProgress++;
        continue;
      }
      this.options.logger?.warn({ journal: this.name, intent: intent._id, at: intent.at }, 'a mandate write announced itself and never finished; its changes are taken as unknown');
      await this.append(null);
      await this.intents.deleteOne({ _id: intent._id });
    }
    return { token: await this.head(), quiet: inProgress === 0 };
  }

  /**
   * The changes from `from` to the end of the chain, in order; null when they are not all
   * known (a change without details, links removed by `prune`, or more than maxLinks).
   */
  async since(from: string): Promise<ChangesSince | null> {
    const end = await this.head();
    const changes: MandateDelta[] = [];
    let token = from;
    for (let hops = 0; token !== end; hops++) {
      if (hops >= this.maxLinks) return null;
      const link = await this.links.findOne({ _id: token });
      if (!link || link.changes === null) return null;
      changes.push(...link.changes);
      token = link.next;
    }
    return { token, changes };
  }

  /**
   * Removes links older than keepMs (a result older than that is computed again). Writers
   * call it at most every ten minutes per process, after appending.
   */
  async prune(): Promise<number> {
    this.lastPrune = this.now();
    const result = await this.links.deleteMany({ journal: this.name, at: { $lt: new Date(this.now() - this.keepMs) } });
    if (result.deletedCount) this.options.logger?.info({ journal: this.name, removed: result.deletedCount }, 'removed old links of the change journal');
    return result.deletedCount;
  }

  private async append(changes: MandateDelta[] | null): Promise<string> {
    const token = randomUUID();
    const recorded = changes && changes.length <= this.maxChangesPerLink ? changes : null;
    // The hint, not the end: when it is behind, the insert finds the link there and walks on.
    const hint = await this.marks.findOne({ _id: this.name }, { projection: { token: 1 } });
    let after = hint?.token ?? `start:${this.name}`;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.links.insertOne({ _id: after, journal: this.name, next: token, changes: recorded, at: new Date(this.now()) });
        break;
      } catch (err) {
        // another writer appended after the same token: append after the new end
        if (!(err instanceof MongoServerError && err.code === 11000) || attempt >= 100) throw err;
        after = await this.walk(after);
      }
    }
    await this.publish(token);
    if (this.now() - this.lastPrune > PRUNE_EVERY_MS) await this.prune();
    return token;
  }

  /**
   * Points the hint at the end of the chain. Two writers may set it in either order, so each
   * looks again after setting it and moves it on if a later link exists: the last one to set
   * it checked that nothing followed.
   */
  private async publish(token: string): Promise<void> {
    let target = token;
    for (let round = 0; round < 100; round++) {
      await retryUpsertRace(() => this.marks.replaceOne({ _id: this.name }, { token: target, at: new Date(this.now()) }, { upsert: true }));
      const end = await this.walk(target);
      if (end === target) return;
      target = end;
    }
  }

  private async walk(from: string): Promise<string> {
    let token = from;
    for (let hops = 0; ; hops++) {
      const link = await this.links.findOne({ _id: token }, { projection: { next: 1 } });
      if (!link) return token;
      if (hops > 100_000) throw new Error(`change journal ${this.name}: the chain from ${from} does not end`);
      token = link.next;
    }
  }
}
