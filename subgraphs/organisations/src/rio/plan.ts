/**
 * Compares a snapshot with the store and decides, without writing anything, which documents
 * change and which change-feed entries that makes. Full snapshot: what the file lacks is
 * ended (day before the reference date), never deleted. Delta: only what the file holds.
 */
import { createHash } from 'node:crypto';
import { dayBefore } from '@osr/common';
import type {
  BoardDocument,
  BoardPeriodDocument,
  OrganisationChangeKind,
  SchoolDocument,
  SwvDocument,
  VestigingDocument,
} from '../documents.js';
import type { DocumentWrites, Stored } from '../repository.js';
import type { Snapshot, SourceSchool } from './source.js';

export interface PlannedChange {
  key: string;
  kind: OrganisationChangeKind;
  bevoegdGezagNummer: string | null;
  brin: string | null;
  fromBoard: string | null;
  toBoard: string | null;
  swvCode: string | null;
  effectiveDate: string;
  description: string;
}

export interface EntityCounts {
  created: number;
  updated: number;
  ended: number;
  unchanged: number;
}

export interface PlanCounts {
  boards: EntityCounts;
  schools: EntityCounts & { moved: number };
  samenwerkingsverbanden: EntityCounts;
  vestigingen: { created: number; updated: number; ended: number };
}

export interface ImportPlan {
  boards: DocumentWrites<BoardDocument>;
  schools: DocumentWrites<SchoolDocument>;
  swvs: DocumentWrites<SwvDocument>;
  changes: PlannedChange[];
  counts: PlanCounts;
  /** Organisations a full snapshot ends because it lacks them (not closed by RIO itself). */
  endedByAbsence: number;
  /** Board periods this plan would end before they start: the import refuses such a plan. */
  periodProblems: string[];
}

export interface StoredState {
  boards: Stored<BoardDocument>[];
  schools: Stored<SchoolDocument>[];
  swvs: Stored<SwvDocument>[];
}

function fingerprint(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('base64url').slice(0, 16);
}

function change(
  kind: OrganisationChangeKind,
  subject: string,
  effectiveDate: string,
  detail: unknown,
  fields: Partial<Omit<PlannedChange, 'key' | 'kind' | 'effectiveDate' | 'description'>>,
  description: string,
): PlannedChange {
  return {
    key: `${kind}|${subject}|${effectiveDate}|${fingerprint(detail)}`,
    kind,
    bevoegdGezagNummer: fields.bevoegdGezagNummer ?? null,
    brin: fields.brin ?? null,
    fromBoard: fields.fromBoard ?? null,
    toBoard: fields.toBoard ?? null,
    swvCode: fields.swvCode ?? null,
    effectiveDate,
    description,
  };
}

const counts = (): EntityCounts => ({ created: 0, updated: 0, ended: 0, unchanged: 0 });

