/**
 * Aggregates over the mandates (issue 10). Every count is made in the database with the
 * portable aggregation subset ($match, $group with $sum): the subgraph receives one row per
 * group, never the mandates. Questions that need organisation data (sector, board of
 * a school, SWV) join those small results in memory with the school directory, which comes
 * from the organisations subgraph's API (school-directory.ts).
 */
import type { Collection, Filter } from 'mongodb';
import type { Logger } from '@osr/common';
import { userError, type Identity } from '@osr/common';
import { readsAll } from './access.js';
import type { AanleverpuntDocument, MandateDocument, MandateOrigin, ServiceCode, SystemDocument } from './documents.js';
import { ResultCache } from './analytics-cache.js';
import type { SchoolDirectory, DirectorySchool, Sector } from './school-directory.js';
import { mandateStatus, type MandateStatus } from './status.js';

export type MandateDimension = 'SERVICE' | 'STATUS' | 'SYSTEM' | 'SUPPLIER' | 'ORIGIN' | 'BOARD' | 'SECTOR';
export type CoverageDimension = 'BOARD' | 'SECTOR' | 'SWV';

/** One row of mandateCounts (the parent of MandateCount). */
export interface MandateCountRow {
  service: ServiceCode | null;
  status: MandateStatus | null;
  /** system id */
  system: string | null;
  /** supplier OIN */
  supplier: string | null;
  origin: MandateOrigin | null;
  /** bevoegd gezag nummer */
  board: string | null;
  sector: Sector | null;
  count: number;
}

export interface MandateMonthRow {
  month: string;
  date: string;
  service: ServiceCode;
  active: number;
}

/** One group of mandateCoverage (the parent of CoverageGroup). */
export interface CoverageGroupView {
  board: string | null;
  sector: Sector | null;
  swv: string | null;
  schools: number;
  covered: number;
  uncovered: number;
  uncoveredWithInactiveAanleverpunt: number;
  /** ordered by BRIN */
  uncoveredBrins: string[];
}

export interface CoverageView {
  service: ServiceCode;
  asOf: string;
  schools: number;
  covered: number;
  uncovered: number;
  uncoveredWithInactiveAanleverpunt: number;
  groups: CoverageGroupView[];
}

/** Whose figures a caller sees: all (national) or one board's. */
export type AnalyticsScope = { board: string | null };

/**
 * Support, analysts (and services) see national figures; a board user with OSR_TOEGANG sees
 * its own board's figures only: the filter is applied automatically, so the same query works
 * for both. Everyone else is refused.
 */
export function analyticsScope(identity: Identity, what: string): AnalyticsScope {
  if (readsAll(identity)) return { board: null };
  if (identity.role === 'BOARD' && identity.board && identity.rights.includes('OSR_TOEGANG')) return { board: identity.board };
  if (identity.role === 'BOARD') throw userError('FORBIDDEN', `You may not see ${what}: your account lacks the right OSR_TOEGANG`);
  throw userError('FORBIDDEN', `${what} are for support, analysts and boards (their own figures)`);
}

/** The last day of a month, YYYY-MM-DD. */
function monthEnd(year: number, month: number): string {
  return new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
}

export const MAX_SERIES_MONTHS = 120;

/** The days mandateCountSeries counts: each month end from `from`'s month to `to`'s, the last one capped at `to`. */
export function seriesDays(from: string, to: string): { month: string; date: string }[] {
  let year = Number(from.slice(0, 4));
  let month = Number(from.slice(5, 7));
  const days: { month: string; date: string }[] = [];
  for (;;) {
    const label = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
    if (label > to.slice(0, 7)) break;
    const end = monthEnd(year, month);
    days.push({ month: label, date: end < to ? end : to });
    month++;
    if (month > 12) {
      month = 1;
      year++;
    }
  }
  return days;
}

/** The dimension's field in a mandate document, as a $group key. */
const GROUP_FIELD: Partial<Record<MandateDimension, string>> = {
  SERVICE: '$serviceCode',
  SYSTEM: '$systemId',
  // SUPPLIER is derived from the system (few systems, mapped in memory)
  SUPPLIER: '$systemId',
  ORIGIN: '$origin',
  BOARD: '$boardNummer',
  // SECTOR is derived from the school (mapped in memory with the school directory)
  SECTOR: '$brin',
};

interface GroupRow {
  _id: { startDate: string; endDate?: string | null; serviceCode?: ServiceCode; systemId?: string; origin?: MandateOrigin; boardNummer?: string; brin?: string | null };
  count: number;
}

