/**
 * Aggregates over the mandates (docs/analytics.md): who may see which figures, which counts
 * answer a question, and the statuses, series and coverage that follow from them. The counts
 * are the repositories' aggregate reads (repositories/aggregates.ts: one `$group` each, or a
 * read model's kept results): the subgraph receives one row per group, never the mandates.
 * Questions that need organisation data (sector, board of a school, SWV) join those small
 * results in memory with the school directory, which comes from the organisations
 * subgraph's API (school-directory.ts).
 */
import { userError, type Identity } from '@osr/common';
import { readsAll } from './access.js';
import type { MandateOrigin, ServiceCode } from './documents.js';
import type { CountField, CountQuery, CountRow, MandateAggregates, MandateMatch } from './repositories/aggregates.js';
import type { CatalogueRepository } from './repositories/catalogue.js';
import type { SchoolDirectory, DirectorySchool, Sector } from './school-directory.js';
import { lastDayOfMonth } from './series-keys.js';
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

/** A group of a count that groups by the dates (every mandate has a start date). */
interface DatedRow extends CountRow {
  _id: CountRow['_id'] & { startDate: string; endDate: string | null };
}

/** A group with its status on a date (status null when the question has no STATUS). */
interface StatusRow extends CountRow {
  status: MandateStatus | null;
}

/** The mandate fields a question can group by (besides the dates). */
type GroupField = 'serviceCode' | 'systemId' | 'origin' | 'boardNummer' | 'brin';

const groupKey = (id: CountRow['_id'], fields: readonly CountField[]) => JSON.stringify(fields.map((f) => id[f] ?? null));

/** Today's national figures kept warm: per service, system and origin (few groups). */
const NATIONAL_FIELDS: readonly GroupField[] = ['origin', 'serviceCode', 'systemId'];
/** The services whose questions (coverage above all) are answered from per-school rows. */
const PER_SCHOOL_SERVICES: readonly ServiceCode[] = ['OSO_OV', 'OSO_SWV'];

/** Rows grouped with their dates, each with its status on asOf (null: status not asked). */
function withStatus(rows: readonly DatedRow[], asOf: string | null): StatusRow[] {
  return rows.map((r) => ({ _id: r._id, status: asOf === null ? null : mandateStatus(r._id, asOf), count: r.count }));
}

export class MandateAnalytics {
  constructor(
    /** the counts of mandates (repositories/aggregates.ts): the database's, or a read model's */
    private readonly aggregates: MandateAggregates,
    private readonly catalogue: Pick<CatalogueRepository, 'supplierOfSystems'>,
    readonly directory: SchoolDirectory,
  ) {}

  private count(query: CountQuery): Promise<CountRow[]> {
    return this.aggregates.countMandates(query.fields, query.match);
  }

  /**
   * The counts most questions need, for a read model to keep up to date before they are
   * asked: today's national figures per service, system, origin and status; the month keys
   * of every service (every national month series); the per-school rows of each OSO service
   * (coverage and every OSO question). "Today" moves on at midnight.
   */
  commonCounts(today: string): CountQuery[] {
    return [...this.statusPasses(null, null, NATIONAL_FIELDS, today), ...this.monthQueries(null), ...PER_SCHOOL_SERVICES.map((service) => this.schoolQuery(service))];
  }

  /*
   * Which count answers which question is chosen so that each is cheap for a database that
   * reads every document for an aggregation and whose `$group` compares every document with
   * every group found so far (FerretDB): few groups per count. So:
   * - questions about OSO services only use the per-school rows of each OSO service (one row
   *   per school and mandate period); coverage needs them anyway, and every dimension, a
   *   board's scope and the status on any date follow from them in memory;
   * - other national counts group by exactly the requested dimensions (few groups), without
   *   dates (exact dates would make nearly every mandate a group of its own): all mandates,
   *   and PLANNED and ENDED on asOf; ACTIVE is the rest (statusCounts);
   * - a board's own figures group its few mandates with their dates: one count for every date;
   * - other month series count by the month keys stored in every mandate (series-keys.ts):
   *   two counts with one string key each (services × months groups).
   * On MongoDB every one of these is a hash aggregation answered at once.
   */

  /** The per-school rows of one OSO service: brin, board, system, origin and dates. */
  private schoolQuery(service: ServiceCode): CountQuery {
    return { fields: ['serviceCode', 'startDate', 'endDate', 'brin', 'boardNummer', 'systemId', 'origin'], match: { services: [service] } };
  }

