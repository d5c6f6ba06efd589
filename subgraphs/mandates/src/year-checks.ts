/**
 * The yearly mandate check's record on each mandate (docs/mandate-check.md): which
 * school years it was checked in, how, when, by whom and for which board. A mandate counts as
 * confirmed for a year when it has that year's check made for the board that holds the school
 * now (or by support's grant, change or switch, which is made for whoever holds it). An
 * organisation change (a move or closure read from the RIO change feed) clears the checks, so
 * the board that holds the school then checks its mandates again.
 */
import { todayInNetherlands, type Identity } from '@osr/common';
import type { MandateDocument, YearCheckDocument, YearCheckKind } from './documents.js';
import { schoolYearOf } from './school-year.js';

/** A check as the aggregates see it (from the facts' `checks` key): the year, the day, the board. */
export interface CheckFact {
  schoolYear: string;
  /** the day of the check in the Netherlands, YYYY-MM-DD */
  day: string;
  board: string | null;
}

/** Whether a check counts for the board that holds the school now. */
export function countsFor(check: { board: string | null }, holder: string): boolean {
  return check.board === null || check.board === holder;
}

/** The mandate's check for the school year that counts for the board holding it now, if any. */
export function yearCheckFor(mandate: Pick<MandateDocument, 'yearChecks'>, schoolYear: string, holder: string): YearCheckDocument | undefined {
  return (mandate.yearChecks ?? []).find((c) => c.schoolYear === schoolYear && countsFor(c, holder));
}

/**
 * The mandate with a check added for the check's year: a check already there for that year is
 * kept when it counts for the same board (the first check counts), and replaced otherwise.
 */
export function withYearCheck<T extends Pick<MandateDocument, 'yearChecks'>>(mandate: T, check: YearCheckDocument): T {
  const checks = mandate.yearChecks ?? [];
  const existing = checks.find((c) => c.schoolYear === check.schoolYear);
  if (existing && (existing.board === null || existing.board === check.board)) return mandate;
  const others = checks.filter((c) => c.schoolYear !== check.schoolYear);
  return { ...mandate, yearChecks: [...others, check].sort((a, b) => (a.schoolYear < b.schoolYear ? -1 : 1)) };
}

/**
 * A grant, change or switch by board staff or support is a check for the school year it is
 * made in (a deliberate act). Anyone else's writes (the feed follower, the migration) are not.
 */
export function withDeliberateCheck<T extends Pick<MandateDocument, 'yearChecks'>>(mandate: T, identity: Identity, kind: Exclude<YearCheckKind, 'CONFIRMED'>, at: Date): T {
  if (identity.role !== 'BOARD' && identity.role !== 'SUPPORT') return mandate;
  return withYearCheck(mandate, {
    schoolYear: schoolYearOf(at).name,
    kind,
    at,
    by: identity.name,
    byRole: identity.role,
    board: identity.role === 'BOARD' ? identity.board : null,
  });
}

/**
 * The checks as one string, so that the yearly check's rows can group by it
 * (repositories/aggregates.ts) and the read model's facts and change journal carry it:
 * `2026-2027|2026-09-01|41234` per year (board empty for support's), joined by `;`; null when
 * there is none.
 */
export function checksKey(checks: readonly YearCheckDocument[] | undefined): string | null {
  if (!checks || checks.length === 0) return null;
  return checks
    .map((c) => `${c.schoolYear}|${todayInNetherlands(c.at)}|${c.board ?? ''}`)
    .sort()
    .join(';');
}

/** The checks of a facts key (checksKey). */
export function parseChecksKey(key: string | null | undefined): CheckFact[] {
  if (!key) return [];
  return key.split(';').map((part) => {
    const [schoolYear = '', day = '', board = ''] = part.split('|');
    return { schoolYear, day, board: board === '' ? null : board };
  });
}