/** The mandate fields a grouping query can group by (besides the dates it always groups by). */
type GroupField = 'serviceCode' | 'systemId' | 'origin' | 'boardNummer' | 'brin';

/** The national query: few groups (services × systems × origins × periods). */
const NATIONAL_FIELDS: readonly GroupField[] = ['origin', 'serviceCode', 'systemId'];
/** The per-school query of one service: about one group per school. */
const PER_SCHOOL_FIELDS: readonly GroupField[] = ['boardNummer', 'brin', 'origin', 'systemId'];
/** The services whose questions (coverage above all) are answered from per-school rows. */
const PER_SCHOOL_SERVICES: readonly ServiceCode[] = ['OSO_OV', 'OSO_SWV'];

export class MandateAnalytics {
  /** Group rows of the aggregations, kept while no mandate or aanleverpunt changed. */
  readonly cache: ResultCache;

  constructor(
    private readonly mandates: Collection<MandateDocument>,
    private readonly aanleverpunten: Collection<AanleverpuntDocument>,
    private readonly systems: Collection<SystemDocument>,
    readonly directory: SchoolDirectory,
    /** the mandates' change-mark token (MandatesRepository.mark) */
    readToken: () => Promise<string>,
    options: { logger?: Logger; now?: () => number } = {},
  ) {
    this.cache = new ResultCache(readToken, { name: 'mandate aggregates', ...options });
  }

  /**
   * Registers the queries most questions need, so that the background refresh computes them
   * before the first question (see `rowsFor`): the national query per service, system and
   * origin; the per-school query of each OSO service; the inactive aanleverpunten.
   */
  keepWarm(): void {
    const warm = (key: string, compute: () => Promise<unknown>) => this.cache.keepWarm(key, compute);
    warm(...this.groupQuery(null, null, NATIONAL_FIELDS));
    for (const service of PER_SCHOOL_SERVICES) warm(...this.groupQuery(null, [service], PER_SCHOOL_FIELDS));
    for (const kind of ['OV', 'SWV'] as const) warm(...this.inactiveQuery(kind));
  }

  /**
   * The group rows that answer a question about these services, within the scope, by these
   * fields (plus the service and the dates, always present in the rows returned). Three ways,
   * the first that fits:
   * 1. Only OSO services asked: the per-school rows of each (brin, board, system, origin and
   *    dates: about one row per school) answer every dimension and every board's scope in
   *    memory. Coverage needs these rows anyway, so OSO questions share one query per service.
   * 2. National figures without BOARD or SECTOR: the national rows per service, system and
   *    origin (a few hundred rows) answer them, for any selection of services.
   * 3. Otherwise a query of its own (BOARD or SECTOR over other services, a board's figures
   *    over other services), cached like the others.
   * The point is FerretDB's $group: it compares every document with every group found so far
   * (linear search), so its cost grows with documents × groups. Few, shared queries with few
   * groups keep that down; on MongoDB each is milliseconds either way.
   */
  private async rowsFor(board: string | null, services: readonly ServiceCode[] | null, fields: readonly GroupField[]): Promise<GroupRow[]> {
    const wanted = services ? [...new Set(services)].sort() : null;
    if (wanted && wanted.every((s) => PER_SCHOOL_SERVICES.includes(s))) {
      const perService = await Promise.all(
        wanted.map(async (service) => (await this.groups(null, [service], PER_SCHOOL_FIELDS)).map((r) => ({ ...r, _id: { ...r._id, serviceCode: service } }))),
      );
      const rows = perService.flat();
      return board ? rows.filter((r) => r._id.boardNummer === board) : rows;
    }
    if (!board && fields.every((f) => NATIONAL_FIELDS.includes(f))) {
      const rows = await this.groups(null, null, NATIONAL_FIELDS);
      return wanted ? rows.filter((r) => r._id.serviceCode !== undefined && wanted.includes(r._id.serviceCode)) : rows;
    }
    return this.groups(board, wanted, [...new Set<GroupField>([...fields, 'serviceCode'])]);
  }

