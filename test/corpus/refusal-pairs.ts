/**
 * Operations that name a mandate, agreement or school, each with the two requests a caller
 * without rights to it can make: one naming another board's (or supplier's) record of the
 * demo data, one naming a record of the same length that does not exist. Both must get the
 * same answer for the same work: test/e2e/refusal-work.test.ts counts the work,
 * `npm run bench:access` (scripts/bench-access.ts) times it.
 */

/** Who asks: staff (OSR_TOEGANG) of board 42001, the same with the right to sign, or supplier B (system ldd-las). */
export type RefusalCaller = 'otherBoard' | 'otherBoardSigner' | 'supplier';

export interface RefusalPair {
  name: string;
  caller: RefusalCaller;
  query: string;
  /** variables naming board 41234's record (its school 00AV, its OSO agreement, a mandate of supplier A's system) */
  existing: Record<string, string>;
  /** the same, naming a record of the same length that does not exist */
  missing: Record<string, string>;
}

export const MANDATE = 'm-00AV-OSO_OV-voorbeeld-las-2022-08-15';
export const NO_MANDATE = 'm-00AV-OSO_OV-voorbeeld-las-2022-08-16';
export const AGREEMENT = 'a-41234-oso';
export const NO_AGREEMENT = 'a-41239-oso';

const byMandate = (name: string, caller: RefusalCaller, query: string): RefusalPair => ({ name, caller, query, existing: { id: MANDATE }, missing: { id: NO_MANDATE } });
const byAgreement = (name: string, caller: RefusalCaller, query: string): RefusalPair => ({ name, caller, query, existing: { id: AGREEMENT }, missing: { id: NO_AGREEMENT } });
const bySchool = (name: string, query: string): RefusalPair => ({ name, caller: 'otherBoard', query, existing: { brin: '00AV' }, missing: { brin: '99ZZ' } });

export const REFUSAL_PAIRS: RefusalPair[] = [
  byMandate('mandate(id)', 'otherBoard', 'query ($id: ID!) { mandate(id: $id) { id } }'),
  byMandate('mandate(id), supplier', 'supplier', 'query ($id: ID!) { mandate(id: $id) { id } }'),
  byMandate('endMandate', 'otherBoard', 'mutation ($id: ID!) { endMandate(input: { id: $id, endDate: "2099-12-31", expectedVersion: 1 }) { mandates { id } } }'),
  byMandate('markMandatesReviewed', 'otherBoard', 'mutation ($id: ID!) { markMandatesReviewed(ids: [$id]) { mandates { id } } }'),
  byMandate('confirmMandates', 'otherBoard', 'mutation ($id: ID!) { confirmMandates(board: "42001", ids: [$id]) { newlyConfirmed } }'),
  bySchool(
    'grantMandate (school)',
    'mutation ($brin: ID!) { grantMandate(input: { service: OSO_OV, systemId: "voorbeeld-las", brin: $brin, bevoegdGezagNummer: "42001", startDate: "2099-01-01" }) { mandates { id } } }',
  ),
  bySchool(
    'switchSystem (school)',
    'mutation ($brin: ID!) { switchSystem(input: { brin: $brin, service: OSO_OV, fromSystemId: "voorbeeld-las", toSystemId: "ldd-las", startDate: "2099-01-01" }) { mandates { id } } }',
  ),
  byAgreement('agreement(id)', 'otherBoard', 'query ($id: ID!) { agreement(id: $id) { status } }'),
  byAgreement('terminateAgreement', 'otherBoard', 'mutation ($id: ID!) { terminateAgreement(id: $id, endDate: "2099-12-31", reason: "ends") { id } }'),
  byAgreement('withdrawAgreement', 'otherBoard', 'mutation ($id: ID!) { withdrawAgreement(id: $id) { id } }'),
  byAgreement('requestSwvExtension', 'otherBoard', 'mutation ($id: ID!) { requestSwvExtension(agreementId: $id) { id } }'),
  byAgreement('signAgreement', 'otherBoardSigner', `mutation ($id: ID!) { signAgreement(id: $id, contentHash: "${'0'.repeat(64)}") { id } }`),
];

/** An answer with the named record taken out: what the caller can compare between the two. */
export function answerWithoutIds(text: string, variables: Record<string, string>): string {
  let shape = text;
  for (const value of Object.values(variables)) shape = shape.split(value).join('<named>');
  return shape;
}
