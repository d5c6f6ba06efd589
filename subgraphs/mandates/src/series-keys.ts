/**
 * Month keys of a mandate for mandateCountSeries, stored in the mandate document by every
 * writer so that the series is two groupings by one string field each, with few groups
 * (services × months), instead of a grouping by exact dates: FerretDB's $group compares every
 * document with every group found so far, and exact start and end dates make nearly every
 * mandate its own group (minutes for the national set).
 *
 * A mandate counts at the end of month M (its last day) when it started on or before that
 * day and had not ended before it:
 *   start month ≤ M, and
 *   no end date, or the end date is on or after M's last day.
 * `seriesStart` is the start month. `seriesEnd` is the first month at whose end it no longer
 * counts: the end date's month, or the month after when the end date is that month's last day.
 * So active at the end of M = #(seriesStart ≤ M) − #(seriesEnd ≤ M), per service (a mandate
 * never has seriesEnd before seriesStart: validation keeps the end on or after the start).
 */
import type { MandateDocument, ServiceCode } from './documents.js';

/** YYYY-MM of the month after. */
export function nextMonth(month: string): string {
  const year = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 12 ? `${String(year + 1).padStart(4, '0')}-01` : `${month.slice(0, 4)}-${String(m + 1).padStart(2, '0')}`;
}

/** The last day of the date's month, YYYY-MM-DD. */
export function lastDayOfMonth(date: string): string {
  return new Date(Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)), 0)).toISOString().slice(0, 10);
}

export function seriesKeys(m: { serviceCode: ServiceCode; startDate: string; endDate: string | null }): { seriesStart: string; seriesEnd: string | null } {
  const seriesStart = `${m.serviceCode}|${m.startDate.slice(0, 7)}`;
  if (m.endDate === null) return { seriesStart, seriesEnd: null };
  const endMonth = m.endDate.slice(0, 7);
  return { seriesStart, seriesEnd: `${m.serviceCode}|${m.endDate === lastDayOfMonth(m.endDate) ? nextMonth(endMonth) : endMonth}` };
}

/** The document as it is written: with its series keys. */
export function withSeriesKeys<T extends MandateDocument>(doc: T): T {
  return { ...doc, ...seriesKeys(doc) };
}