  /**
   * Mandates grouped by the fields and their start and end dates, within the scope and
   * services: one aggregation (cached). The same key for the same question, whatever asOf.
   */
  private groupQuery(board: string | null, services: readonly ServiceCode[] | null, fields: readonly GroupField[]): [string, () => Promise<GroupRow[]>] {
    const sortedFields = [...new Set(fields)].sort();
    const sortedServices = services ? [...new Set(services)].sort() : null;
    const key = JSON.stringify({ q: 'mandates', board, services: sortedServices, fields: sortedFields });
    const id: Record<string, string> = { startDate: '$startDate', endDate: '$endDate' };
    for (const f of sortedFields) id[f] = `$${f}`;
    const and: Filter<MandateDocument>[] = [];
    if (board) and.push({ boardNummer: board });
    if (sortedServices) and.push({ serviceCode: { $in: sortedServices } });
    const pipeline = [...(and.length ? [{ $match: { $and: and } }] : []), { $group: { _id: id, count: { $sum: 1 } } }];
    return [key, () => this.mandates.aggregate<GroupRow>(pipeline).toArray()];
  }

  private groups(board: string | null, services: readonly ServiceCode[] | null, fields: readonly GroupField[]): Promise<GroupRow[]> {
    return this.cache.get(...this.groupQuery(board, services, fields));
  }

  /** The BRINs with an inactive aanleverpunt of the kind (cached). */
  private inactiveQuery(kind: 'OV' | 'SWV'): [string, () => Promise<string[]>] {
    return [
      JSON.stringify({ q: 'inactive aanleverpunten', kind }),
      async () => {
        const rows = await this.aanleverpunten.aggregate<{ _id: string }>([{ $match: { kind, active: false } }, { $group: { _id: '$brin', count: { $sum: 1 } } }]).toArray();
        return rows.map((r) => r._id);
      },
    ];
  }

  /**
   * One aggregation: the mandates grouped by the requested dimensions plus their start and end
   * dates; the status on asOf follows from the dates of each group, in memory. (Three
   * aggregations, one $match per status, give the same rows, but FerretDB reads the whole
   * collection for each of them: measured, one pass is three times cheaper. The groups per
   * date pair stay few: the migration gave most mandates the same dates.)
   */
  async counts(scope: AnalyticsScope, asOf: string, services: readonly ServiceCode[] | null, groupBy: readonly MandateDimension[]): Promise<MandateCountRow[]> {
    const dims = [...new Set(groupBy)];
    const fields = dims.map((d) => GROUP_FIELD[d]).filter((f): f is string => f !== undefined).map((f) => f.slice(1) as GroupField);
    const [groups, supplierOf, sectorOf] = await Promise.all([
      this.rowsFor(scope.board, services, fields),
      dims.includes('SUPPLIER') ? this.supplierOfSystems() : Promise.resolve(new Map<string, string>()),
      dims.includes('SECTOR') ? this.sectorOfSchools() : Promise.resolve(new Map<string, Sector>()),
    ]);
    const merged = new Map<string, MandateCountRow>();
    for (const group of groups) {
      const id = group._id;
      const row: MandateCountRow = {
        service: dims.includes('SERVICE') ? (id.serviceCode ?? null) : null,
        status: dims.includes('STATUS') ? mandateStatus({ startDate: id.startDate, endDate: id.endDate ?? null }, asOf) : null,
        system: dims.includes('SYSTEM') ? (id.systemId ?? null) : null,
        supplier: dims.includes('SUPPLIER') ? (supplierOf.get(id.systemId ?? '') ?? null) : null,
        origin: dims.includes('ORIGIN') ? (id.origin ?? null) : null,
        board: dims.includes('BOARD') ? (id.boardNummer ?? null) : null,
        sector: dims.includes('SECTOR') ? (sectorOf.get(id.brin ?? '') ?? null) : null,
        count: group.count,
      };
      // Groups that differ only in what is not shown (dates of one status, systems of one
      // supplier, schools of one sector) add up.
      const k = JSON.stringify([row.service, row.status, row.system, row.supplier, row.origin, row.board, row.sector]);
      const seen = merged.get(k);
      if (seen) seen.count += row.count;
      else merged.set(k, row);
    }
    const order = (r: MandateCountRow) => [r.service, r.status, r.system, r.supplier, r.origin, r.board, r.sector].map((v) => v ?? '').join('\u0000');
    return [...merged.values()].sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  }

