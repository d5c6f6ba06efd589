/**
 * The yearly mandate check (docs/mandate-check.md): each school year (1 August to
 * 31 July) every board confirms its mandates; support and analysts follow the campaign.
 *
 * - A mandate is *due* in a school year when it runs on any day of it, for the board that
 *   holds its school now (per RIO; a board-level mandate: the board that gave it).
 * - It is *confirmed* for the year when it carries that year's check (year-checks.ts) made
 *   for that board: a confirmation (`confirmMandates`, by the board's staff with OSR_TOEGANG or
 *   support), or a grant, change or switch by board staff or support in that year. A school
 *   that moves or closes clears its mandates' checks (feed-follower.ts), and a check made for
 *   another board never counts, so they are open again for the board that holds the school.
 *
 * The figures, national and per board, come from the check rows (the repositories' aggregate
 * read, repositories/aggregates.ts: the mandates counted per distinct service, system, school,
 * board, dates and checks; one set for all school years): one `$group` in the database, or
 * the read model's rows kept exact and brought forward by every write. The board's open
 * mandates are read by slot (indexed equality), only those of the page asked for.
 */
import {
  bevoegdGezagNummerProblem,
  canManageBoard,
  invalidInput,
  todayInNetherlands,
  userError,
  type Identity,
} from '@osr/common';
import { boardStaff } from './access.js';
import type { MandateDocument, YearCheckDocument } from './documents.js';
import { actorOf } from './mandate-service.js';
import { slotKeyOf, type MandateStore } from './repositories/mandate-store.js';
import type { OrganisationsApi, SchoolBoards } from './peers.js';
import type { CheckRow, Repositories } from './repositories/index.js';
import type { SchoolDirectory, Sector } from './school-directory.js';
import { daysOfYear, dueIn, schoolYearOfDay, schoolYearOrCurrent, type SchoolYear } from './school-year.js';
import { countsFor, parseChecksKey, withYearCheck, yearCheckFor } from './year-checks.js';

const MAX_IDS = 200;
const MAX_ID_LENGTH = 64;

/** Board.mandateCheck: one board's check of one school year (the parent of MandateCheck). */
export interface MandateCheckView {
  board: string;
  year: SchoolYear;
  /** status date of the open mandates (today) */
  asOf: string;
  due: number;
  confirmed: number;
  /** every due mandate is confirmed (and one is due) */
  finished: boolean;
  /** open mandates `from` (position in the list by school, service, start date, id), at most `size` */
  openPage(from: number, size: number): Promise<MandateDocument[]>;
  /** when finished: the last check (when, by whom); null otherwise */
  lastCheck(): Promise<YearCheckDocument | null>;
}

/** Mandate.yearCheck (the parent of MandateYearCheck). */
export interface MandateYearCheckView {
  mandate: MandateDocument;
  schoolYear: string;
  due: boolean;
  check: YearCheckDocument | null;
}

export interface ConfirmationView {
  schoolYear: string;
  mandates: MandateDocument[];
  newlyConfirmed: number;
}

export type MandateCheckDimension = 'SECTOR' | 'SUPPLIER' | 'SWV';

/** Figures of the progress, nationally, per group and per board. */
export interface CheckFigures {
  boardsDue: number;
  boardsFinished: number;
  mandatesDue: number;
  mandatesConfirmed: number;
}

export interface CheckBoardRow {
  board: string;
  mandatesDue: number;
  mandatesConfirmed: number;
  /** the day the last due mandate was confirmed, when all are */
  finishedOn: string | null;
}

export interface CheckGroupRow extends CheckFigures {
  sector: Sector | null;
  supplier: string | null;
  swv: string | null;
}

/** mandateCheckProgress (the parent of MandateCheckProgress). */
export interface CheckProgressView extends CheckFigures {
  year: SchoolYear;
  groups: CheckGroupRow[];
  /** every board with a due mandate: most open first, then by number */
  boards: CheckBoardRow[];
}

export interface CheckDayRow {
  date: string;
  mandatesDue: number;
  mandatesConfirmed: number;
  boardsDue: number;
  boardsFinished: number;
}