  private async schoolRows(board: string | null, services: readonly ServiceCode[]): Promise<DatedRow[]> {
    const perService = await Promise.all([...new Set(services)].map((service) => this.count(this.schoolQuery(service))));
    const rows = perService.flat() as DatedRow[];
    return board ? rows.filter((r) => r._id.boardNummer === board) : rows;
  }

  /**
   * The counts of mandates by the fields within the scope and services: all of them (every
   * date), and when asOf is given those PLANNED on it and those ENDED before it.
   */
  private statusPasses(board: string | null, services: readonly ServiceCode[] | null, fields: readonly GroupField[], asOf: string | null): CountQuery[] {
    const match: MandateMatch = { board, services };
    const all = { fields, match };
    if (asOf === null) return [all];
    return [all, { fields, match: { ...match, startsAfter: asOf } }, { fields, match: { ...match, endedBefore: asOf } }];
  }

  /**
   * Mandates grouped by the fields within the scope and services: all of them when asOf is
   * null (status not asked), else per status on asOf: PLANNED and ENDED are a count each,
   * ACTIVE is all − PLANNED − ENDED ("all" does not depend on the date, so another date
   * costs two counts).
   */
  private async statusCounts(board: string | null, services: readonly ServiceCode[] | null, fields: readonly GroupField[], asOf: string | null): Promise<StatusRow[]> {
    const [all = [], planned = [], ended = []] = await Promise.all(this.statusPasses(board, services, fields, asOf).map((q) => this.count(q)));
    if (asOf === null) return all.map((r) => ({ ...r, status: null }));
    const active = new Map(all.map((r) => [groupKey(r._id, fields), { _id: r._id, status: 'ACTIVE' as MandateStatus, count: r.count }]));
    for (const r of [...planned, ...ended]) {
      const row = active.get(groupKey(r._id, fields));
      if (row) row.count -= r.count;
    }
    return [
      ...planned.map((r) => ({ ...r, status: 'PLANNED' as MandateStatus })),
      ...[...active.values()].filter((r) => r.count > 0),
      ...ended.map((r) => ({ ...r, status: 'ENDED' as MandateStatus })),
    ];
  }

  /**
   * Counts of other services within the scope by the fields, per status on asOf when asked.
   * National questions by service, system, origin (or fewer) share the counts by all three,
   * kept warm for today: the rows are added up by what is asked, and services filtered, here.
   */
  private async statusRows(board: string | null, services: readonly ServiceCode[] | null, fields: readonly GroupField[], asOf: string | null): Promise<StatusRow[]> {
    if (board !== null) {
      // A board's own mandates are few (at most some hundreds): grouping them with their dates
      // stays cheap, so one count answers every date and the status follows in memory.
      return withStatus((await this.count({ fields: ['startDate', 'endDate', ...fields], match: { board, services } })) as DatedRow[], asOf);
    }
    if (fields.every((f) => NATIONAL_FIELDS.includes(f))) {
      const rows = await this.statusCounts(null, null, NATIONAL_FIELDS, asOf);
      return services ? rows.filter((r) => r._id.serviceCode != null && services.includes(r._id.serviceCode as ServiceCode)) : rows;
    }
    return this.statusCounts(null, services, fields, asOf);
  }

  /** Mandates per month key (series-keys.ts) within the scope, all services: a count per key. */
  private monthQueries(board: string | null): [CountQuery, CountQuery] {
    return [
      { fields: ['seriesStart'], match: { board } },
      { fields: ['seriesEnd'], match: { board } },
    ];
  }

