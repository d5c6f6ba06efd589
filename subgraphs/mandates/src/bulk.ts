/**
 * Bulk loading of large data sets into the mandates database (the national data set, the
 * benchmarks' data, the demo seed): domain records in, and what the read side derives from
 * them (series keys, facts, the change journal, the yearly check's stored rows) made here by
 * the package, never by the loader. Loading one mandate at a time through the API, or the
 * migration's slot-by-slot path, takes minutes for tens of thousands of mandates; this writes
 * in batches and repairs the derived data once at the end (`finish`).
 *
 * Not for serving requests, and not while the system writes the same slots: run it on a store
 * being prepared (or between runs), then `finish`. Documented in docs/national-data.md.
 */
import type { Db } from 'mongodb';
import { brinProblem, findEach, type Logger } from '@osr/common';
import type { AanleverpuntDocument, MandateAction, MandateDocument, MandateHistoryDocument, ServiceCode, SupplierDocument, SystemDocument, YearCheckDocument } from './documents.js';
import { openRepositories, repositoriesFor, type ReadModelKind } from './open.js';
import type { Repositories } from './repositories/index.js';
import { MandatesMaintenance } from './repositories/maintenance.js';
import { slotKeyOf } from './repositories/mandate-store.js';
import { seedMandates, type MandatesSeed, type SeedMandate } from './seed.js';
import { withYearCheck, yearCheckFor } from './year-checks.js';

/**
 * A mandate as a data set states it (the store's bookkeeping, such as its slot, is filled in),
 * and how its slot's history records its arrival: CREATED (the default) or SWITCHED_TO (it
 * replaced the slot's mandate of another system).
 */
export type BulkMandate = SeedMandate & { recordedAs?: Extract<MandateAction, 'CREATED' | 'SWITCHED_TO'> };

/** Who the history entries of a load name. */
export interface BulkActor {
  by: string;
  bySub: string;
}

/** What `finish` did: see MandatesMaintenance.repairDerived. */
export type FinishReport = Awaited<ReturnType<MandatesMaintenance['repairDerived']>>;

const BATCH = 1000;

/** Thrown when a load is refused: nothing of it was written. */
export class BulkLoadRejected extends Error {
  constructor(readonly problems: string[]) {
    super(`Bulk load rejected (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${problems.slice(0, 20).join('\n  ')}${problems.length > 20 ? `\n  … and ${problems.length - 20} more` : ''}`);
  }
}

/**
 * The store's mandates, aanleverpunten and catalogue as domain documents, read by the
 * repositories' queries (never through a read model): for a loader's checks and for tools
 * that compare the API's answers with the store.
 */
export class MandatesReader {
  protected constructor(protected readonly repositories: Repositories) {}

  /** Reads only: the store is not opened for writing (no indexes made, nothing put in place). */
  static of(db: Db): MandatesReader {
    return new MandatesReader(repositoriesFor(db, undefined, 'database'));
  }

  /** The mandates with these ids, in the order of the ids (those not stored left out). */
  mandates(ids: readonly string[]): Promise<MandateDocument[]> {
    return ids.length ? this.repositories.reads.findMandates(ids) : Promise.resolve([]);
  }

  /** Every system of the catalogue (some hundreds). */
  async systems(): Promise<SystemDocument[]> {
    const ids = [...(await this.repositories.catalogue.supplierOfSystems()).keys()].sort();
    return this.repositories.catalogue.findSystems(ids);
  }

  /** The mandates these boards gave (board-level, and for the schools they held then); every mandate of the store when `boards` holds every board. */
  mandatesOfBoards(boards: readonly string[], services: readonly ServiceCode[] | null = null): Promise<MandateDocument[]> {
    return boards.length ? this.repositories.reads.findMandatesOfBoards(boards, services) : Promise.resolve([]);
  }

  /** The mandates of these schools, per school by service, start and id. */
  mandatesOfSchools(brins: readonly string[], services: readonly ServiceCode[] | null = null): Promise<MandateDocument[]> {
    return brins.length ? this.repositories.reads.findMandatesOfSchools(brins, services) : Promise.resolve([]);
  }

