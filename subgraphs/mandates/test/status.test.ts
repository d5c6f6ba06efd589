import { describe, expect, it } from 'vitest';
import { mandateStatus } from '../src/status.js';

describe('mandate status is derived from the dates', () => {
  const mandate = { startDate: '2022-08-15', endDate: '2024-07-31' };

  it('is PLANNED before the start date, ACTIVE from start to end inclusive, ENDED after the end date', () => {
    expect(mandateStatus(mandate, '2022-08-14')).toBe('PLANNED');
    expect(mandateStatus(mandate, '2022-08-15')).toBe('ACTIVE');
    expect(mandateStatus(mandate, '2024-07-31')).toBe('ACTIVE');
    expect(mandateStatus(mandate, '2024-08-01')).toBe('ENDED');
  });

  it('never ends without an end date', () => {
    expect(mandateStatus({ startDate: '2022-08-15', endDate: null }, '2199-12-31')).toBe('ACTIVE');
  });
});
