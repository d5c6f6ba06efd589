/**
 * School years for the yearly mandate check: a school year runs from 1 August to
 * 31 July and is named by its two calendar years, `2026-2027`. Which year a moment belongs to
 * is decided on the Netherlands' calendar day of that moment (todayInNetherlands).
 */
import { invalidInput, todayInNetherlands } from '@osr/common';

export interface SchoolYear {
  /** `2026-2027` */
  name: string;
  /** 1 August, YYYY-MM-DD */
  start: string;
  /** 31 July of the next calendar year, YYYY-MM-DD */
  end: string;
}

const NAME = /^(\d{4})-(\d{4})$/;

function ofStartYear(year: number): SchoolYear {
  return { name: `${year}-${year + 1}`, start: `${year}-08-01`, end: `${year + 1}-07-31` };
}

/** The school year a calendar day (YYYY-MM-DD) falls in. */
export function schoolYearOfDay(day: string): SchoolYear {
  const year = Number(day.slice(0, 4));
  return ofStartYear(day.slice(5) >= '08-01' ? year : year - 1);
}

/** The school year of a moment (its day in the Netherlands). */
export function schoolYearOf(at: Date): SchoolYear {
  return schoolYearOfDay(todayInNetherlands(at));
}

/** A school year by name, or BAD_USER_INPUT for anything but `YYYY-YYYY` with consecutive years from 2000 to 2100. */
export function parseSchoolYear(name: string, field = 'schoolYear'): SchoolYear {
  const match = NAME.exec(name);
  if (!match) throw invalidInput(field, name, 'a school year is written like 2026-2027 (1 August 2026 to 31 July 2027)');
  const first = Number(match[1]);
  const second = Number(match[2]);
  if (second !== first + 1) throw invalidInput(field, name, 'the second year must follow the first, e.g. 2026-2027');
  if (first < 2000 || first > 2100) throw invalidInput(field, name, 'must be a school year from 2000-2001 to 2100-2101');
  return ofStartYear(first);
}

/** The named school year, or the current one (today in the Netherlands) when none is named. */
export function schoolYearOrCurrent(name: string | null | undefined, today: string): SchoolYear {
  return name === null || name === undefined ? schoolYearOfDay(today) : parseSchoolYear(name);
}

/** A mandate is due in a school year when it runs on any day of it. */
export function dueIn(year: SchoolYear, mandate: { startDate: string; endDate: string | null }): boolean {
  return mandate.startDate <= year.end && (mandate.endDate === null || mandate.endDate >= year.start);
}

/** The days from 1 August to `last` (inclusive), at most the year's end. */
export function daysOfYear(year: SchoolYear, last: string): string[] {
  const until = last < year.end ? last : year.end;
  const days: string[] = [];
  const [y, m, d] = year.start.split('-').map(Number) as [number, number, number];
  for (let i = 0; ; i++) {
    const day = new Date(Date.UTC(y, m - 1, d + i)).toISOString().slice(0, 10);
    if (day > until) break;
    days.push(day);
  }
  return days;
}