  /** The aanleverpunten of these schools, per school by number. */
  aanleverpuntenOfSchools(brins: readonly string[]): Promise<AanleverpuntDocument[]> {
    return brins.length ? this.repositories.reads.aanleverpuntenOfSchools(brins) : Promise.resolve([]);
  }

  /** Every supplier of the catalogue, by OIN. */
  async suppliers(): Promise<SupplierDocument[]> {
    const all: SupplierDocument[] = [];
    for (;;) {
      const page = await this.repositories.catalogue.supplierPage(all.at(-1)?.oin ?? null, 500);
      all.push(...page);
      if (page.length < 500) return all;
    }
  }
}

export class MandatesBulkLoad extends MandatesReader {
  private constructor(
    repositories: Repositories,
    private readonly maintenance: MandatesMaintenance,
  ) {
    super(repositories);
  }

  /** Opens the store as every writer does (indexes, the reference services where missing). */
  static async open(db: Db, logger?: Logger, readModel?: ReadModelKind): Promise<MandatesBulkLoad> {
    return new MandatesBulkLoad(await openRepositories(db, logger, readModel), new MandatesMaintenance(db, logger));
  }

  /**
   * What of the mandates' data the store holds already, for a loader that must not write into
   * a store holding other data: `suppliers`, `systems`, `mandates` (the reference services,
   * which every start puts in place, do not count). Reads only (the store is not opened for
   * writing): the first supplier, the systems, one mandate of those systems.
   */
  static async holdsData(db: Db): Promise<string[]> {
    const repositories = repositoriesFor(db, undefined, 'database');
    const held: string[] = [];
    if ((await repositories.catalogue.supplierPage(null, 1)).length) held.push('suppliers');
    const systemIds = [...(await repositories.catalogue.supplierOfSystems()).keys()];
    if (systemIds.length) {
      held.push('systems');
      const page = await repositories.reads.findChangedMandates({ systemIds, service: null, changedSince: null, after: null, limit: 1 });
      if (page.items.length) held.push('mandates');
    }
    return held;
  }

  /**
   * Writes a known, small data set (the demo's), replacing documents with the same key:
   * running it twice leaves the same store. Refuses invalid identifiers and dangling references.
   */
  seed(set: MandatesSeed): Promise<void> {
    return seedMandates(this.maintenance, set);
  }

  /** Adds the suppliers and systems that are not in the catalogue yet (by OIN, by id); the others are left as they are. */
  async addToCatalogue(input: { suppliers: readonly SupplierDocument[]; systems: readonly SystemDocument[] }): Promise<{ suppliers: number; systems: number }> {
    const known = await this.systems();
    const oins = new Set([...known.map((s) => s.supplierOin), ...input.suppliers.map((s) => s.oin)]);
    const dangling = input.systems.filter((s) => !oins.has(s.supplierOin) && !known.some((k) => k.id === s.id));
    // a supplier is only known here through its systems: look the others up
    const stored = new Set((await this.repositories.catalogue.findSuppliers([...new Set(dangling.map((s) => s.supplierOin))])).map((s) => s.oin));
    const problems = dangling.filter((s) => !stored.has(s.supplierOin)).map((s) => `system ${s.id}: unknown supplier ${s.supplierOin}`);
    if (problems.length) throw new BulkLoadRejected(problems);
    let suppliers = 0;
    let systems = 0;
    for (const s of input.suppliers) if (await this.repositories.catalogue.insertSupplier({ ...s })) suppliers++;
    for (const s of input.systems) if (await this.repositories.catalogue.insertSystem({ ...s, services: [...s.services] })) systems++;
    return { suppliers, systems };
  }