  /**
   * Active mandates per service at each month end. One aggregation groups the mandates by
   * (service, start date, end date): a few hundred distinct periods at national scale, since
   * the migration gave most mandates the same start; each month end then sums the periods
   * that cover it. Start and end dates are what the history recorded last for each mandate
   * (ended mandates are kept), not today's status.
   */
  async series(scope: AnalyticsScope, from: string, to: string, services: readonly ServiceCode[] | null): Promise<MandateMonthRow[]> {
    const days = seriesDays(from, to);
    const last = days[days.length - 1];
    if (!last) return [];
    const first = days[0]?.date ?? from;
    // Every period of the services (cached, the same rows for every series), then only those
    // that overlap the series.
    const periods = (await this.rowsFor(scope.board, services, ['serviceCode'])).filter(
      (p) => p._id.startDate <= last.date && (p._id.endDate === null || p._id.endDate === undefined || p._id.endDate >= first),
    ) as { _id: { serviceCode: ServiceCode; startDate: string; endDate?: string | null }; count: number }[];
    const serviceList = services ? [...new Set(services)].sort() : [...new Set(periods.map((p) => p._id.serviceCode))].sort();
    const rows: MandateMonthRow[] = [];
    for (const day of days) {
      for (const service of serviceList) {
        let active = 0;
        for (const p of periods) {
          const { serviceCode, startDate, endDate } = p._id;
          if (serviceCode === service && startDate <= day.date && (endDate === null || endDate === undefined || endDate >= day.date)) active += p.count;
        }
        rows.push({ month: day.month, date: day.date, service, active });
      }
    }
    return rows;
  }

  /**
   * Coverage gaps. The schools (sector, board, SWVs) come from the organisations subgraph
   * (cached, see school-directory.ts); the schools with an active mandate and those with an
   * inactive aanleverpunt are one aggregation each here; the join is in memory.
   */
  async coverage(scope: AnalyticsScope, service: ServiceCode, asOf: string, groupBy: CoverageDimension | null): Promise<CoverageView> {
    const kind = service === 'OSO_SWV' ? 'SWV' : service === 'OSO_OV' ? 'OV' : null;
    const [allSchools, periods, inactiveBrins] = await Promise.all([
      this.directory.schools(asOf),
      // the schools' mandates of the service per period (cached, the same rows for every date)
      this.rowsFor(null, [service], ['brin']),
      kind ? this.cache.get(...this.inactiveQuery(kind)) : Promise.resolve([] as string[]),
    ]);
    const covered = new Set<string>();
    for (const p of periods) {
      const { brin, startDate, endDate } = p._id;
      if (brin && mandateStatus({ startDate, endDate: endDate ?? null }, asOf) === 'ACTIVE') covered.add(brin);
    }
    const inactive = new Set(inactiveBrins);
    const schools = scope.board ? allSchools.filter((s) => s.board === scope.board) : allSchools;

    const { uncoveredBrins: _all, ...total } = tally(schools, covered, inactive);
    const groups: CoverageGroupView[] = [];
    if (groupBy) {
      const byKey = new Map<string, DirectorySchool[]>();
      for (const school of schools) {
        const keys = groupBy === 'BOARD' ? [school.board] : groupBy === 'SECTOR' ? [school.sector] : school.swvs;
        for (const k of keys) {
          const list = byKey.get(k);
          if (list) list.push(school);
          else byKey.set(k, [school]);
        }
      }
      for (const [k, list] of byKey) {
        groups.push({
          board: groupBy === 'BOARD' ? k : null,
          sector: groupBy === 'SECTOR' ? (k as Sector) : null,
          swv: groupBy === 'SWV' ? k : null,
          ...tally(list, covered, inactive),
        });
      }
      groups.sort((a, b) => b.uncovered - a.uncovered || ((a.board ?? a.sector ?? a.swv ?? '') < (b.board ?? b.sector ?? b.swv ?? '') ? -1 : 1));
    }
    return { service, asOf, ...total, groups };
  }

  private async supplierOfSystems(): Promise<Map<string, string>> {
    const systems = await this.systems.find({}, { projection: { _id: 0, id: 1, supplierOin: 1 } }).toArray();
    return new Map(systems.map((s) => [s.id, s.supplierOin]));
  }

  private async sectorOfSchools(): Promise<Map<string, Sector>> {
    const schools = await this.directory.schools(null);
    return new Map(schools.map((s) => [s.brin, s.sector]));
  }
}

function tally(schools: readonly DirectorySchool[], covered: ReadonlySet<string>, inactive: ReadonlySet<string>) {
  const uncovered = schools.filter((s) => !covered.has(s.brin)).map((s) => s.brin).sort();
  return {
    schools: schools.length,
    covered: schools.length - uncovered.length,
    uncovered: uncovered.length,
    uncoveredWithInactiveAanleverpunt: uncovered.filter((b) => inactive.has(b)).length,
    uncoveredBrins: uncovered,
  };
}
