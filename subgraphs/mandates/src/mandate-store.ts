/**
 * The write path of mandates, without multi-document transactions.
 *
 * All mandates of one school (or board) in one service form a *slot*. Every change to a slot
 * is first recorded in the history collection under the slot's next sequence number; a unique
 * index on (slotKey, slotSeq) lets only one of two concurrent writers record it, the other
 * gets CONFLICT (or re-reads and re-validates). The recorded entry holds the complete after
 * state of every mandate it touches, so applying it is idempotent: a crash between recording
 * and applying is repaired by the next read of the slot (roll forward). Operations that touch
 * two mandates (switchSystem) are one entry, so they cannot be torn in half.
 */
import { MongoServerError, type Collection } from 'mongodb';
import { userError, type Logger } from '@osr/common';
import type { MandateChangeDocument, MandateDocument, MandateHistoryDocument, ServiceCode } from './documents.js';

const NO_ID = { projection: { _id: 0 } } as const;

export interface Actor {
  sub: string;
  name: string;
  role: string;
}

export function slotKeyOf(m: { brin: string | null; boardNummer: string; serviceCode: ServiceCode }): string {
  return m.brin ? `school:${m.brin}|${m.serviceCode}` : `board:${m.boardNummer}|${m.serviceCode}`;
}

export interface SlotState {
  slotKey: string;
  /** sequence number of the last recorded change (0 for an empty slot) */
  seq: number;
  mandates: MandateDocument[];
}

export class SlotConflict extends Error {}

export class MandateStore {
  constructor(
    readonly mandates: Collection<MandateDocument>,
    readonly history: Collection<MandateHistoryDocument>,
    private readonly logger?: Logger,
  ) {}

  async ensureIndexes(): Promise<void> {
    await this.mandates.createIndex({ slotKey: 1, startDate: 1 }, { name: 'slot' });
    await this.history.createIndex({ slotKey: 1, slotSeq: 1 }, { name: 'slot_seq', unique: true });
    await this.history.createIndex({ mandateIds: 1, slotSeq: 1 }, { name: 'mandate' });
    await this.history.createIndex({ applied: 1, slotKey: 1 }, { name: 'unapplied' });
  }

  /** The slot's current state, after applying any change that was recorded but not applied. */
  async readSlot(slotKey: string): Promise<SlotState> {
    const pending = await this.history.find({ slotKey, applied: false }).sort({ slotSeq: 1 }).toArray();
    for (const entry of pending) await this.apply(entry);
    const [last] = await this.history.find({ slotKey }, { projection: { slotSeq: 1 } }).sort({ slotSeq: -1 }).limit(1).toArray();
    const mandates = await this.mandates.find({ slotKey }, NO_ID).sort({ startDate: 1, id: 1 }).toArray();
    return { slotKey, seq: last?.slotSeq ?? 0, mandates };
  }

  /**
   * Records the changes as the slot's next entry, then applies them. Throws SlotConflict
   * when another writer recorded a change to the slot since `state` was read.
   */
  async commit(state: SlotState, changes: MandateChangeDocument[], actor: Actor, at: Date): Promise<void> {
    const entry: MandateHistoryDocument = {
      slotKey: state.slotKey,
      slotSeq: state.seq + 1,
      at,
      by: actor.name,
      bySub: actor.sub,
      byRole: actor.role,
      mandateIds: [...new Set(changes.map((c) => c.mandateId))],
      changes,
      applied: false,
    };
    try {
      await this.history.insertOne(entry);
    } catch (err) {
      if (err instanceof MongoServerError && err.code === 11000) throw new SlotConflict(state.slotKey);
      throw err;
    }
    await this.apply(entry);
  }

  /** Applies a recorded entry; safe to run again (each write is conditional on the version). */
  private async apply(entry: MandateHistoryDocument): Promise<void> {
    for (const change of entry.changes) {
      const { after, before } = change;
      if (before === null) {
        try {
          await this.mandates.insertOne({ ...after });
        } catch (err) {
          if (!(err instanceof MongoServerError && err.code === 11000)) throw err;
          // already inserted by an earlier apply
        }
        continue;
      }
      const result = await this.mandates.replaceOne({ id: after.id, version: before.version }, after);
      if (result.matchedCount === 0) {
        const current = await this.mandates.findOne({ id: after.id }, NO_ID);
        if (!current || current.version < after.version) {
          // Only reachable if a mandate was written around the store; leave the entry for repair.
          this.logger?.error({ slotKey: entry.slotKey, slotSeq: entry.slotSeq, mandateId: after.id }, 'cannot apply recorded mandate change');
          throw userError('CONFLICT', `Mandate ${after.id} changed outside the recorded history; support must repair it`);
        }
      }
    }
    await this.history.updateOne({ slotKey: entry.slotKey, slotSeq: entry.slotSeq }, { $set: { applied: true } });
  }

  /**
   * Runs read → decide → commit, retrying when another writer got in between. `decide` sees
   * the fresh slot state each time and either returns the changes or throws a user error.
   */
  async change(
    slotKey: string,
    decide: (state: SlotState) => MandateChangeDocument[] | Promise<MandateChangeDocument[]>,
    actor: Actor,
    options: { retries?: number; now?: () => Date } = {},
  ): Promise<MandateDocument[]> {
    const retries = options.retries ?? 3;
    for (let attempt = 0; ; attempt++) {
      const state = await this.readSlot(slotKey);
      const changes = await decide(state);
      if (changes.length === 0) return [];
      try {
        await this.commit(state, changes, actor, (options.now ?? (() => new Date()))());
        return changes.map((c) => c.after);
      } catch (err) {
        if (!(err instanceof SlotConflict)) throw err;
        if (attempt >= retries) {
          throw userError('CONFLICT', 'The mandates of this school and service were changed at the same time by someone else; reload and try again');
        }
      }
    }
  }

  historyOf(mandateIds: readonly string[]): Promise<MandateHistoryDocument[]> {
    return this.history.find({ mandateIds: { $in: [...mandateIds] } }, NO_ID).sort({ slotKey: 1, slotSeq: 1 }).toArray();
  }
}