  /**
   * Loads new mandates, each with one history entry in its slot (in the order given within
   * a slot), and aanleverpunten (replacing a school's point with the same number). Refused as a
   * whole, before anything is written, when a mandate's id or slot is in the store already, a
   * system is unknown or does not offer the service, a BRIN is invalid, a mandate ends before
   * it starts, or a point names an unknown system or a mandate neither loaded nor stored.
   * `progress` counts mandates, history entries and points written. Call `finish` when done.
   */
  async loadMandates(
    input: { mandates: readonly BulkMandate[]; aanleverpunten?: readonly AanleverpuntDocument[] },
    actor: BulkActor,
    progress?: (written: number, total: number) => void,
  ): Promise<{ mandates: number; history: number; aanleverpunten: number }> {
    const points = input.aanleverpunten ?? [];
    const docs: MandateDocument[] = input.mandates.map(({ recordedAs: _recordedAs, ...m }) => ({ reviewReasons: [], reviewBoards: [], ...m, slotKey: slotKeyOf(m) }));
    await this.check(docs, points);

    const perSlot = new Map<string, number>();
    const history: MandateHistoryDocument[] = docs.map((d, i) => {
      const slotSeq = (perSlot.get(d.slotKey) ?? 0) + 1;
      perSlot.set(d.slotKey, slotSeq);
      return {
        slotKey: d.slotKey, slotSeq, at: d.createdAt, by: actor.by, bySub: actor.bySub, byRole: 'SERVICE',
        mandateIds: [d.id], changes: [{ mandateId: d.id, action: input.mandates[i]!.recordedAs ?? 'CREATED', before: null, after: d }],
      };
    });
    const total = docs.length + history.length + points.length;
    await this.maintenance.insertLoaded(docs, (written) => progress?.(written, total));
    await this.maintenance.insertLoadedHistory(history, (written) => progress?.(docs.length + written, total));
    for (let i = 0; i < points.length; i += BATCH) {
      await this.repositories.aanleverpunten.replaceMany(points.slice(i, i + BATCH));
      progress?.(docs.length + history.length + Math.min(i + BATCH, points.length), total);
    }
    return { mandates: docs.length, history: history.length, aanleverpunten: points.length };
  }

  /**
   * Records confirmations of the yearly check that a data set holds (boards that confirmed on
   * days before the load), as the API records one: through the mandate store's write path,
   * one `CONFIRMED` history entry each, the mandate reviewed (its review flags cleared) and its
   * year check stored, the derived data kept by the write path. A mandate confirmed for that
   * year by the board already is left as it is. Refused when a mandate is not stored. Slots are
   * written 16 at a time: one change per confirmation, in the order of their days within a slot.
   */
  async confirmLoaded(
    confirmations: readonly { id: string; schoolYear: string; board: string; at: Date; by: string }[],
    progress?: (written: number, total: number) => void,
  ): Promise<{ confirmed: number }> {
    const stored = new Map((await this.mandates(confirmations.map((c) => c.id))).map((m) => [m.id, m]));
    const missing = confirmations.filter((c) => !stored.has(c.id));
    if (missing.length) throw new BulkLoadRejected(missing.map((c) => `mandate ${c.id}: not stored`));
    const perSlot = new Map<string, (typeof confirmations)[number][]>();
    for (const c of confirmations) {
      const slotKey = stored.get(c.id)!.slotKey;
      perSlot.set(slotKey, [...(perSlot.get(slotKey) ?? []), c]);
    }
    let written = 0;
    let confirmed = 0;
    await findEach([...perSlot.keys()], async (slotKey) => {
      for (const c of [...perSlot.get(slotKey)!].sort((a, b) => a.at.getTime() - b.at.getTime())) {
        const check: YearCheckDocument = { schoolYear: c.schoolYear, kind: 'CONFIRMED', at: c.at, by: c.by, byRole: 'BOARD', board: c.board };
        const changed = await this.repositories.mandates.store.change(
          slotKey,
          (state) =>
            state.mandates
              .filter((m) => m.id === c.id && !yearCheckFor(m, c.schoolYear, c.board))
              .map((m) => ({
                mandateId: m.id,
                action: 'CONFIRMED' as const,
                schoolYear: c.schoolYear,
                before: m,
                // a confirmation is a review, as in the API (mandate-check.ts)
                after: withYearCheck({ ...m, lastReviewedAt: c.at, lastReviewedBy: c.by, reviewReasons: [], reviewBoards: [], version: m.version + 1, updatedAt: c.at }, check),
              })),
          { sub: 'bulk-load', name: c.by, role: 'BOARD' },
          { now: () => c.at },
        );
        confirmed += changed.length;
        progress?.(++written, confirmations.length);
      }
      return [];
    });
    return { confirmed };
  }

