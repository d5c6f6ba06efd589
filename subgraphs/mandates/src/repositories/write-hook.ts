/**
 * What a write of mandates (or aanleverpunten) tells whatever keeps data derived from them,
 * and what the maintenance module asks of it: the embedded database's read model implements
 * it (src/read-model/writes.ts), and it is put in front of the repositories by the composition
 * root (open.ts). Without a read model (`MANDATES_READ_MODEL=database`) it is NO_WRITE_HOOK: a
 * write costs only the history, the outbox and the mandates.
 *
 * A write of mandates calls `begin` once, `writing` before each batch of mandates is written
 * and `committed` once after (also when the write failed): what is derived from a mandate is
 * written before the mandate, so a change that stopped half way is completed by the store's
 * roll forward like the mandate is, and a reader that needs to know whether a write was in
 * progress while it read (the kept aggregates) learns it from `begin` to `committed`.
 */
import type { MandateChangeDocument, MandateDocument } from '../documents.js';

export interface MandateWrite {
  /**
   * Before these mandates are written (their after states); `created`: new mandates only,
   * and one found there already (an earlier attempt) holds the same data.
   */
  writing(after: readonly MandateDocument[], created: boolean): Promise<void>;
  /**
   * After the write, once: its changes when every one was written just now, else null (not
   * known exactly: part of it may have been written earlier, or it failed).
   */
  committed(changes: readonly MandateChangeDocument[] | null): Promise<void>;
}

export interface MandateWriteHook {
  /** Before a write of mandates. */
  begin(): Promise<MandateWrite>;
  /** After a write whose changes are not known exactly (the aanleverpunten, a bulk load, a repair): nothing kept from before is served. */
  changedUnknown(): Promise<void>;
  /** Before mandates are written around the store (a bulk load, a data set): what is derived from each is written first. */
  writingAround(docs: readonly MandateDocument[]): Promise<void>;
  /** After writes around the store: brings what is derived from each mandate in step with the mandates. */
  repairDerived(): Promise<{ inserted: number; replaced: number; removed: number }>;
  /**
   * Stores what a process that starts would otherwise compute from every mandate; false when
   * a write ran meanwhile and nothing was stored; null when the read model in use keeps nothing
   * to store.
   */
  storeComputed(): Promise<boolean | null>;
}

const NOTHING: MandateWrite = { writing: async () => {}, committed: async () => {} };

/** Nothing is derived from the writes. */
export const NO_WRITE_HOOK: MandateWriteHook = {
  begin: async () => NOTHING,
  changedUnknown: async () => {},
  writingAround: async () => {},
  repairDerived: async () => ({ inserted: 0, replaced: 0, removed: 0 }),
  storeComputed: async () => null,
};
