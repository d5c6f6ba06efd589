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
 *
 * Reading a slot takes its last entry first and then the mandates; if the mandates do not
 * yet show that entry (by version), it is applied before anything is decided. Only the last
 * entry can be unapplied: recording the next one requires a state that shows it. A writer
 * that read an older state cannot record (its sequence number is taken).
 */
import { MongoServerError, type Collection } from 'mongodb';
import { declareIndexes, duplicateKeysOnly, ensureIndexes, findEach, userError, type Logger } from '@osr/common';
import type { MandateChangeDocument, MandateDocument, MandateHistoryDocument, ServiceCode } from '../documents.js';
import { withSeriesKeys } from '../series-keys.js';
import { NO_WRITE_HOOK, type MandateWriteHook } from './write-hook.js';

const NO_ID = { projection: { _id: 0 } } as const;
const IN_ONE_BATCH = { projection: { _id: 0 }, batchSize: 100_000 } as const;

export interface Actor {
  sub: string;
  name: string;
  role: string;
}

/** What a change records besides who and when: a reason given, and whether support corrected the past. */
export interface ChangeNote {
  correction: boolean;
  reason: string | null;
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

/** The mandates show every change of the entry (each at least at the version it wrote). */
function reflects(entry: MandateHistoryDocument, mandates: readonly MandateDocument[]): boolean {
  return entry.changes.every((c) => {
    const doc = mandates.find((m) => m.id === c.mandateId);
    return doc !== undefined && doc.version >= c.after.version;
  });
}

/** The write path's indexes, declared once (common/src/indexes.ts): every slot read is one equality. */
export const STORE_INDEXES = declareIndexes({
  mandates: { indexes: [{ name: 'slot', keys: { slotKey: 1, startDate: 1 }, gin: ['slotKey'] }] },
  mandate_history: {
    indexes: [
      { name: 'slot_seq', keys: { slotKey: 1, slotSeq: 1 }, unique: true, gin: ['slotKey'] },
      { name: 'mandate', keys: { mandateIds: 1, slotSeq: 1 }, gin: ['mandateIds'] },
    ],
  },
});

export class MandateStore {
  /** Told of every write of mandates (write-hook.ts): the read model in use, if any, puts itself here. */
  hook: MandateWriteHook = NO_WRITE_HOOK;

  constructor(
    readonly mandates: Collection<MandateDocument>,
    readonly history: Collection<MandateHistoryDocument>,
    private readonly logger?: Logger,
    /** the webhook events of each entry, written before the entry is applied (webhooks/events.ts) */
    private readonly outbox?: { record(entries: readonly MandateHistoryDocument[]): Promise<void> },
  ) {}

  async ensureIndexes(): Promise<void> {
    await ensureIndexes(this.mandates, STORE_INDEXES.mandates);
    await ensureIndexes(this.history, STORE_INDEXES.mandate_history);
  }

  /** The slot's state as of its last recorded entry (applied first when it was not yet). */
  async readSlot(slotKey: string): Promise<SlotState> {
    const [last] = await this.history.find({ slotKey }, NO_ID).sort({ slotSeq: -1 }).limit(1).toArray();
    const find = () => this.mandates.find({ slotKey }, NO_ID).sort({ startDate: 1, id: 1 }).toArray();
    let mandates = await find();
    if (last && !reflects(last, mandates)) {
      // part of it may have been written already: its changes are not known exactly
      await this.apply(last, false);
      mandates = await find();
    }
    return { slotKey, seq: last?.slotSeq ?? 0, mandates };
  }

