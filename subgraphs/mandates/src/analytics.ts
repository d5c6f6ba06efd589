/**
 * Aggregates over the mandates. Every count is made in the database with the
 * portable aggregation subset ($match, $group with $sum): the subgraph receives one row per
 * group, never the mandates. Questions that need organisation data (sector, board of
 * a school, SWV) join those small results in memory with the school directory, which comes
 * from the organisations subgraph's API (school-directory.ts).
 */
import type { Filter } from 'mongodb';
import type { Logger } from '@osr/common';
import { userError, type Identity } from '@osr/common';
import { readsAll } from './access.js';
import type { MandateOrigin, ServiceCode } from './documents.js';
import type { AanleverpuntenRepository } from './repositories/aanleverpunten.js';
import type { CatalogueRepository } from './repositories/catalogue.js';
import type { MandatesRepository } from './repositories/mandates.js';
import { ComputedResults, ResultCache, type ChangeSource, type Fold, type KeptResults } from './analytics-cache.js';
import type { MandateDelta } from './change-journal.js';
import type { MandateFacts, MandateFactsDocument } from './facts.js';
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

/** The fields of a group (those the query groups by; null where the mandate has none). */
interface GroupId {
  serviceCode?: ServiceCode | null;
  systemId?: string | null;
  origin?: MandateOrigin | null;
  boardNummer?: string | null;
  brin?: string | null;
  startDate?: string | null;
  endDate?: string | null;
  seriesStart?: string | null;
  seriesEnd?: string | null;
}

/** One group of a counting query. */
interface CountRow {
  _id: GroupId;
  count: number;
}

/** A group of a query that groups by the dates (every mandate has a start date). */
interface DatedRow extends CountRow {
  _id: GroupId & { startDate: string; endDate: string | null };
}

/** A group with its status on a date (status null when the question has no STATUS). */
interface StatusRow extends CountRow {
  status: MandateStatus | null;
}

/** The mandate fields a grouping query can group by (besides the dates it always groups by). */
type GroupField = 'serviceCode' | 'systemId' | 'origin' | 'boardNummer' | 'brin';

/** A cached database query: its key, how to run it, and how to add changes to its result. */
interface Query<T> {
  key: string;
  compute: () => Promise<T>;
  fold?: Fold<T, MandateDelta>;
}

const groupKey = (id: GroupId, fields: readonly (keyof GroupId)[]) => JSON.stringify(fields.map((f) => id[f] ?? null));

/**
 * Mandates matching `match` counted per value of `fields`: one $group in the database; the
 * result is brought forward by the changes since in memory (`matches` must say what `match`
 * says, for the facts of one mandate). Rows have every field (null where the mandate has none,
 * so that a missing field and null are one group, as in the fold).
 */
function countQuery(
  facts: Pick<MandatesRepository, 'groupFacts'>,
  key: string,
  fields: readonly (keyof GroupId & keyof MandateFacts)[],
  match: Filter<MandateFactsDocument> | null,
  matches: (facts: MandateFacts) => boolean,
): Query<CountRow[]> {
  const idOf = (facts: GroupId): GroupId => Object.fromEntries(fields.map((f) => [f, facts[f] ?? null]));
  const merge = (rows: Iterable<CountRow>) => {
    const byKey = new Map<string, CountRow>();
    for (const row of rows) {
      const id = idOf(row._id);
      const k = groupKey(id, fields);
      byKey.set(k, { _id: id, count: (byKey.get(k)?.count ?? 0) + row.count });
    }
    return byKey;
  };
  return {
    key,
    compute: async () => {
      const rows = await facts.groupFacts<GroupId>(fields, match);
      return [...merge(rows.map((r) => ({ _id: r._id ?? {}, count: r.count }))).values()];
    },
    fold: (rows, changes) => {
      const byKey = new Map(rows.map((r) => [groupKey(r._id, fields), r]));
      const add = (facts: MandateFacts | null, n: number) => {
        if (!facts || !matches(facts)) return;
        const id = idOf(facts);
        const k = groupKey(id, fields);
        const row = byKey.get(k);
        byKey.set(k, { _id: row?._id ?? id, count: (row?.count ?? 0) + n });
      };
      for (const change of changes) {
        add(change.before, -1);
        add(change.after, 1);
      }
      return [...byKey.values()].filter((r) => r.count !== 0);
    },
  };
}

/** The scope of a query as a filter and as the same test on one mandate's facts. */
function scopeOf(board: string | null, services: readonly ServiceCode[] | null) {
  const and: Filter<MandateFactsDocument>[] = [];
  if (board) and.push({ boardNummer: board });
  if (services) and.push({ serviceCode: { $in: [...services] } });
  return {
    and,
    matches: (f: MandateFacts) => (board === null || f.boardNummer === board) && (services === null || services.includes(f.serviceCode)),
  };
}

/** Today's national figures kept warm: per service, system and origin (few groups). */
const NATIONAL_FIELDS: readonly GroupField[] = ['origin', 'serviceCode', 'systemId'];
/** The services whose questions (coverage above all) are answered from per-school rows. */
const PER_SCHOOL_SERVICES: readonly ServiceCode[] = ['OSO_OV', 'OSO_SWV'];