  /**
   * After a load: the derived data made again from the mandates (series keys, facts), a change
   * without details recorded (every kept aggregate is computed afresh), and the yearly check's
   * rows stored, so the system's first start does not read every mandate's facts for them.
   */
  finish(): Promise<FinishReport> {
    return this.maintenance.repairDerived();
  }

  /**
   * Records a change without details, as a load around the store does: every running process
   * computes its kept aggregates afresh from the mandates' facts, and the yearly check's stored
   * rows are no longer exact (the next process to need them reads the facts). For measuring
   * the cost of a start without kept results; `finish` stores the rows again.
   */
  async forgetKeptResults(): Promise<void> {
    // an empty load writes nothing and records the change without details
    await this.maintenance.insertLoaded([]);
  }

  private async check(docs: readonly MandateDocument[], points: readonly AanleverpuntDocument[]): Promise<void> {
    const problems: string[] = [];
    const systems = new Map((await this.systems()).map((s) => [s.id, s]));
    const ids = new Set<string>();
    for (const m of docs) {
      if (ids.has(m.id)) problems.push(`mandate ${m.id}: twice in the load`);
      ids.add(m.id);
      const system = systems.get(m.systemId);
      if (!system) problems.push(`mandate ${m.id}: unknown system ${m.systemId}`);
      else if (!system.services.includes(m.serviceCode)) problems.push(`mandate ${m.id}: system ${m.systemId} does not offer ${m.serviceCode}`);
      const brin = m.brin === null ? null : brinProblem(m.brin);
      if (brin) problems.push(`mandate ${m.id}: ${brin}`);
      if (m.endDate !== null && m.endDate < m.startDate) problems.push(`mandate ${m.id}: ends before it starts`);
    }
    // what the store holds of the load's schools and boards (two reads, whole batches)
    const brins = [...new Set(docs.flatMap((m) => (m.brin === null ? [] : [m.brin])))];
    const boards = [...new Set(docs.flatMap((m) => (m.brin === null ? [m.boardNummer] : [])))];
    const stored = [...(await this.mandatesOfSchools(brins)), ...(await this.mandatesOfBoards(boards))];
    const storedIds = new Set(stored.map((m) => m.id));
    const storedSlots = new Set(stored.map((m) => m.slotKey));
    for (const m of docs) {
      if (storedIds.has(m.id)) problems.push(`mandate ${m.id}: stored already`);
      else if (storedSlots.has(m.slotKey)) problems.push(`mandate ${m.id}: its school or board has mandates of ${m.serviceCode} already (a bulk load starts slots afresh)`);
    }
    const pointMandates = [...new Set(points.flatMap((p) => (p.mandateId !== null && !ids.has(p.mandateId) ? [p.mandateId] : [])))];
    const storedMandates = new Set((await this.mandates(pointMandates)).map((m) => m.id));
    for (const p of points) {
      if (p.systemId !== null && !systems.has(p.systemId)) problems.push(`aanleverpunt ${p.brin}/${p.index}: unknown system ${p.systemId}`);
      if (p.mandateId !== null && !ids.has(p.mandateId) && !storedMandates.has(p.mandateId)) problems.push(`aanleverpunt ${p.brin}/${p.index}: unknown mandate ${p.mandateId}`);
      const brin = brinProblem(p.brin);
      if (brin) problems.push(`aanleverpunt ${p.brin}/${p.index}: ${brin}`);
    }
    if (problems.length) throw new BulkLoadRejected(problems);
  }
}
