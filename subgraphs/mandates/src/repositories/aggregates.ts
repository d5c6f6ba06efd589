/**
 * The aggregate reads the domain makes of the mandates (the counts of analytics.ts, the
 * yearly check's rows of mandate-check.ts) as one interface: the repositories answer each
 * with one `$group` pipeline over the mandates (the portable subset: correct on FerretDB, a
 * hash aggregation on MongoDB); the embedded database's read model (src/read-model/)
 * implements the same interface, answering from results it keeps and brings forward.
 */
import type { Collection, Filter } from 'mongodb';
import type { MandateDocument, ServiceCode, YearCheckDocument } from '../documents.js';
import { checksKey } from '../year-checks.js';

/** The fields mandates can be counted by (the series keys are stored in every mandate, series-keys.ts). */
export type CountField = 'serviceCode' | 'systemId' | 'origin' | 'boardNummer' | 'brin' | 'startDate' | 'endDate' | 'seriesStart' | 'seriesEnd';

/** Which mandates a count takes: every condition given must hold. */
export interface MandateMatch {
  /** given by this board (bevoegd gezag nummer) */
  board?: string | null;
  /** for one of these services */
  services?: readonly ServiceCode[] | null;
  /** starting after this day (PLANNED on it) */
  startsAfter?: string | null;
  /** ended before this day (ENDED on it) */
  endedBefore?: string | null;
}

/** A count: by which fields, of which mandates. */
export interface CountQuery {
  fields: readonly CountField[];
  match: MandateMatch;
}

/** One group of a count: the value of every field counted by (null where the mandate has none). */
export interface CountRow {
  _id: Partial<Record<CountField, string | null>>;
  count: number;
}

const ROW_FIELDS = ['serviceCode', 'systemId', 'brin', 'boardNummer', 'startDate', 'endDate', 'checks'] as const;

/**
 * One group of the mandates the yearly check counts: one distinct service, system, school,
 * board, dates and year checks (year-checks.ts checksKey), with how many mandates share it.
 */
export type CheckRow = Pick<MandateDocument, 'serviceCode' | 'systemId' | 'brin' | 'boardNummer' | 'startDate' | 'endDate'> & {
  checks: string | null;
  count: number;
};

export type CheckRowFields = Omit<CheckRow, 'count' | 'brin' | 'endDate' | 'checks'> & { brin?: string | null; endDate?: string | null; checks?: string | null };

export const rowKey = (f: CheckRowFields) => JSON.stringify(ROW_FIELDS.map((k) => f[k] ?? null));

export function rowOf(f: CheckRowFields, count: number): CheckRow {
  return { serviceCode: f.serviceCode, systemId: f.systemId, brin: f.brin ?? null, boardNummer: f.boardNummer, startDate: f.startDate, endDate: f.endDate ?? null, checks: f.checks ?? null, count };
}

export interface MandateAggregates {
  /** The mandates matching `match` counted per value of `fields`: every field in every row, no row twice. */
  countMandates(fields: readonly CountField[], match: MandateMatch): Promise<CountRow[]>;
  /** The yearly check's rows, for every school year at once (a year takes the rows due in it). */
  checkRows(): Promise<CheckRow[]>;
  /** The BRINs with an inactive aanleverpunt of the kind. */
  schoolsWithInactive(kind: 'OV' | 'SWV'): Promise<string[]>;
}

/** The match as a filter: top-level fields (FerretDB pushes those down), the end date's two conditions in one `$and`. */
export function filterOf(match: MandateMatch): Filter<MandateDocument> {
  const filter: Filter<MandateDocument> = {};
  if (match.board) filter.boardNummer = match.board;
  if (match.services) filter.serviceCode = match.services.length === 1 ? match.services[0] : { $in: [...match.services] };
  if (match.startsAfter) filter.startDate = { $gt: match.startsAfter };
  if (match.endedBefore) filter.$and = [{ endDate: { $ne: null } }, { endDate: { $lt: match.endedBefore } }];
  return filter;
}

/**
 * One `$group` over `collection` (the mandates, or any collection holding the same fields):
 * rows with every field, null where the document has none, so a missing field and null are
 * one group.
 */
export async function groupCount(collection: Collection<MandateDocument>, fields: readonly CountField[], match: MandateMatch): Promise<CountRow[]> {
  const filter = filterOf(match);
  const rows = await collection
    .aggregate<{ _id: Record<string, string | null> | null; count: number }>([
      ...(Object.keys(filter).length ? [{ $match: filter }] : []),
      { $group: { _id: fields.length ? Object.fromEntries(fields.map((f) => [f, `$${f}`])) : null, count: { $sum: 1 } } },
    ])
    .toArray();
  const byKey = new Map<string, CountRow>();
  for (const row of rows) {
    const id = Object.fromEntries(fields.map((f) => [f, row._id?.[f] ?? null]));
    const k = JSON.stringify(fields.map((f) => id[f]));
    byKey.set(k, { _id: id, count: (byKey.get(k)?.count ?? 0) + row.count });
  }
  return [...byKey.values()];
}

/** The yearly check's rows of groups of mandates (their year checks as stored): groups whose checks give the same key are one row. */
export function checkRowsOf(groups: readonly { fields: Omit<CheckRowFields, 'checks'> & { yearChecks?: YearCheckDocument[] | null }; count: number }[]): CheckRow[] {
  const rows = new Map<string, CheckRow>();
  for (const { fields, count } of groups) {
    const f = { ...fields, checks: checksKey(fields.yearChecks ?? undefined) };
    const k = rowKey(f);
    const row = rows.get(k);
    if (row) row.count += count;
    else rows.set(k, rowOf(f, count));
  }
  return [...rows.values()];
}

/** The aggregates answered by the database: a `$group` of the mandates each. */
export function databaseAggregates(mandates: Collection<MandateDocument>, aanleverpunten: Pick<MandateAggregates, 'schoolsWithInactive'>): MandateAggregates {
  return {
    countMandates: (fields, match) => groupCount(mandates, fields, match),
    checkRows: async () => {
      const groups = await mandates
        .aggregate<{ _id: Omit<CheckRowFields, 'checks'> & { yearChecks?: YearCheckDocument[] | null }; count: number }>([
          { $group: { _id: { serviceCode: '$serviceCode', systemId: '$systemId', brin: '$brin', boardNummer: '$boardNummer', startDate: '$startDate', endDate: '$endDate', yearChecks: '$yearChecks' }, count: { $sum: 1 } } },
        ])
        .toArray();
      return checkRowsOf(groups.map((g) => ({ fields: g._id, count: g.count })));
    },
    schoolsWithInactive: (kind) => aanleverpunten.schoolsWithInactive(kind),
  };
}