/** Fields and services in one order, so that the same question gives the same cache key. */
function normalised(services: readonly ServiceCode[] | null, fields: readonly GroupField[]) {
  return { sortedFields: [...new Set(fields)].sort(), sortedServices: services ? [...new Set(services)].sort() : null };
}

/** Rows grouped with their dates, each with its status on asOf (null: status not asked). */
function withStatus(rows: readonly DatedRow[], asOf: string | null): StatusRow[] {
  return rows.map((r) => ({ _id: r._id, status: asOf === null ? null : mandateStatus(r._id, asOf), count: r.count }));
}

export class MandateAnalytics {
  /** Group rows of the aggregations, kept and brought forward by the mandate changes. */
  readonly cache: KeptResults<MandateDelta>;

  constructor(
    /** groups each mandate's facts (facts.ts) */
    private readonly facts: Pick<MandatesRepository, 'groupFacts'>,
    private readonly aanleverpunten: Pick<AanleverpuntenRepository, 'schoolsWithInactive'>,
    private readonly catalogue: Pick<CatalogueRepository, 'supplierOfSystems'>,
    readonly directory: SchoolDirectory,
    /** the mandates' change journal (MandatesRepository.journal), or null: nothing is kept, every question is asked of the database */
    changes: ChangeSource<MandateDelta> | null,
    options: { logger?: Logger; now?: () => number } = {},
  ) {
    this.cache = changes ? new ResultCache(changes, { name: 'mandate aggregates', ...options }) : new ComputedResults();
  }

  private get<T>(query: Query<T>): Promise<T> {
    return this.cache.get(query.key, query.compute, query.fold);
  }

  /**
   * Registers the queries most questions need, so that the background refresh computes them
   * before the first question: today's national figures per service, system, origin and
   * status; the month keys of every service (every national month series); the per-school rows
   * of each OSO service (coverage and every OSO question); the inactive aanleverpunten.
   * Called before each refresh round, so "today" moves on at midnight.
   */
  keepWarm(today: string): void {
    const warm = <T>(query: Query<T>) => this.cache.keepWarm(query.key, query.compute, query.fold);
    for (const query of this.statusPasses(null, null, NATIONAL_FIELDS, today)) warm(query);
    for (const query of this.monthQueries(null)) warm(query);
    for (const service of PER_SCHOOL_SERVICES) warm(this.schoolQuery(service));
    for (const kind of ['OV', 'SWV'] as const) warm(this.inactiveQuery(kind));
  }

  /*
   * Which database query answers which question is chosen for FerretDB's $group: it compares
   * every document with every group found so far (a linear search), so a grouping costs
   * documents × groups, on top of reading the whole collection for any filter but _id. So:
   * - questions about OSO services only use the per-school rows of each OSO service (one row
   *   per school and mandate period: the groups are about the schools, ~8,500 documents ×
   *   ~6,300 groups); coverage needs them anyway, and every dimension, a board's scope and the
   *   status on any date follow from them in memory;
   * - other national counts group by exactly the requested dimensions (few groups), without
   *   dates (exact dates would make nearly every mandate a group of its own): all mandates,
   *   and PLANNED and ENDED on asOf with a $match each; ACTIVE is the rest (statusCounts);
   * - a board's own figures group its few mandates with their dates: one pass for every date;
   * - other month series group by the month keys stored in every mandate (series-keys.ts):
   *   two passes with one string key each (services × months groups).
   * On MongoDB every one of these is a hash aggregation of milliseconds.
   * Each pass is cached on its own and brought forward by the changes of later writes
   * (countQuery's fold), so a write does not cost a pass again.
   */

  /** The per-school rows of one OSO service: brin, board, system, origin and dates (cached). */
  private schoolQuery(service: ServiceCode): Query<CountRow[]> {
    return countQuery(
      this.facts,
      JSON.stringify({ q: 'per school', service }),
      ['serviceCode', 'startDate', 'endDate', 'brin', 'boardNummer', 'systemId', 'origin'],
      { serviceCode: service },
      (f) => f.serviceCode === service,
    );
  }

  private async schoolRows(board: string | null, services: readonly ServiceCode[]): Promise<DatedRow[]> {
    const perService = await Promise.all([...new Set(services)].map((service) => this.get(this.schoolQuery(service))));
    const rows = perService.flat() as DatedRow[];
    return board ? rows.filter((r) => r._id.boardNummer === board) : rows;
  }