  /**
   * Records the changes as the slot's next entry, then applies them. Throws SlotConflict
   * when another writer recorded a change to the slot since `state` was read.
   */
  async commit(state: SlotState, changes: MandateChangeDocument[], actor: Actor, at: Date, note?: ChangeNote): Promise<void> {
    const entry: MandateHistoryDocument = {
      slotKey: state.slotKey,
      slotSeq: state.seq + 1,
      at,
      by: actor.name,
      bySub: actor.sub,
      byRole: actor.role,
      mandateIds: [...new Set(changes.map((c) => c.mandateId))],
      // the after states as they are written (with the series keys), so history and mandates agree
      changes: changes.map((c) => ({ ...c, after: withSeriesKeys(c.after) })),
      ...(note?.correction ? { correction: true } : {}),
      ...(note?.reason ? { reason: note.reason } : {}),
    };
    try {
      await this.history.insertOne(entry);
    } catch (err) {
      if (err instanceof MongoServerError && err.code === 11000) throw new SlotConflict(state.slotKey);
      throw err;
    }
    await this.apply(entry, true);
  }

  /**
   * Applies a recorded entry; safe to run again (each write is conditional on the version).
   * The hook hears of it before and after; its changes are passed on only when `fresh` (just
   * recorded) and every write took effect here (not already done by a roll forward).
   */
  private async apply(entry: MandateHistoryDocument, fresh: boolean): Promise<void> {
    // The events first: a crash before the mandates are written leaves both to the roll forward.
    await this.outbox?.record([entry]);
    const write = await this.hook.begin();
    let exact = false;
    try {
      // what is derived first: when the mandate writes do not follow, the roll forward writes both
      await write.writing(entry.changes.map((c) => c.after), false);
      exact = (await this.applyChanges(entry)) && fresh;
    } finally {
      // Also after a failure: part of the entry may have been written.
      await write.committed(exact ? entry.changes : null);
    }
  }

  /** Writes the entry's changes; true when every one was written now (none found done). */
  private async applyChanges(entry: MandateHistoryDocument): Promise<boolean> {
    let allWritten = true;
    for (const change of entry.changes) {
      const { after, before } = change;
      if (before === null) {
        try {
          await this.mandates.insertOne(withSeriesKeys(after));
        } catch (err) {
          if (!(err instanceof MongoServerError && err.code === 11000)) throw err;
          // already inserted by an earlier apply
          allWritten = false;
        }
        continue;
      }
      const result = await this.mandates.replaceOne({ id: after.id, version: before.version }, withSeriesKeys(after));
      if (result.matchedCount === 0) {
        allWritten = false;
        const current = await this.mandates.findOne({ id: after.id }, NO_ID);
        if (!current || current.version < after.version) {
          // Only reachable if a mandate was written around the store; leave the entry for repair.
          this.logger?.error({ slotKey: entry.slotKey, slotSeq: entry.slotSeq, mandateId: after.id }, 'cannot apply recorded mandate change');
          throw userError('CONFLICT', `Mandate ${after.id} changed outside the recorded history; support must repair it`);
        }
      }
    }
    return allWritten;
  }

  /**
   * Runs read → decide → commit, retrying when another writer got in between. `decide` sees
   * the fresh slot state each time and either returns the changes or throws a user error.
   */
  async change(
    slotKey: string,
    decide: (state: SlotState) => MandateChangeDocument[] | Promise<MandateChangeDocument[]>,
    actor: Actor,
    options: { retries?: number; now?: () => Date; note?: ChangeNote } = {},
  ): Promise<MandateDocument[]> {
    const retries = options.retries ?? 3;
    for (let attempt = 0; ; attempt++) {
      const state = await this.readSlot(slotKey);
      const changes = await decide(state);
      if (changes.length === 0) return [];
      try {
        await this.commit(state, changes, actor, (options.now ?? (() => new Date()))(), options.note);
        return changes.map((c) => c.after);
      } catch (err) {
        if (!(err instanceof SlotConflict)) throw err;
        if (attempt >= retries) {
          throw userError('CONFLICT', 'The mandates of this school and service were changed at the same time by someone else; reload and try again');
        }
      }
    }
  }