  /**
   * Counts of mandates. Questions about OSO services only are answered from their per-school
   * rows (status from each row's dates); others from the status passes.
   */
  async counts(scope: AnalyticsScope, asOf: string, services: readonly ServiceCode[] | null, groupBy: readonly MandateDimension[]): Promise<MandateCountRow[]> {
    const dims = [...new Set(groupBy)];
    const fields = dims.map((d) => GROUP_FIELD[d]).filter((f): f is string => f !== undefined).map((f) => f.slice(1) as GroupField);
    const osoOnly = services !== null && services.length > 0 && services.every((s) => PER_SCHOOL_SERVICES.includes(s));
    const [groups, supplierOf, sectorOf] = await Promise.all([
      osoOnly
        ? this.schoolRows(scope.board, services).then((rows) => withStatus(rows, dims.includes('STATUS') ? asOf : null))
        : this.statusRows(scope.board, services, fields, dims.includes('STATUS') ? asOf : null),
      dims.includes('SUPPLIER') ? this.supplierOfSystems() : Promise.resolve(new Map<string, string>()),
      dims.includes('SECTOR') ? this.sectorOfSchools() : Promise.resolve(new Map<string, Sector>()),
    ]);
    const merged = new Map<string, MandateCountRow>();
    for (const group of groups) {
      const id = group._id;
      const row: MandateCountRow = {
        service: dims.includes('SERVICE') ? ((id.serviceCode ?? null) as ServiceCode | null) : null,
        status: dims.includes('STATUS') ? group.status : null,
        system: dims.includes('SYSTEM') ? (id.systemId ?? null) : null,
        supplier: dims.includes('SUPPLIER') ? (supplierOf.get(id.systemId ?? '') ?? null) : null,
        origin: dims.includes('ORIGIN') ? ((id.origin ?? null) as MandateOrigin | null) : null,
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
   * Active mandates per service at each month end (the last month on `to` when that is
   * earlier). Start and end dates are what the history recorded last for each mandate (ended
   * mandates are kept), not today's status. OSO-only series sum the per-school rows whose dates
   * cover each day; others use the month keys: active at the end of M = started by M − no
   * longer counted by M; a last day that is not a month end is one status pass on that day.
   */
  async series(scope: AnalyticsScope, from: string, to: string, services: readonly ServiceCode[] | null): Promise<MandateMonthRow[]> {
    const days = seriesDays(from, to);
    const last = days[days.length - 1];
    const first = days[0];
    if (!last || !first) return [];
    const osoOnly = services !== null && services.length > 0 && services.every((s) => PER_SCHOOL_SERVICES.includes(s));
    const rows: MandateMonthRow[] = [];
    if (osoOnly) {
      const periods = (await this.schoolRows(scope.board, services)).filter(
        (p) => p._id.startDate <= last.date && (p._id.endDate === null || p._id.endDate === undefined || p._id.endDate >= first.date),
      );
      for (const day of days) {
        for (const service of [...new Set(services)].sort()) {
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
    const [startQuery, endQuery] = this.monthQueries(scope.board);
    // one after the other: each reads the whole collection on FerretDB
    const byKey = (rows: readonly CountRow[], field: 'seriesStart' | 'seriesEnd') =>
      new Map(rows.filter((r) => r._id[field] != null).map((r) => [r._id[field] as string, r.count]));
    const starts = byKey(await this.count(startQuery), 'seriesStart');
    const ends = byKey(await this.count(endQuery), 'seriesEnd');
    const partialDay = last.date === lastDayOfMonth(last.date) ? null : last.date;
    const onPartialDay = partialDay
      ? await this.statusRows(scope.board, null, ['serviceCode'], partialDay)
      : [];
    const byService = (keys: Map<string, number>) => {
      const map = new Map<string, { month: string; count: number }[]>();
      for (const [key, count] of keys) {
        const [service, month] = key.split('|') as [string, string];
        map.set(service, [...(map.get(service) ?? []), { month, count }]);
      }
      return map;
    };
    const startsOf = byService(starts);
    const endsOf = byService(ends);
    // Services with a mandate that counts in the months of the series (or none asked for).
    const serviceList = services
      ? [...new Set(services)].sort()
      : [...startsOf.keys()].filter((service) => days.some((d) => activeAtMonthEnd(service, d.month) > 0) || (partialDay !== null && onPartialDay.some((r) => r._id.serviceCode === service && r.status === 'ACTIVE'))).sort();
    function activeAtMonthEnd(service: string, month: string): number {
      const upTo = (list: { month: string; count: number }[] | undefined) => (list ?? []).filter((e) => e.month <= month).reduce((sum, e) => sum + e.count, 0);
      return upTo(startsOf.get(service)) - upTo(endsOf.get(service));
    }
    for (const day of days) {
      for (const service of serviceList) {
        const active =
          day.date === partialDay
            ? onPartialDay.filter((r) => r._id.serviceCode === service && r.status === 'ACTIVE').reduce((sum, r) => sum + r.count, 0)
            : activeAtMonthEnd(service, day.month);
        rows.push({ month: day.month, date: day.date, service: service as ServiceCode, active });
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
      // the per-school rows of the service (for a non-OSO service a query of its own, cached too)
      this.schoolRows(null, [service]),
      kind ? this.aggregates.schoolsWithInactive(kind) : Promise.resolve([] as string[]),
    ]);
    const covered = new Set<string>();
    for (const p of periods) {
      const { brin, startDate, endDate } = p._id;
      if (brin && mandateStatus({ startDate, endDate }, asOf) === 'ACTIVE') covered.add(brin);
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

  private supplierOfSystems(): Promise<Map<string, string>> {
    return this.catalogue.supplierOfSystems();
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