/** The rows per place: a school's BRIN, or `board:<nummer>` for a board's own mandates. */
const placesOf = new WeakMap<readonly CheckRow[], Map<string, CheckRow[]>>();
function rowsByPlace(rows: readonly CheckRow[]): Map<string, CheckRow[]> {
  let places = placesOf.get(rows);
  if (!places) {
    places = new Map();
    for (const r of rows) {
      const place = r.brin ?? `board:${r.boardNummer}`;
      const list = places.get(place);
      if (list) list.push(r);
      else places.set(place, [r]);
    }
    placesOf.set(rows, places);
  }
  return places;
}

/** Only board staff (their own board) and support confirm; anyone else is refused before anything is read. */
function requireConfirmer(identity: Identity, board: string): void {
  if (identity.role === 'SUPPORT') return;
  if (identity.role === 'BOARD' && !identity.rights.includes('OSR_TOEGANG')) {
    throw userError('FORBIDDEN', 'Your account lacks the right OSR_TOEGANG, which confirming mandates needs');
  }
  if (boardStaff(identity) && canManageBoard(identity, board)) return;
  if (identity.role === 'BOARD') throw userError('FORBIDDEN', `Only staff of board ${board} with the right OSR_TOEGANG, or support, may confirm its mandates`);
  throw userError('FORBIDDEN', `Role ${identity.role} cannot confirm mandates; only board staff with OSR_TOEGANG and support can`);
}

/** Whose figures a caller sees: support, analysts (and services) all; board staff their own board's. */
export function checkScope(identity: Identity): { board: string | null } {
  if (identity.role === 'SUPPORT' || identity.role === 'ANALYST' || identity.role === 'SERVICE') return { board: null };
  if (boardStaff(identity)) return { board: identity.board };
  if (identity.role === 'BOARD') throw userError('FORBIDDEN', 'You may not see the mandate check figures: your account lacks the right OSR_TOEGANG');
  throw userError('FORBIDDEN', 'The mandate check figures are for support, analysts and boards (their own figures)');
}

function byPlace(a: MandateDocument, b: MandateDocument): number {
  const ka = [a.brin ?? '', a.serviceCode, a.startDate, a.id];
  const kb = [b.brin ?? '', b.serviceCode, b.startDate, b.id];
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
  return 0;
}

/** A slot's place in the open list: board-level slots (no school) first, then by school and service. */
function placeOfSlot(slotKey: string): string {
  return slotKey.startsWith('board:') ? `\u0000${slotKey.slice(slotKey.indexOf('|') + 1)}` : slotKey.slice('school:'.length);
}

