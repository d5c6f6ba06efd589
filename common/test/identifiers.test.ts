import { describe, expect, it } from 'vitest';
import {
  bevoegdGezagNummerProblem,
  brinProblem,
  dayBefore,
  isoDateProblem,
  kvkNummerProblem,
  oinProblem,
  rioBestuurCodeProblem,
  rsinProblem,
  schoolOin,
  swvCodeProblem,
  swvDisplayCode,
  todayInNetherlands,
  vestigingsnummerProblem,
} from '../src/index.js';

describe('identifiers of the register', () => {
  it('accepts the BRINs from domain.md and rejects malformed ones', () => {
    for (const brin of ['00AV', '25BE', '31EW', '00YY']) expect(brinProblem(brin), brin).toBeNull();
    for (const brin of ['25be', '2BE', '25BEX', 'AB25', '', ' 25B', '25B$']) expect(brinProblem(brin), brin).not.toBeNull();
  });

  it('derives the school OIN from the BRIN: 00000007 + 000 + BRIN + 00000', () => {
    expect(schoolOin('25BE')).toBe('0000000700025BE00000');
    expect(schoolOin('25BE')).toHaveLength(20);
    expect(() => schoolOin('25be')).toThrow(/BRIN/);
  });

  it('checks vestigingsnummer, bevoegd gezag nummer, RIO code, KvK, OIN and SWV codes', () => {
    expect(vestigingsnummerProblem('25BE00')).toBeNull();
    expect(vestigingsnummerProblem('25BE0')).not.toBeNull();
    expect(vestigingsnummerProblem('25BEAA')).not.toBeNull();
    expect(bevoegdGezagNummerProblem('41234')).toBeNull();
    expect(bevoegdGezagNummerProblem('4123')).not.toBeNull();
    expect(bevoegdGezagNummerProblem('412345')).not.toBeNull();
    expect(rioBestuurCodeProblem('101B584')).toBeNull();
    expect(rioBestuurCodeProblem('101C584')).not.toBeNull();
    expect(kvkNummerProblem('41234567')).toBeNull();
    expect(kvkNummerProblem('4123456')).not.toBeNull();
    expect(oinProblem('00000003272448340204')).toBeNull();
    expect(oinProblem('0000000327244834020')).not.toBeNull();
    expect(swvCodeProblem('PO2202')).toBeNull();
    expect(swvCodeProblem('VO2507')).toBeNull();
    expect(swvCodeProblem('MBO220')).not.toBeNull();
    expect(swvDisplayCode('PO2202')).toBe('PO 22-02');
  });

  it('checks an RSIN with the eleven test', () => {
    expect(rsinProblem('002400001')).not.toBeNull();
    expect(rsinProblem('111222333')).toBeNull(); // 9+8+7+12+10+8+9+6-3 = 66 = 6 x 11
    expect(rsinProblem('11122233')).not.toBeNull();
  });
});

describe('calendar dates', () => {
  it('accepts real dates only, within the register range', () => {
    expect(isoDateProblem('2022-08-15')).toBeNull();
    expect(isoDateProblem('2024-02-29')).toBeNull();
    expect(isoDateProblem('2023-02-29')).toBe('no such calendar date');
    expect(isoDateProblem('2022-8-15')).toBe('a date is written YYYY-MM-DD');
    expect(isoDateProblem('9999-01-01')).toMatch(/between/);
  });

  it('gives the day before, across month and year ends', () => {
    expect(dayBefore('2024-08-01')).toBe('2024-07-31');
    expect(dayBefore('2024-03-01')).toBe('2024-02-29');
    expect(dayBefore('2023-01-01')).toBe('2022-12-31');
  });

  it('takes today in the Netherlands, not in UTC', () => {
    // 23:30 UTC on 14 August is already 15 August in Amsterdam (UTC+2 in summer).
    expect(todayInNetherlands(new Date('2022-08-14T23:30:00Z'))).toBe('2022-08-15');
    expect(todayInNetherlands(new Date('2022-12-31T22:59:00Z'))).toBe('2022-12-31');
  });
});
