import { describe, expect, it } from 'vitest';
import type { Identity } from '@osr/common';
import { daysOfYear, dueIn, parseSchoolYear, schoolYearOf, schoolYearOfDay } from '../src/school-year.js';
import { checksKey, parseChecksKey, withDeliberateCheck, withYearCheck, yearCheckFor } from '../src/year-checks.js';
import type { YearCheckDocument } from '../src/documents.js';

describe('school years run from 1 August to 31 July', () => {
  it('31 July belongs to the year before, 1 August to the new one', () => {
    expect(schoolYearOfDay('2026-07-31').name).toBe('2025-2026');
    expect(schoolYearOfDay('2026-08-01')).toEqual({ name: '2026-2027', start: '2026-08-01', end: '2027-07-31' });
    expect(schoolYearOfDay('2027-01-15').name).toBe('2026-2027');
  });

  it('a moment counts by its day in the Netherlands (CEST is UTC+2 on 1 August)', () => {
    expect(schoolYearOf(new Date('2026-07-31T21:59:59.999Z')).name).toBe('2025-2026');
    expect(schoolYearOf(new Date('2026-07-31T22:00:00.000Z')).name).toBe('2026-2027');
  });

  it('parses only YYYY-YYYY with consecutive years', () => {
    expect(parseSchoolYear('2026-2027').start).toBe('2026-08-01');
    for (const bad of ['2026', '2026-2028', '2026/2027', '26-27', '1999-2000']) {
      expect(() => parseSchoolYear(bad), bad).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }));
    }
  });

  it('a mandate is due when it runs on any day of the year: ending 31 July is not, ending 1 August is', () => {
    const year = parseSchoolYear('2026-2027');
    expect(dueIn(year, { startDate: '2022-08-15', endDate: '2026-07-31' })).toBe(false);
    expect(dueIn(year, { startDate: '2022-08-15', endDate: '2026-08-01' })).toBe(true);
    expect(dueIn(year, { startDate: '2027-07-31', endDate: null })).toBe(true);
    expect(dueIn(year, { startDate: '2027-08-01', endDate: null })).toBe(false);
  });

  it('lists the days from 1 August up to a day, at most 31 July', () => {
    const year = parseSchoolYear('2026-2027');
    expect(daysOfYear(year, '2026-08-03')).toEqual(['2026-08-01', '2026-08-02', '2026-08-03']);
    expect(daysOfYear(year, '2026-07-31')).toEqual([]);
    expect(daysOfYear(year, '2030-01-01')).toHaveLength(365);
  });
});

describe('a mandate\'s yearly checks', () => {
  const check = (over: Partial<YearCheckDocument>): YearCheckDocument => ({
    schoolYear: '2026-2027', kind: 'CONFIRMED', at: new Date('2026-09-01T08:00:00Z'), by: 'A', byRole: 'BOARD', board: '41234', ...over,
  });

  it('counts only for the board it was made for; support\'s grant counts for whoever holds the school', () => {
    const m = { yearChecks: [check({})] };
    expect(yearCheckFor(m, '2026-2027', '41234')).toBeDefined();
    expect(yearCheckFor(m, '2026-2027', '43555')).toBeUndefined();
    expect(yearCheckFor(m, '2025-2026', '41234')).toBeUndefined();
    expect(yearCheckFor({ yearChecks: [check({ board: null, byRole: 'SUPPORT' })] }, '2026-2027', '43555')).toBeDefined();
  });

  it('keeps the first check of a year for the same board and replaces one made for another board', () => {
    const first = withYearCheck({ yearChecks: [] as YearCheckDocument[] }, check({}));
    expect(withYearCheck(first, check({ by: 'B' })).yearChecks).toEqual(first.yearChecks);
    expect(withYearCheck(first, check({ board: '43555', by: 'C' })).yearChecks.map((c) => c.by)).toEqual(['C']);
  });

  it('a grant, change or switch by board staff or support is a check; the feed\'s writes are not', () => {
    const at = new Date('2026-10-01T10:00:00Z');
    const staff: Identity = { sub: 's', name: 'Staff', role: 'BOARD', board: '41234', rights: ['OSR_TOEGANG'], supplier: null };
    expect(withDeliberateCheck({ yearChecks: [] }, staff, 'GRANTED', at).yearChecks).toEqual([
      { schoolYear: '2026-2027', kind: 'GRANTED', at, by: 'Staff', byRole: 'BOARD', board: '41234' },
    ]);
    expect(withDeliberateCheck({ yearChecks: [] }, { ...staff, role: 'SERVICE', board: null }, 'CHANGED', at).yearChecks).toEqual([]);
  });

  it('round-trips through the facts key (the day in the Netherlands, the board)', () => {
    const key = checksKey([check({ at: new Date('2026-07-31T22:30:00Z'), schoolYear: '2026-2027' }), check({ schoolYear: '2025-2026', board: null, at: new Date('2026-03-01T10:00:00Z') })]);
    expect(key).toBe('2025-2026|2026-03-01|;2026-2027|2026-08-01|41234');
    expect(parseChecksKey(key)).toEqual([
      { schoolYear: '2025-2026', day: '2026-03-01', board: null },
      { schoolYear: '2026-2027', day: '2026-08-01', board: '41234' },
    ]);
    expect(checksKey([])).toBeNull();
  });
});