export class MandateCheck {
  constructor(
    private readonly repositories: Pick<Repositories, 'catalogue' | 'mandates' | 'reads' | 'aggregates'>,
    private readonly store: MandateStore,
    private readonly organisations: OrganisationsApi,
    private readonly directory: SchoolDirectory,
    options: { now?: () => Date } = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  private readonly now: () => Date;

  /** Today in the Netherlands by this service's clock. */
  today(): string {
    return todayInNetherlands(this.now());
  }

  // ---- the board's view

  /**
   * One board's check of a school year: the mandates of the schools it holds now (`brins`,
   * from RIO through the gateway) and its board-level ones, due in the year; confirmed or open.
   * Access is checked by the caller (boardAccess) before this reads anything.
   *
   * The figures come from the check rows, without reading a mandate. The open mandates of a
   * page are read by slot (school + service, one indexed equality find each), only the slots
   * the page covers: the cost follows the page size, not the board's size.
   */
  async boardView(board: string, brins: readonly string[], year: SchoolYear, asOf: string): Promise<MandateCheckView> {
    const held = new Set(brins);
    const places = rowsByPlace(await this.rows());
    const mine = [...held, `board:${board}`].flatMap((place) => places.get(place) ?? []).filter((r) => dueIn(year, r));
    const checkOf = (r: CheckRow) => parseChecksKey(r.checks).find((c) => c.schoolYear === year.name && countsFor(c, board));
    // open mandates per slot, slots in list order (school, service); within a slot by start date and id
    const openBySlot = new Map<string, number>();
    let due = 0;
    let confirmed = 0;
    let lastDay: string | null = null;
    for (const r of mine) {
      due += r.count;
      const check = checkOf(r);
      if (check) {
        confirmed += r.count;
        if (lastDay === null || check.day > lastDay) lastDay = check.day;
      } else openBySlot.set(slotKeyOf(r), (openBySlot.get(slotKeyOf(r)) ?? 0) + r.count);
    }
    const slots = [...openBySlot].sort(([a], [b]) => (placeOfSlot(a) < placeOfSlot(b) ? -1 : placeOfSlot(a) > placeOfSlot(b) ? 1 : 0));
    const isOpen = (m: MandateDocument) => (m.brin === null ? m.boardNummer === board : held.has(m.brin)) && dueIn(year, m) && !yearCheckFor(m, year.name, board);
    const finished = due > 0 && confirmed === due;
    let last: Promise<YearCheckDocument | null> | null = null;
    return {
      board,
      year,
      asOf,
      due,
      confirmed,
      finished,
      openPage: async (from, size) => {
        const wanted: string[] = [];
        let position = 0;
        for (const [slot, count] of slots) {
          if (position + count > from && position < from + size) wanted.push(slot);
          position += count;
        }
        const skip = slots.slice(0, slots.findIndex(([slot]) => slot === wanted[0])).reduce((n, [, count]) => n + count, 0);
        const docs = await this.slotMandates(wanted);
        const open = wanted.flatMap((slot) => docs.filter((m) => m.slotKey === slot && isOpen(m)).sort(byPlace));
        return open.slice(from - skip, from - skip + size);
      },
      lastCheck: () => {
        last ??= (async () => {
          if (!finished) return null;
          const slotsOfLastDay = [...new Set(mine.filter((r) => checkOf(r)?.day === lastDay).map(slotKeyOf))];
          let latest: YearCheckDocument | null = null;
          for (const m of await this.slotMandates(slotsOfLastDay)) {
            const check = (m.brin === null ? m.boardNummer === board : held.has(m.brin)) && dueIn(year, m) ? yearCheckFor(m, year.name, board) : undefined;
            if (check && (!latest || check.at > latest.at)) latest = check;
          }
          return latest;
        })();
        return last;
      },
    };
  }

  /** The mandates of these slots: one equality find on the indexed slot key each, 16 at a time. */
  private slotMandates(slotKeys: readonly string[]): Promise<MandateDocument[]> {
    return this.repositories.mandates.mandatesOfSlots(slotKeys);
  }

  /** One mandate's state in a school year, for the board that holds its school now. */
  async mandateYearCheck(mandate: MandateDocument, year: SchoolYear, schoolBoards: (brin: string) => Promise<SchoolBoards | null>): Promise<MandateYearCheckView> {
    const holder = mandate.brin === null ? mandate.boardNummer : ((await schoolBoards(mandate.brin))?.board ?? mandate.boardNummer);
    const due = dueIn(year, mandate);
    const check = due ? (yearCheckFor(mandate, year.name, holder) ?? null) : null;
    return { mandate, schoolYear: year.name, due, check };
  }

  // ---- confirming

  /**
   * The board confirms these mandates for the school year (the current one; only it can be
   * confirmed). Each must be due in the year and belong to the board now: a school mandate of
   * a school the board holds now, or a board-level one it gave. Idempotent: a mandate already
   * confirmed for the year (also by a grant, change or switch in it) is left as it is.
   */
  async confirm(board: string, schoolYear: string | null | undefined, ids: readonly string[], identity: Identity): Promise<ConfirmationView> {
    const problem = bevoegdGezagNummerProblem(board);
    if (problem) throw invalidInput('board', board, problem);
    requireConfirmer(identity, board);
    const today = this.today();
    const current = schoolYearOfDay(today);
    const year = schoolYearOrCurrent(schoolYear, today);
    if (year.name !== current.name) {
      throw invalidInput('schoolYear', year.name, `only the current school year (${current.name}, ${current.start} to ${current.end}) can be confirmed`);
    }
    if (ids.length === 0 || ids.length > MAX_IDS) throw invalidInput('ids', ids.length, `give 1 to ${MAX_IDS} mandate ids`);
    const unique = [...new Set(ids)];
    for (const id of unique) if (id.length === 0 || id.length > MAX_ID_LENGTH) throw invalidInput('ids', id, `a mandate id is 1 to ${MAX_ID_LENGTH} characters`);

    // The board's schools now are asked beside the lookup by id, never by the mandates found:
    // a missing id and another board's cost the same work.
    const [found, schoolsNow] = await Promise.all([this.repositories.reads.findMandates(unique), this.organisations.schoolsOfBoard(board)]);
    const holderOf = (m: MandateDocument) => (m.brin === null ? m.boardNummer : (schoolsNow.get(m.brin)?.board ?? null));
    const missing = unique.filter((id) => !found.some((m) => m.id === id));
    const notConfirmable = found.filter((m) => holderOf(m) !== board || !dueIn(year, m)).map((m) => m.id);
    if (identity.role === 'SUPPORT') {
      if (missing.length) throw userError('NOT_FOUND', `Mandates do not exist: ${missing.join(', ')}`);
      if (notConfirmable.length) {
        throw userError('BAD_USER_INPUT', `These mandates are not board ${board}'s now or not due in ${year.name}: ${notConfirmable.join(', ')}`, { field: 'ids', value: notConfirmable });
      }
    } else {
      // missing, another board's and not due answer alike
      const refused = unique.filter((id) => missing.includes(id) || notConfirmable.includes(id));
      if (refused.length) throw userError('FORBIDDEN', `These mandates do not exist or you may not confirm them for ${year.name}: ${refused.join(', ')}`);
    }

    const actor = actorOf(identity);
    const at = this.now();
    let newlyConfirmed = 0;
    for (const slotKey of [...new Set(found.map((m) => m.slotKey))]) {
      const inSlot = new Set(found.filter((m) => m.slotKey === slotKey).map((m) => m.id));
      const changed = await this.store.change(
        slotKey,
        (state) =>
          state.mandates
            .filter((m) => inSlot.has(m.id) && dueIn(year, m) && !yearCheckFor(m, year.name, board))
            .map((m) => ({
              mandateId: m.id,
              action: 'CONFIRMED' as const,
              schoolYear: year.name,
              before: m,
              // a confirmation is a review: it clears the review flags like markMandatesReviewed
              after: withYearCheck(
                { ...m, lastReviewedAt: at, lastReviewedBy: identity.name, reviewReasons: [], reviewBoards: [], version: m.version + 1, updatedAt: at },
                { schoolYear: year.name, kind: 'CONFIRMED', at, by: identity.name, byRole: identity.role, board },
              ),
            })),
        actor,
        { now: () => at },
      );
      newlyConfirmed += changed.length;
    }
    const stored = await this.repositories.reads.findMandates(unique);
    return { schoolYear: year.name, mandates: unique.flatMap((id) => stored.filter((m) => m.id === id)), newlyConfirmed };
  }

  // ---- the progress (support, analysts; a board its own figures)

  /** The rows of every school year. */
  private rows(): Promise<CheckRow[]> {
    return this.repositories.aggregates.checkRows();
  }

  /**
   * Every due mandate group of the year with the board that holds it now and the day it was
   * confirmed (null: open). The school's board and sector come from the school directory
   * (organisations, kept under its own change mark); a school the register does not know stays
   * with the board that gave the mandate.
   */
  private async dueRows(year: SchoolYear, board: string | null) {
    const [rows, schools] = await Promise.all([this.rows(), this.directory.schools(null)]);
    const school = new Map(schools.map((s) => [s.brin, s]));
    const due: { row: CheckRow; holder: string; confirmedOn: string | null; sector: Sector | null; swvs: string[] }[] = [];
    for (const row of rows) {
      if (row.count <= 0 || !dueIn(year, row)) continue;
      const s = row.brin === null ? undefined : school.get(row.brin);
      const holder = s?.board ?? row.boardNummer;
      if (board !== null && holder !== board) continue;
      const check = parseChecksKey(row.checks).find((c) => c.schoolYear === year.name && countsFor(c, holder));
      due.push({ row, holder, confirmedOn: check?.day ?? null, sector: s?.sector ?? null, swvs: s?.swvs ?? [] });
    }
    return due;
  }

  async progress(scope: { board: string | null }, year: SchoolYear, groupBy: MandateCheckDimension | null): Promise<CheckProgressView> {
    const [due, supplierOf] = await Promise.all([this.dueRows(year, scope.board), groupBy === 'SUPPLIER' ? this.supplierOfSystems() : Promise.resolve(new Map<string, string>())]);
    const tally = (items: typeof due) => {
      const boards = new Map<string, CheckBoardRow>();
      for (const { row, holder, confirmedOn } of items) {
        const b = boards.get(holder) ?? { board: holder, mandatesDue: 0, mandatesConfirmed: 0, finishedOn: null };
        b.mandatesDue += row.count;
        if (confirmedOn !== null) {
          b.mandatesConfirmed += row.count;
          if (b.finishedOn === null || confirmedOn > b.finishedOn) b.finishedOn = confirmedOn;
        }
        boards.set(holder, b);
      }
      const list = [...boards.values()].map((b) => ({ ...b, finishedOn: b.mandatesConfirmed === b.mandatesDue ? b.finishedOn : null }));
      const figures: CheckFigures = {
        boardsDue: list.length,
        boardsFinished: list.filter((b) => b.finishedOn !== null).length,
        mandatesDue: list.reduce((n, b) => n + b.mandatesDue, 0),
        mandatesConfirmed: list.reduce((n, b) => n + b.mandatesConfirmed, 0),
      };
      return { figures, list };
    };
    const total = tally(due);
    const groups: CheckGroupRow[] = [];
    if (groupBy) {
      const byKey = new Map<string | null, typeof due>();
      for (const item of due) {
        const keys = groupBy === 'SECTOR' ? [item.sector] : groupBy === 'SUPPLIER' ? [supplierOf.get(item.row.systemId) ?? null] : item.swvs;
        for (const k of keys) {
          const list = byKey.get(k);
          // (in place: copying the group for every item was quadratic, seconds on the national set)
          if (list) list.push(item);
          else byKey.set(k, [item]);
        }
      }
      for (const [k, items] of byKey) {
        groups.push({ sector: groupBy === 'SECTOR' ? (k as Sector | null) : null, supplier: groupBy === 'SUPPLIER' ? k : null, swv: groupBy === 'SWV' ? k : null, ...tally(items).figures });
      }
      const open = (g: CheckFigures) => g.mandatesDue - g.mandatesConfirmed;
      groups.sort((a, b) => open(b) - open(a) || ((a.sector ?? a.supplier ?? a.swv ?? '') < (b.sector ?? b.supplier ?? b.swv ?? '') ? -1 : 1));
    }
    const boards = total.list.sort(
      (a, b) => b.mandatesDue - b.mandatesConfirmed - (a.mandatesDue - a.mandatesConfirmed) || (a.board < b.board ? -1 : a.board > b.board ? 1 : 0),
    );
    return { year, ...total.figures, groups, boards };
  }

  /** The figures at the end of each day from 1 August to today (or the year's end), as the register knows them now. */
  async series(scope: { board: string | null }, year: SchoolYear): Promise<CheckDayRow[]> {
    const days = daysOfYear(year, this.today());
    if (days.length === 0) return [];
    const due = await this.dueRows(year, scope.board);
    const confirmedOn = new Map<string, number>();
    const boards = new Map<string, { open: number; last: string }>();
    let mandatesDue = 0;
    for (const { row, holder, confirmedOn: day } of due) {
      mandatesDue += row.count;
      const b = boards.get(holder) ?? { open: 0, last: year.start };
      if (day === null) b.open += row.count;
      else {
        confirmedOn.set(day, (confirmedOn.get(day) ?? 0) + row.count);
        if (day > b.last) b.last = day;
      }
      boards.set(holder, b);
    }
    const finishedOn = new Map<string, number>();
    for (const b of boards.values()) if (b.open === 0) finishedOn.set(b.last, (finishedOn.get(b.last) ?? 0) + 1);
    let confirmed = 0;
    let finished = 0;
    return days.map((date) => {
      confirmed += confirmedOn.get(date) ?? 0;
      finished += finishedOn.get(date) ?? 0;
      return { date, mandatesDue, mandatesConfirmed: confirmed, boardsDue: boards.size, boardsFinished: finished };
    });
  }

  private supplierOfSystems(): Promise<Map<string, string>> {
    return this.repositories.catalogue.supplierOfSystems();
  }

}