  /**
   * The passes that count mandates by the fields within the scope and services: all of them
   * (every date), and when asOf is given those PLANNED on it and those ENDED before it.
   */
  private statusPasses(board: string | null, services: readonly ServiceCode[] | null, fields: readonly GroupField[], asOf: string | null): Query<CountRow[]>[] {
    const { sortedFields, sortedServices } = normalised(services, fields);
    const scope = scopeOf(board, sortedServices);
    const pass = (status: 'ALL' | 'PLANNED' | 'ENDED', filter: Filter<MandateFactsDocument> | null, matches: (f: MandateFacts) => boolean) => {
      const and = [...scope.and, ...(filter ? [filter] : [])];
      return countQuery(
        this.facts,
        JSON.stringify({ q: 'status pass', status, board, services: sortedServices, fields: sortedFields, asOf: status === 'ALL' ? null : asOf }),
        sortedFields,
        and.length ? { $and: and } : null,
        (f) => scope.matches(f) && matches(f),
      );
    };
    const all = pass('ALL', null, () => true);
    if (asOf === null) return [all];
    return [
      all,
      pass('PLANNED', { startDate: { $gt: asOf } }, (f) => f.startDate > asOf),
      pass('ENDED', { $and: [{ endDate: { $ne: null } }, { endDate: { $lt: asOf } }] }, (f) => f.endDate !== null && f.endDate < asOf),
    ];
  }

  /**
   * Mandates grouped by the fields within the scope and services: all of them when asOf is
   * null (status not asked), else per status on asOf: PLANNED and ENDED are a pass each,
   * ACTIVE is all − PLANNED − ENDED ("all" does not depend on the date, so another date
   * costs two passes; they run side by side, each reads the whole collection on FerretDB).
   */
  private async statusCounts(board: string | null, services: readonly ServiceCode[] | null, fields: readonly GroupField[], asOf: string | null): Promise<StatusRow[]> {
    const { sortedFields } = normalised(services, fields);
    const [all = [], planned = [], ended = []] = await Promise.all(this.statusPasses(board, services, fields, asOf).map((q) => this.get(q)));
    if (asOf === null) return all.map((r) => ({ ...r, status: null }));
    const active = new Map(all.map((r) => [groupKey(r._id, sortedFields), { _id: r._id, status: 'ACTIVE' as MandateStatus, count: r.count }]));
    for (const r of [...planned, ...ended]) {
      const row = active.get(groupKey(r._id, sortedFields));
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
   * National questions by service, system, origin (or fewer) share the passes by all three,
   * kept warm for today: the rows are added up by what is asked, and services filtered, here.
   */
  private async statusRows(board: string | null, services: readonly ServiceCode[] | null, fields: readonly GroupField[], asOf: string | null): Promise<StatusRow[]> {
    if (board !== null) {
      // A board's own mandates are few (at most some hundreds): grouping them with their dates
      // stays cheap, so one pass answers every date and the status follows in memory.
      return withStatus((await this.get(this.boardPeriodsQuery(board, services, fields))) as DatedRow[], asOf);
    }
    if (fields.every((f) => NATIONAL_FIELDS.includes(f))) {
      const rows = await this.statusCounts(null, null, NATIONAL_FIELDS, asOf);
      return services ? rows.filter((r) => r._id.serviceCode != null && services.includes(r._id.serviceCode)) : rows;
    }
    return this.statusCounts(null, services, fields, asOf);
  }

  /** One board's mandates grouped by the fields and their dates (one pass, every date). */
  private boardPeriodsQuery(board: string, services: readonly ServiceCode[] | null, fields: readonly GroupField[]): Query<CountRow[]> {
    const { sortedFields, sortedServices } = normalised(services, fields);
    const scope = scopeOf(board, sortedServices);
    return countQuery(
      this.facts,
      JSON.stringify({ q: 'board periods', board, services: sortedServices, fields: sortedFields }),
      ['startDate', 'endDate', ...sortedFields],
      { $and: scope.and },
      scope.matches,
    );
  }

  /**
   * The BRINs with an inactive aanleverpunt of the kind (cached). Mandate changes do not
   * change it; the aanleverpunten are written only by the OSO migration and the seed, which
   * record their writes as unknown changes, so it is computed again after them.
   */
  private inactiveQuery(kind: 'OV' | 'SWV'): Query<string[]> {
    return {
      key: JSON.stringify({ q: 'inactive aanleverpunten', kind }),
      compute: () => this.aanleverpunten.schoolsWithInactive(kind),
      fold: (brins) => brins,
    };
  }

  /** Mandates per month key (series-keys.ts) within the scope, all services: a pass per key (cached). */
  private monthQueries(board: string | null): [Query<CountRow[]>, Query<CountRow[]>] {
    const scope = scopeOf(board, null);
    const pass = (field: 'seriesStart' | 'seriesEnd') =>
      countQuery(this.facts, JSON.stringify({ q: 'months', field, board }), [field], scope.and.length ? { $and: scope.and } : null, scope.matches);
    return [pass('seriesStart'), pass('seriesEnd')];
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
        service: dims.includes('SERVICE') ? (id.serviceCode ?? null) : null,
        status: dims.includes('STATUS') ? group.status : null,
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
    const starts = byKey(await this.get(startQuery), 'seriesStart');
    const ends = byKey(await this.get(endQuery), 'seriesEnd');
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
      kind ? this.get(this.inactiveQuery(kind)) : Promise.resolve([] as string[]),
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
