/**
 * Calendar dates are stored and compared as ISO strings "YYYY-MM-DD": they sort correctly
 * as strings, carry no time zone, and are served the same way by MongoDB and FerretDB.
 */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The earliest and latest calendar dates the register accepts. */
export const MIN_DATE = '1900-01-01';
export const MAX_DATE = '2199-12-31';

/** Whether "YYYY-MM-DD" names a day of the calendar (any year from 100 on), else why not. */
export function calendarDateProblem(value: string): string | null {
  const m = ISO_DATE.exec(value);
  if (!m) return 'a date is written YYYY-MM-DD';
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const dt = new Date(Date.UTC(y, mo - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) {
    return 'no such calendar date';
  }
  return null;
}

export function isoDateProblem(value: string): string | null {
  const problem = calendarDateProblem(value);
  if (problem) return problem;
  if (value < MIN_DATE || value > MAX_DATE) return `dates must lie between ${MIN_DATE} and ${MAX_DATE}`;
  return null;
}

/** Today's date in the Netherlands, as YYYY-MM-DD. */
export function todayInNetherlands(now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/Amsterdam',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

/** The day before an ISO date. */
export function dayBefore(isoDate: string): string {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d - 1)).toISOString().slice(0, 10);
}