/** A stable text form: keys sorted at every level, null and absent fields alike. */
export function canonical(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== null && v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Same content, ignoring `_id` and rioSyncedAt. */
function sameContent(a: object, b: object): boolean {
  const strip = (o: object) => {
    const { _id: _a, rioSyncedAt: _b, ...rest } = o as Record<string, unknown>;
    return canonical(rest);
  };
  return strip(a) === strip(b);
}

/**
 * The stored history, or the implicit one of a document written before histories existed;
 * the last period closes on the school's end date (a closed school has no board after it).
 */
export function boardHistoryOf(school: SchoolDocument): BoardPeriodDocument[] {
  return endingOn(school.boardHistory ?? [{ boardNummer: school.boardNummer, from: school.startDate, until: null }], school.endDate);
}

/** A closed school's locations end with it (those that ended earlier keep their own date). */
function closingLocations(vestigingen: VestigingDocument[], endDate: string | null): VestigingDocument[] {
  if (!endDate) return vestigingen;
  return vestigingen.map((v) => (v.endDate && v.endDate <= endDate ? v : { ...v, endDate }));
}

/** A board period that would end before it starts (the import refuses a plan with one). */
function periodProblem(brin: string, history: BoardPeriodDocument[]): string | null {
  const bad = history.find((p) => p.from !== null && p.until !== null && p.until < p.from);
  return bad ? `school ${brin}: board ${bad.boardNummer} would hold it from ${bad.from} until ${bad.until}` : null;
}

/**
 * The board that holds the school on `date` (a day, YYYY-MM-DD): the last period begun by
 * then, so a move registered for a later date hands the school over on that date without
 * any import; a closed school stays with its last board, and a school before its first
 * period with its first board.
 */
export function holderOn(school: Pick<SchoolDocument, 'boardNummer' | 'boardHistory'>, date: string): string {
  const history = school.boardHistory;
  if (!history?.length) return school.boardNummer;
  let holder = history[0]!.boardNummer;
  for (const period of history) if (period.from === null || period.from <= date) holder = period.boardNummer;
  return holder;
}

/** The `historyBoards` field of a school with this history: absent unless it names more than one board. */
export function historyBoardsOf(history: BoardPeriodDocument[]): { historyBoards?: string[] } {
  const boards = [...new Set(history.map((p) => p.boardNummer))];
  return boards.length > 1 ? { historyBoards: boards } : {};
}

/** The history with its last period ending on the school's end date (open when it has none). */
function endingOn(history: BoardPeriodDocument[], endDate: string | null): BoardPeriodDocument[] {
  const last = history.at(-1);
  if (!last || last.until === endDate) return history;
  return [...history.slice(0, -1), { ...last, until: endDate }];
}

function mergeVestigingen(
  stored: VestigingDocument[],
  source: SourceSchool,
  full: boolean,
  endDate: string,
  protectedKeys: Set<string>,
): VestigingDocument[] {
  const result = new Map<string, VestigingDocument>();
  for (const v of stored) result.set(v.vestigingsnummer, v);
  if (full) {
    for (const v of stored) {
      const inSource = source.vestigingen.some((s) => s.vestigingsnummer === v.vestigingsnummer);
      if (!inSource && !protectedKeys.has(v.vestigingsnummer) && !v.endDate) result.set(v.vestigingsnummer, { ...v, endDate });
    }
  }
  for (const v of source.vestigingen) {
    result.set(v.vestigingsnummer, {
      vestigingsnummer: v.vestigingsnummer,
      name: v.name,
      address: v.address,
      municipality: v.municipality,
      endDate: v.endDate,
    });
  }
  return [...result.values()].sort((a, b) => a.vestigingsnummer.localeCompare(b.vestigingsnummer));
}

export function planImport(snapshot: Snapshot, stored: StoredState, mode: 'full' | 'delta'): ImportPlan {
  const full = mode === 'full';
  const ref = snapshot.referenceDate;
  const absentEnd = dayBefore(ref);
  const syncedAt = snapshot.syncedAt;
  const plan: ImportPlan = {
    boards: { inserts: [], replacements: [] },
    schools: { inserts: [], replacements: [] },
    swvs: { inserts: [], replacements: [] },
    changes: [],
    counts: {
      boards: counts(),
      schools: { ...counts(), moved: 0 },
      samenwerkingsverbanden: counts(),
      vestigingen: { created: 0, updated: 0, ended: 0 },
    },
    endedByAbsence: 0,
    periodProblems: [],
  };
  const boardClosures: PlannedChange[] = [];

  // Boards.
  const storedBoards = new Map(stored.boards.map((b) => [b.bevoegdGezagNummer, b]));
  const referencedBoards = new Set([...snapshot.schools.values()].map((s) => s.boardNummer));
  for (const src of snapshot.boards.values()) {
    const next: BoardDocument = {
      bevoegdGezagNummer: src.bevoegdGezagNummer,
      rioCode: src.rioCode,
      name: src.name,
      kvkNummer: src.kvkNummer,
      rsin: src.rsin,
      startDate: src.startDate,
      endDate: src.endDate,
      rioSyncedAt: syncedAt,
    };
    const nr = next.bevoegdGezagNummer;
    const old = storedBoards.get(nr);
    if (!old) {
      plan.boards.inserts.push(next);
      plan.counts.boards.created++;
      plan.changes.push(change('BOARD_ADDED', nr, next.startDate ?? ref, next, { bevoegdGezagNummer: nr }, `Board ${nr} (${next.name}) added`));
      if (next.endDate) {
        plan.counts.boards.ended++;
        boardClosures.push(change('BOARD_CLOSED', nr, next.endDate, null, { bevoegdGezagNummer: nr }, `Board ${nr} closed on ${next.endDate}`));
      }
      continue;
    }
    if (sameContent(old, next)) {
      if (old.rioSyncedAt?.getTime() !== syncedAt.getTime()) plan.boards.replacements.push({ ...next, _id: old._id });
      plan.counts.boards.unchanged++;
      continue;
    }
    plan.boards.replacements.push({ ...next, _id: old._id });
    plan.counts.boards.updated++;
    if (old.name !== next.name) {
      plan.changes.push(change('BOARD_RENAMED', nr, ref, [old.name, next.name], { bevoegdGezagNummer: nr }, `Board ${nr} renamed from '${old.name}' to '${next.name}'`));
    }
    const other: (keyof BoardDocument)[] = (['rioCode', 'kvkNummer', 'rsin', 'startDate'] as const).filter((f) => old[f] !== next[f]);
    if (old.endDate && old.endDate !== next.endDate) other.push('endDate');
    if (other.length) {
      const detail = Object.fromEntries(other.map((f) => [f, [old[f], next[f]]]));
      const reopened = old.endDate && !next.endDate ? ' (reopened)' : '';
      plan.changes.push(change('BOARD_CHANGED', nr, ref, detail, { bevoegdGezagNummer: nr }, `Board ${nr} changed: ${other.join(', ')}${reopened}`));
    }
    if (!old.endDate && next.endDate) {
      plan.counts.boards.ended++;
      boardClosures.push(change('BOARD_CLOSED', nr, next.endDate, null, { bevoegdGezagNummer: nr }, `Board ${nr} closed on ${next.endDate}`));
    }
  }
  const scope = snapshot.sectorScope ?? null;

  // Samenwerkingsverbanden.
  const storedSwvs = new Map(stored.swvs.map((s) => [s.code, s]));
  for (const src of snapshot.swvs.values()) {
    const next: SwvDocument = { code: src.code, name: src.name, sector: src.sector, endDate: null, rioSyncedAt: syncedAt };
    const old = storedSwvs.get(src.code);
    if (!old) {
      plan.swvs.inserts.push(next);
      plan.counts.samenwerkingsverbanden.created++;
      plan.changes.push(change('SWV_ADDED', src.code, ref, next, { swvCode: src.code }, `Samenwerkingsverband ${src.code} (${src.name}) added`));
      continue;
    }
    const before = { ...old, endDate: old.endDate ?? null };
    if (sameContent(before, next)) {
      if (old.rioSyncedAt?.getTime() !== syncedAt.getTime()) plan.swvs.replacements.push({ ...next, _id: old._id });
      plan.counts.samenwerkingsverbanden.unchanged++;
      continue;
    }
    plan.swvs.replacements.push({ ...next, _id: old._id });
    plan.counts.samenwerkingsverbanden.updated++;
    const fields = (['name', 'sector', 'endDate'] as const).filter((f) => before[f] !== next[f]);
    plan.changes.push(change('SWV_CHANGED', src.code, ref, fields.map((f) => [before[f], next[f]]), { swvCode: src.code }, `Samenwerkingsverband ${src.code} changed: ${fields.join(', ')}`));
  }
  if (full && !scope) {
    for (const old of stored.swvs) {
      if (snapshot.swvs.has(old.code) || old.endDate || snapshot.protectedKeys.swvs.has(old.code)) continue;
      plan.swvs.replacements.push({ ...old, endDate: absentEnd });
      plan.endedByAbsence++;
      plan.counts.samenwerkingsverbanden.updated++;
      plan.counts.samenwerkingsverbanden.ended++;
      plan.changes.push(change('SWV_CHANGED', old.code, absentEnd, 'ended', { swvCode: old.code }, `Samenwerkingsverband ${old.code} ended on ${absentEnd} (no longer published)`));
    }
  }

  // Schools.
  const storedSchools = new Map(stored.schools.map((s) => [s.brin, s]));
  const sources = [...snapshot.schools.values()].sort((a, b) => a.brin.localeCompare(b.brin));
  for (const src of sources) {
    const brin = src.brin;
    const old = storedSchools.get(brin);
    const vestigingen = closingLocations(mergeVestigingen(old?.vestigingen ?? [], src, full, absentEnd, snapshot.protectedKeys.vestigingen), src.endDate);
    if (!old) {
      const next: SchoolDocument = {
        brin,
        name: src.name,
        sector: src.sector,
        kindCode: src.kindCode,
        boardNummer: src.boardNummer,
        swvCodes: src.swvCodes,
        startDate: src.startDate,
        endDate: src.endDate,
        vestigingen,
        rioSyncedAt: syncedAt,
        boardHistory: [{ boardNummer: src.boardNummer, from: src.boardSince ?? src.startDate ?? ref, until: src.endDate }],
      };
      plan.schools.inserts.push(next);
      plan.counts.schools.created++;
      plan.counts.vestigingen.created += vestigingen.length;
      plan.changes.push(change('SCHOOL_ADDED', brin, src.startDate ?? ref, { board: src.boardNummer }, { bevoegdGezagNummer: src.boardNummer, brin }, `School ${brin} (${src.name}) added to board ${src.boardNummer}`));
      for (const code of src.swvCodes) {
        plan.changes.push(change('SWV_MEMBERSHIP_CHANGED', `${brin}/${code}`, ref, 'joined', { bevoegdGezagNummer: src.boardNummer, brin, swvCode: code }, `School ${brin} joined samenwerkingsverband ${code}`));
      }
      if (src.endDate) {
        plan.counts.schools.ended++;
        plan.changes.push(change('SCHOOL_CLOSED', brin, src.endDate, null, { bevoegdGezagNummer: src.boardNummer, brin }, `School ${brin} closed on ${src.endDate}`));
      }
      continue;
    }
    let history = boardHistoryOf(old);
    const moved = old.boardNummer !== src.boardNummer;
    let moveDate = ref;
    if (moved) {
      moveDate = src.boardSince && src.boardSince > (history.at(-1)?.from ?? '') ? src.boardSince : ref;
      history = [
        ...history.slice(0, -1),
        ...history.slice(-1).map((p) => ({ ...p, until: dayBefore(moveDate) })),
        { boardNummer: src.boardNummer, from: moveDate, until: null },
      ];
    }
    const next: SchoolDocument = {
      brin,
      name: src.name,
      sector: src.sector,
      kindCode: src.kindCode,
      boardNummer: src.boardNummer,
      swvCodes: src.swvCodes,
      startDate: src.startDate,
      endDate: src.endDate,
      vestigingen,
      rioSyncedAt: syncedAt,
      boardHistory: endingOn(history, src.endDate),
      ...historyBoardsOf(history),
    };
    const problem = periodProblem(brin, next.boardHistory!);
    if (problem) plan.periodProblems.push(problem);
    const { historyBoards: _stored, ...oldContent } = old;
    const before = { ...oldContent, boardHistory: boardHistoryOf(old), ...historyBoardsOf(boardHistoryOf(old)) };
    if (sameContent(before, next)) {
      const storedAsNext = !!old.boardHistory && canonical(old.historyBoards ?? null) === canonical(next.historyBoards ?? null);
      if (old.rioSyncedAt?.getTime() !== syncedAt.getTime() || !storedAsNext) plan.schools.replacements.push({ ...next, _id: old._id });
      plan.counts.schools.unchanged++;
      continue;
    }
    plan.schools.replacements.push({ ...next, _id: old._id });
    plan.counts.schools.updated++;
    const board = src.boardNummer;
    if (moved) {
      plan.counts.schools.moved++;
      plan.changes.push(change('SCHOOL_MOVED', brin, moveDate, [old.boardNummer, board], { bevoegdGezagNummer: board, brin, fromBoard: old.boardNummer, toBoard: board }, `School ${brin} moved from board ${old.boardNummer} to ${board}`));
    }
    const fields = (['name', 'sector', 'kindCode', 'startDate'] as const).filter((f) => old[f] !== next[f]) as string[];
    if (old.endDate && old.endDate !== next.endDate) fields.push(next.endDate ? 'endDate' : 'endDate (reopened)');
    const oldV = new Map(old.vestigingen.map((v) => [v.vestigingsnummer, v]));
    let vChanged = false;
    const closing = !old.endDate && next.endDate ? next.endDate : null;
    for (const v of vestigingen) {
      const was = oldV.get(v.vestigingsnummer);
      if (was === undefined) {
        plan.counts.vestigingen.created++;
        vChanged = true;
      } else if (closing && !was.endDate && v.endDate === closing && canonical({ ...was, endDate: closing }) === canonical(v)) {
        // ended with its school: part of SCHOOL_CLOSED, not a change of its own
        plan.counts.vestigingen.updated++;
        plan.counts.vestigingen.ended++;
      } else if (canonical(was) !== canonical(v)) {
        vChanged = true;
        plan.counts.vestigingen.updated++;
        if (v.endDate && !was.endDate) plan.counts.vestigingen.ended++;
      }
    }
    if (vChanged) fields.push('vestigingen');
    if (fields.length) {
      const { historyBoards: _boards, ...described } = next;
      const detail = { fields, next: { ...described, rioSyncedAt: null, boardHistory: null } };
      plan.changes.push(change('SCHOOL_CHANGED', brin, ref, detail, { bevoegdGezagNummer: board, brin }, `School ${brin} changed: ${fields.join(', ')}`));
    }
    for (const code of src.swvCodes.filter((c) => !old.swvCodes.includes(c))) {
      plan.changes.push(change('SWV_MEMBERSHIP_CHANGED', `${brin}/${code}`, ref, 'joined', { bevoegdGezagNummer: board, brin, swvCode: code }, `School ${brin} joined samenwerkingsverband ${code}`));
    }
    for (const code of old.swvCodes.filter((c) => !src.swvCodes.includes(c))) {
      plan.changes.push(change('SWV_MEMBERSHIP_CHANGED', `${brin}/${code}`, ref, 'left', { bevoegdGezagNummer: board, brin, swvCode: code }, `School ${brin} left samenwerkingsverband ${code}`));
    }
    if (!old.endDate && next.endDate) {
      plan.counts.schools.ended++;
      plan.changes.push(change('SCHOOL_CLOSED', brin, next.endDate, null, { bevoegdGezagNummer: board, brin }, `School ${brin} closed on ${next.endDate}`));
    }
  }
  if (full) {
    for (const old of [...stored.schools].sort((a, b) => a.brin.localeCompare(b.brin))) {
      if (snapshot.schools.has(old.brin) || old.endDate || snapshot.protectedKeys.schools.has(old.brin)) continue;
      if (scope && old.sector !== scope) continue;
      const closedHistory = boardHistoryOf({ ...old, endDate: absentEnd });
      const problem = periodProblem(old.brin, closedHistory);
      if (problem) plan.periodProblems.push(problem);
      plan.schools.replacements.push({ ...old, endDate: absentEnd, vestigingen: closingLocations(old.vestigingen, absentEnd), boardHistory: closedHistory });
      const endedWithIt = old.vestigingen.filter((v) => !v.endDate || v.endDate > absentEnd).length;
      plan.counts.vestigingen.updated += endedWithIt;
      plan.counts.vestigingen.ended += endedWithIt;
      plan.endedByAbsence++;
      plan.counts.schools.updated++;
      plan.counts.schools.ended++;
      plan.changes.push(change('SCHOOL_CLOSED', old.brin, absentEnd, null, { bevoegdGezagNummer: old.boardNummer, brin: old.brin }, `School ${old.brin} closed on ${absentEnd} (no longer in RIO)`));
    }
  }
  // Boards a full snapshot lacks: closed once they hold no open school in any sector (a
  // merger: the absorbed board's schools moved to the other board above). A one-sector file
  // leaves a board open while it holds schools of another sector.
  if (full) {
    const holders = new Set<string>();
    const inPlan = new Map([...plan.schools.inserts, ...plan.schools.replacements].map((d) => [d.brin, d]));
    for (const school of inPlan.values()) if (!school.endDate) holders.add(school.boardNummer);
    for (const school of stored.schools) if (!inPlan.has(school.brin) && !school.endDate) holders.add(school.boardNummer);
    for (const old of stored.boards) {
      const nr = old.bevoegdGezagNummer;
      if (snapshot.boards.has(nr) || old.endDate || snapshot.protectedKeys.boards.has(nr) || referencedBoards.has(nr) || holders.has(nr)) continue;
      plan.boards.replacements.push({ ...old, endDate: absentEnd });
      plan.endedByAbsence++;
      plan.counts.boards.updated++;
      plan.counts.boards.ended++;
      boardClosures.push(change('BOARD_CLOSED', nr, absentEnd, null, { bevoegdGezagNummer: nr }, `Board ${nr} closed on ${absentEnd} (no longer in RIO)`));
    }
  }
  // A merger reads as: each school moved, then the old board closed.
  plan.changes.push(...boardClosures);
  return plan;
}
