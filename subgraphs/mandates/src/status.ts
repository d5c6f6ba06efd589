import type { MandateDocument } from './documents.js';

export type MandateStatus = 'PLANNED' | 'ACTIVE' | 'ENDED';

/**
 * Status on a date, derived from the dates and never stored: PLANNED before the start date,
 * ACTIVE from the start date up to and including the end date, ENDED after it.
 */
export function mandateStatus(
  mandate: Pick<MandateDocument, 'startDate' | 'endDate'>,
  asOf: string,
): MandateStatus {
  if (asOf < mandate.startDate) return 'PLANNED';
  if (mandate.endDate !== null && asOf > mandate.endDate) return 'ENDED';
  return 'ACTIVE';
}