  /**
   * Creates many mandates in few round trips (for bulk loads such as the OSO migration):
   * slots are read in batches, each new mandate is recorded as its slot's next entry with one
   * insertMany, then applied with one more. A mandate whose id exists, or that `options.sameAs`
   * finds in its slot already (a run before, with other random ids), is skipped and reported
   * with the stored id; one that overlaps a mandate of the same system is returned as a
   * conflict; a slot with unapplied entries, or one another writer changed meanwhile, goes
   * through change() one by one.
   */
  async createMany(
    candidates: MandateDocument[],
    actor: Actor,
    at: Date,
    overlaps: (a: MandateDocument, b: MandateDocument) => boolean,
    options: {
      dryRun?: boolean;
      sameAs?: (stored: MandateDocument, candidate: MandateDocument) => boolean;
      /** a note per candidate id, kept in its history entry (e.g. an assumption the migration made) */
      notes?: ReadonlyMap<string, string>;
    } = {},
  ): Promise<{ created: string[]; existing: string[]; storedAs: Map<string, string>; conflicts: { mandate: MandateDocument; with: MandateDocument }[] }> {
    const noteOf = (id: string) => {
      const note = options.notes?.get(id);
      return note ? { note } : {};
    };
    const result = {
      created: [] as string[],
      /** candidate ids already there */
      existing: [] as string[],
      /** candidate id → id of the stored mandate it matched */
      storedAs: new Map<string, string>(),
      conflicts: [] as { mandate: MandateDocument; with: MandateDocument }[],
    };
    const already = (stored: readonly MandateDocument[], candidate: MandateDocument) =>
      stored.find((m) => m.id === candidate.id) ?? (options.sameAs ? stored.find((m) => options.sameAs!(m, candidate)) : undefined);
    const slotKeys = [...new Set(candidates.map((c) => c.slotKey))];
    const inSlot = new Map<string, MandateDocument[]>();
    const lastSeq = new Map<string, number>();
    const lastEntry = new Map<string, MandateHistoryDocument>();
    const pendingSlots = new Set<string>();
    // Equality finds per slot (the slot index answers each, on MongoDB and on FerretDB over
    // PostgreSQL, where one `$in` reads the whole collection: a re-run over a full store would
    // read every mandate and history entry once per batch). Of the history only each slot's
    // last entry is needed.
    for (const m of await findEach(slotKeys, (slotKey) => this.mandates.find({ slotKey }, NO_ID).toArray())) {
      inSlot.set(m.slotKey, [...(inSlot.get(m.slotKey) ?? []), m]);
    }
    for (const e of await findEach(slotKeys, (slotKey) => this.history.find({ slotKey }, NO_ID).sort({ slotSeq: -1 }).limit(1).toArray())) {
      lastSeq.set(e.slotKey, e.slotSeq);
      lastEntry.set(e.slotKey, e);
    }
    // A slot whose last entry the mandates do not show yet goes the careful way.
    for (const [slotKey, entry] of lastEntry) if (!reflects(entry, inSlot.get(slotKey) ?? [])) pendingSlots.add(slotKey);

    const slow: MandateDocument[] = [];
    const entries: MandateHistoryDocument[] = [];
    const planned = new Map<string, MandateDocument>();
    // One new entry per slot in the fast path: a later one would rest on the earlier one.
    const fastSlots = new Set<string>();
    for (const candidate of candidates) {
      if (pendingSlots.has(candidate.slotKey) || (fastSlots.has(candidate.slotKey) && !options.dryRun)) {
        slow.push(candidate);
        continue;
      }
      const present = inSlot.get(candidate.slotKey) ?? [];
      const stored = already(present, candidate);
      if (stored) {
        result.existing.push(candidate.id);
        result.storedAs.set(candidate.id, stored.id);
        continue;
      }
      const clash = present.find((m) => m.systemId === candidate.systemId && overlaps(m, candidate));
      if (clash) {
        result.conflicts.push({ mandate: candidate, with: clash });
        continue;
      }
      const seq = (lastSeq.get(candidate.slotKey) ?? 0) + 1;
      lastSeq.set(candidate.slotKey, seq);
      fastSlots.add(candidate.slotKey);
      inSlot.set(candidate.slotKey, [...present, candidate]);
      planned.set(`${candidate.slotKey}#${seq}`, candidate);
      entries.push({
        slotKey: candidate.slotKey, slotSeq: seq, at, by: actor.name, bySub: actor.sub, byRole: actor.role,
        mandateIds: [candidate.id], changes: [{ mandateId: candidate.id, action: 'CREATED', before: null, after: withSeriesKeys(candidate), ...noteOf(candidate.id) }],
      });
    }

    if (options.dryRun) {
      result.created.push(...entries.map((e) => e.mandateIds[0]!), ...slow.map((m) => m.id));
      return result;
    }
    const write = entries.length ? await this.hook.begin() : null;
    const written: MandateChangeDocument[] = [];
    let exact = true;
    try {
      for (let i = 0; i < entries.length; i += 500) {
        const batch = entries.slice(i, i + 500);
        const failed = new Set<number>();
        try {
          await this.history.insertMany(batch, { ordered: false });
        } catch (err) {
          const writeErrors = (err as { writeErrors?: { index: number; code?: number; err?: { code?: number } }[] }).writeErrors;
          if (!writeErrors) throw err;
          for (const w of Array.isArray(writeErrors) ? writeErrors : [writeErrors]) {
            if ((w.code ?? w.err?.code) !== 11000) throw err;
            failed.add(w.index);
          }
        }
        const recorded = batch.filter((_e, j) => !failed.has(j));
        for (const j of failed) slow.push(planned.get(`${batch[j]!.slotKey}#${batch[j]!.slotSeq}`)!);
        if (recorded.length) {
          await this.outbox?.record(recorded);
          await write?.writing(recorded.map((e) => e.changes[0]!.after), true);
          try {
            await this.mandates.insertMany(recorded.map((e) => ({ ...e.changes[0]!.after })), { ordered: false });
          } catch (err) {
            if (!duplicateKeysOnly(err)) throw err;
            // some were inserted by an earlier apply: which ones is not known here
            exact = false;
          }
          written.push(...recorded.map((e) => e.changes[0]!));
          result.created.push(...recorded.map((e) => e.mandateIds[0]!));
        }
      }
    } catch (err) {
      exact = false;
      throw err;
    } finally {
      // Also after a failure: part of the batch may have been written.
      await write?.committed(exact ? written : null);
    }

    // The rest one by one, re-reading each slot.
    for (const candidate of slow) {
      let clash: MandateDocument | undefined;
      let stored: MandateDocument | undefined;
      const changed = await this.change(candidate.slotKey, (state) => {
        stored = already(state.mandates, candidate);
        if (stored) return [];
        clash = state.mandates.find((m) => m.systemId === candidate.systemId && overlaps(m, candidate));
        if (clash) return [];
        return [{ mandateId: candidate.id, action: 'CREATED', before: null, after: candidate, ...noteOf(candidate.id) }];
      }, actor, { now: () => at });
      if (changed.length) result.created.push(candidate.id);
      else if (stored) {
        result.existing.push(candidate.id);
        result.storedAs.set(candidate.id, stored.id);
      } else if (clash) result.conflicts.push({ mandate: candidate, with: clash });
    }
    return result;
  }

  /** The recorded changes of these mandates, once each, by slot and sequence (one `$in` on the mandate index). */
  async historyOf(mandateIds: readonly string[]): Promise<MandateHistoryDocument[]> {
    const ids = [...new Set(mandateIds)];
    const found = await this.history.find({ mandateIds: ids.length === 1 ? ids[0]! : { $in: ids } }, IN_ONE_BATCH).toArray();
    const unique = new Map(found.map((e) => [`${e.slotKey}#${e.slotSeq}`, e]));
    return [...unique.values()].sort((a, b) => (a.slotKey < b.slotKey ? -1 : a.slotKey > b.slotKey ? 1 : a.slotSeq - b.slotSeq));
  }
}
