/**
 * The authorisation matrix through the gateway: every kind of caller against the queries and
 * mutations, each with its expected outcome ('ok', or the error code of the first error).
 * Mutations are chosen so that an allowed caller meets a deterministic refusal after the
 * access check (a stale version, an overlap, a bad value): the matrix writes nothing.
 *
 * The "school moved" column (`newBoard`): before the matrix runs, school 13YZ moved from
 * board 41234 (`board`) to board 43555 by a RIO delta (issue 17.1). The rows marked
 * "moved school" ask about 13YZ: the board that holds it now manages its mandates; the
 * board that gave them keeps read access (history up to the move), nothing more.
 *
 * The "move in the future" column (`futureBoard`, staff of 43555 as well): a RIO delta
 * imported today registers 12WX with board 43555 from a day a month ahead. Until that day
 * 41234 (`board`) holds the school and manages its mandates; 43555 gets nothing of it yet.
 * The rows marked "move in the future" ask about 12WX.
 */
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDENTITY_HEADER } from '@osr/common';
import { buildDemoData, SUPPLIER_A, SUPPLIER_B } from '../../scripts/demo-data.js';
import { seedDemo } from '../../scripts/seed-lib.js';
import { addDays, LATER_MOVED_MANDATE, MOVED_MANDATE, moveSchool12WXLater, moveSchool13YZ } from '../support/school-move.js';
import { snapshotDatabases } from '../support/snapshot.js';
import { TOKEN_AUDIENCE, TOKEN_ISSUER, databaseUri, freshPrefix, graphql, startSystem, tokenFor, type RunningSystem } from '../support/system.js';

type Caller =
  | 'none' | 'board' | 'boardNoRight' | 'otherBoard' | 'newBoard' | 'futureBoard' | 'supplier' | 'otherSupplier' | 'support' | 'analyst'
  | 'expired' | 'forged' | 'wrongKey';
const CALLERS: Caller[] = ['none', 'board', 'boardNoRight', 'otherBoard', 'newBoard', 'futureBoard', 'supplier', 'otherSupplier', 'support', 'analyst', 'expired', 'forged', 'wrongKey'];

interface Operation {
  name: string;
  query: string;
  /** expected outcome per caller ('ok', 'null': no error and the top field null, or an error code); callers left out expect `others` */
  expect: Partial<Record<Caller, string>> & { others: string };
}

const TODAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam' }).format(new Date());
/** The day 12WX goes to 43555: a month ahead, so 41234 holds it today. */
const LATER_MOVE_DATE = addDays(TODAY, 30);
const PUBLIC = { others: 'ok' };
const BOARD_DATA = { board: 'ok', support: 'ok', analyst: 'ok', others: 'FORBIDDEN' };

const OPERATIONS: Operation[] = [
  { name: 'services (catalogue)', query: '{ services { code } }', expect: PUBLIC },
  { name: 'supportContacts', query: '{ supportContacts { value } }', expect: PUBLIC },
  { name: 'resolveContact', query: '{ resolveContact(value: "servicedesk@oso-od.nl") { inUse } }', expect: PUBLIC },
  { name: 'board (RIO data)', query: '{ board(bevoegdGezagNummer: "41234") { name schools { brin } } }', expect: PUBLIC },
  { name: 'supplier (catalogue)', query: `{ supplier(oin: "${SUPPLIER_A.oin}") { name systems { name } } }`, expect: PUBLIC },
  { name: 'school mandates', query: '{ school(brin: "25BE") { mandates { id } } }', expect: { ...BOARD_DATA, supplier: 'ok', otherSupplier: 'ok' } },
  { name: 'school aanleverpunten', query: '{ school(brin: "25BE") { aanleverpunten { index } } }', expect: { ...BOARD_DATA, supplier: 'ok', otherSupplier: 'ok' } },
  { name: 'board mandates', query: '{ board(bevoegdGezagNummer: "41234") { mandates { id } } }', expect: BOARD_DATA },
  { name: 'board agreements', query: '{ board(bevoegdGezagNummer: "41234") { agreements { id } } }', expect: BOARD_DATA },
  { name: 'board review items', query: '{ board(bevoegdGezagNummer: "41234") { reviewItems { id } } }', expect: BOARD_DATA },
  { name: 'mandate by id (supplier A\'s system)', query: '{ mandate(id: "m-00AV-OSO_OV-voorbeeld-las-2022-08-15") { id } }', expect: { ...BOARD_DATA, supplier: 'ok' } },
  { name: 'mandate history', query: '{ mandate(id: "m-00AV-OSO_OV-voorbeeld-las-2022-08-15") { history { by } } }', expect: BOARD_DATA },
  { name: 'supplierMandates', query: '{ supplierMandates(first: 5) { edges { node { id } } } }', expect: { supplier: 'ok', otherSupplier: 'ok', support: 'BAD_USER_INPUT', analyst: 'BAD_USER_INPUT', others: 'FORBIDDEN' } },
  { name: 'supplierMandates of another supplier', query: `{ supplierMandates(first: 5, supplier: "${SUPPLIER_A.oin}") { edges { node { id } } } }`, expect: { supplier: 'ok', support: 'ok', analyst: 'ok', others: 'FORBIDDEN' } },
  { name: 'agreement by id', query: '{ agreement(id: "a-41234-oso") { status } }', expect: BOARD_DATA },
  { name: 'agreementCoverage', query: `{ agreementCoverage(bevoegdGezagNummer: "41234", service: OSO_OV, date: "${TODAY}") { covered } }`, expect: BOARD_DATA },
  {
    name: 'grantMandate (overlapping)',
    query: 'mutation { grantMandate(input: { service: OSO_OV, systemId: "voorbeeld-las", brin: "00AV", bevoegdGezagNummer: "41234", startDate: "2027-01-01" }) { mandates { id } } }',
    expect: { board: 'CONFLICT', support: 'CONFLICT', others: 'FORBIDDEN' },
  },
  {
    name: 'endMandate (stale version)',
    query: 'mutation { endMandate(input: { id: "m-00AV-OSO_OV-voorbeeld-las-2022-08-15", endDate: "2030-01-01", expectedVersion: 99 }) { mandates { id } } }',
    expect: { board: 'CONFLICT', support: 'CONFLICT', others: 'FORBIDDEN' },
  },
  {
    name: 'switchSystem (same system)',
    query: 'mutation { switchSystem(input: { brin: "00AV", service: OSO_OV, fromSystemId: "voorbeeld-las", toSystemId: "ldd-las", startDate: "2022-08-15" }) { mandates { id } } }',
    expect: { board: 'BAD_USER_INPUT', support: 'BAD_USER_INPUT', others: 'FORBIDDEN' },
  },
  {
    name: 'terminateAgreement (end before it started)',
    query: 'mutation { terminateAgreement(id: "a-41234-oso", endDate: "2000-01-01", reason: "test") { status } }',
    expect: { board: 'BAD_USER_INPUT', support: 'BAD_USER_INPUT', others: 'FORBIDDEN' },
  },
  {
    name: 'addSupportContact (invalid e-mail)',
    query: 'mutation { addSupportContact(input: { channel: EMAIL, value: "not-an-address", label: "x", topics: [GENERAL] }) { id } }',
    expect: { support: 'BAD_USER_INPUT', others: 'FORBIDDEN' },
  },
  { name: 'followOrganisationChanges', query: 'mutation { followOrganisationChanges { changesRead } }', expect: { support: 'ok', others: 'FORBIDDEN' } },
  // The supplier catalogue: listing is public like supplier(oin); its history is for support,
  // analysts and the supplier itself; every change is for support only.
  { name: 'suppliers (catalogue)', query: '{ suppliers(first: 5) { edges { node { oin name } } } }', expect: PUBLIC },
  { name: 'supplier catalogue history', query: `{ supplier(oin: "${SUPPLIER_A.oin}") { history { action } } }`, expect: { supplier: 'ok', support: 'ok', analyst: 'ok', others: 'FORBIDDEN' } },
  {
    name: 'registerSupplier (OIN registered already)',
    query: `mutation { registerSupplier(input: { oin: "${SUPPLIER_A.oin}", name: "Another name" }) { oin } }`,
    expect: { support: 'CONFLICT', others: 'FORBIDDEN' },
  },
  {
    name: 'renameSupplier (not an OIN)',
    query: 'mutation { renameSupplier(input: { oin: "12345", name: "x" }) { oin } }',
    expect: { support: 'BAD_USER_INPUT', others: 'FORBIDDEN' },
  },
  {
    name: 'addSystem (name taken, case aside)',
    query: `mutation { addSystem(input: { supplier: "${SUPPLIER_A.oin}", name: "voorbeeld las", kind: LAS, services: [OSO_OV] }) { id } }`,
    expect: { support: 'CONFLICT', others: 'FORBIDDEN' },
  },
  {
    name: 'changeSystemServices (unknown system)',
    query: 'mutation { changeSystemServices(input: { id: "no-such-system", services: [OSO_OV] }) { id } }',
    expect: { support: 'NOT_FOUND', others: 'FORBIDDEN' },
  },
  {
    name: 'retireSystem (unknown system)',
    query: 'mutation { retireSystem(input: { id: "no-such-system", lastDay: "2026-06-30" }) { system { id } } }',
    expect: { support: 'NOT_FOUND', others: 'FORBIDDEN' },
  },
  // The service catalogue: public to read, its history for support and analysts, changes for support only.
  { name: 'service catalogue history', query: '{ service(code: OSO_OV) { history { action } } }', expect: { support: 'ok', analyst: 'ok', others: 'FORBIDDEN' } },
  {
    name: 'registerService (in the catalogue already)',
    query: 'mutation { registerService(input: { code: OSO_OV, name: "x", description: "x", mandateLevel: SCHOOL }) { code } }',
    expect: { support: 'CONFLICT', others: 'FORBIDDEN' },
  },
  {
    name: 'changeService (nothing to change)',
    query: 'mutation { changeService(input: { code: OSO_OV }) { code } }',
    expect: { support: 'BAD_USER_INPUT', others: 'FORBIDDEN' },
  },
  // (retireService has no refusal after the access check that writes nothing: service-catalogue.test.ts checks who may)
  // Issue 17.5: a missing id answers as one the caller may not see; 17.7: who reviewed, as the history.
  { name: 'mandate by id (missing)', query: '{ mandate(id: "m-00AV-OSO_OV-nope-2022-08-15") { id } }', expect: { support: 'null', analyst: 'null', others: 'FORBIDDEN' } },
  { name: 'mandate lastReviewedBy', query: '{ mandate(id: "m-00AV-OSO_OV-voorbeeld-las-2022-08-15") { lastReviewedBy } }', expect: BOARD_DATA },
  { name: 'agreement by id (missing)', query: '{ agreement(id: "a-99999-none") { status } }', expect: { support: 'null', analyst: 'null', others: 'FORBIDDEN' } },
  // The yearly mandate check (issue 20): a board's own check, figures (boards their own), a
  // mandate's state for its supplier too, confirming by the board's staff and support only.
  { name: 'board mandateCheck', query: '{ board(bevoegdGezagNummer: "41234") { mandateCheck { due openMandates(first: 2) { edges { node { id } } } } } }', expect: BOARD_DATA },
  { name: 'mandateCheckProgress', query: '{ mandateCheckProgress(groupBy: SECTOR) { mandatesDue groups { sector } boards(first: 3) { edges { node { mandatesOpen } } } } }', expect: { board: 'ok', otherBoard: 'ok', newBoard: 'ok', futureBoard: 'ok', support: 'ok', analyst: 'ok', others: 'FORBIDDEN' } },
  { name: 'mandateCheckSeries', query: '{ mandateCheckSeries { date mandatesConfirmed } }', expect: { board: 'ok', otherBoard: 'ok', newBoard: 'ok', futureBoard: 'ok', support: 'ok', analyst: 'ok', others: 'FORBIDDEN' } },
  { name: 'mandate yearCheck (supplier A\'s system)', query: '{ mandate(id: "m-00AV-OSO_OV-voorbeeld-las-2022-08-15") { yearCheck { due confirmed } } }', expect: { ...BOARD_DATA, supplier: 'ok' } },
  { name: 'mandate yearCheck confirmedBy', query: '{ mandate(id: "m-00AV-OSO_OV-voorbeeld-las-2022-08-15") { yearCheck { confirmedBy } } }', expect: BOARD_DATA },
  {
    name: 'confirmMandates (a past school year)',
    query: 'mutation { confirmMandates(board: "41234", schoolYear: "2020-2021", ids: ["m-00AV-OSO_OV-voorbeeld-las-2022-08-15"]) { newlyConfirmed } }',
    expect: { board: 'BAD_USER_INPUT', support: 'BAD_USER_INPUT', others: 'FORBIDDEN' },
  },
  // The "school moved" rows: 13YZ moved from 41234 (board) to 43555 (newBoard); its mandate names supplier B's system.
  { name: 'moved school: its mandates', query: '{ school(brin: "13YZ") { mandates { id } } }', expect: { board: 'ok', newBoard: 'ok', futureBoard: 'ok', supplier: 'ok', otherSupplier: 'ok', support: 'ok', analyst: 'ok', others: 'FORBIDDEN' } },
  { name: 'moved school: the new board\'s mandates', query: '{ board(bevoegdGezagNummer: "43555") { mandates { id } } }', expect: { newBoard: 'ok', futureBoard: 'ok', support: 'ok', analyst: 'ok', others: 'FORBIDDEN' } },
  { name: 'moved school: mandate by id', query: `{ mandate(id: "${MOVED_MANDATE}") { id } }`, expect: { board: 'ok', newBoard: 'ok', futureBoard: 'ok', otherSupplier: 'ok', support: 'ok', analyst: 'ok', others: 'FORBIDDEN' } },
  { name: 'moved school: mandate history', query: `{ mandate(id: "${MOVED_MANDATE}") { history { by } } }`, expect: { board: 'ok', newBoard: 'ok', futureBoard: 'ok', support: 'ok', analyst: 'ok', others: 'FORBIDDEN' } },
  { name: 'moved school: lastReviewedBy', query: `{ mandate(id: "${MOVED_MANDATE}") { lastReviewedBy } }`, expect: { board: 'ok', newBoard: 'ok', futureBoard: 'ok', support: 'ok', analyst: 'ok', others: 'FORBIDDEN' } },
  { name: 'moved school: the new board\'s mandateCheck', query: '{ board(bevoegdGezagNummer: "43555") { mandateCheck { due open } } }', expect: { newBoard: 'ok', futureBoard: 'ok', support: 'ok', analyst: 'ok', others: 'FORBIDDEN' } },
  {
    name: 'moved school: confirmMandates by the old board (not its school now)',
    query: `mutation { confirmMandates(board: "41234", ids: ["${MOVED_MANDATE}"]) { newlyConfirmed } }`,
    expect: { support: 'BAD_USER_INPUT', others: 'FORBIDDEN' },
  },
  {
    name: 'moved school: endMandate (stale version)',
    query: `mutation { endMandate(input: { id: "${MOVED_MANDATE}", endDate: "2030-01-01", expectedVersion: 99 }) { mandates { id } } }`,
    expect: { newBoard: 'CONFLICT', futureBoard: 'CONFLICT', support: 'CONFLICT', others: 'FORBIDDEN' },
  },
  {
    name: 'moved school: grantMandate by the old board after the move',
    query: 'mutation { grantMandate(input: { service: OSO_OV, systemId: "voorbeeld-las", brin: "13YZ", bevoegdGezagNummer: "41234", startDate: "2030-01-01" }) { mandates { id } } }',
    expect: { support: 'BAD_USER_INPUT', others: 'FORBIDDEN' },
  },
  {
    name: 'moved school: grantMandate by the new board (overlapping)',
    query: 'mutation { grantMandate(input: { service: OSO_OV, systemId: "ldd-las", brin: "13YZ", bevoegdGezagNummer: "43555", startDate: "2030-01-01" }) { mandates { id } } }',
    expect: { newBoard: 'CONFLICT', futureBoard: 'CONFLICT', support: 'CONFLICT', others: 'FORBIDDEN' },
  },
  {
    name: 'moved school: switchSystem (start before today)',
    query: 'mutation { switchSystem(input: { brin: "13YZ", service: OSO_OV, fromSystemId: "ldd-las", toSystemId: "voorbeeld-las", startDate: "2026-11-15" }) { mandates { id } } }',
    expect: { newBoard: 'BAD_USER_INPUT', futureBoard: 'BAD_USER_INPUT', support: 'BAD_USER_INPUT', others: 'FORBIDDEN' },
  },
  // The "move in the future" rows: 12WX goes to 43555 (newBoard, futureBoard) on LATER_MOVE_DATE;
  // 41234 (board) holds it until then. Its mandate names supplier B's system.
  { name: 'move in the future: the school\'s mandates', query: '{ school(brin: "12WX") { mandates { id } } }', expect: { board: 'ok', supplier: 'ok', otherSupplier: 'ok', support: 'ok', analyst: 'ok', others: 'FORBIDDEN' } },
  { name: 'move in the future: the school\'s aanleverpunten', query: '{ school(brin: "12WX") { aanleverpunten { index } } }', expect: { board: 'ok', supplier: 'ok', otherSupplier: 'ok', support: 'ok', analyst: 'ok', others: 'FORBIDDEN' } },
  { name: 'move in the future: mandate by id', query: `{ mandate(id: "${LATER_MOVED_MANDATE}") { id } }`, expect: { board: 'ok', otherSupplier: 'ok', support: 'ok', analyst: 'ok', others: 'FORBIDDEN' } },
  { name: 'move in the future: mandate history', query: `{ mandate(id: "${LATER_MOVED_MANDATE}") { history { by } } }`, expect: { board: 'ok', support: 'ok', analyst: 'ok', others: 'FORBIDDEN' } },
  { name: 'move in the future: yearCheck confirmedBy', query: `{ mandate(id: "${LATER_MOVED_MANDATE}") { yearCheck { confirmedBy } } }`, expect: { board: 'ok', support: 'ok', analyst: 'ok', others: 'FORBIDDEN' } },
  {
    name: 'move in the future: endMandate (stale version)',
    query: `mutation { endMandate(input: { id: "${LATER_MOVED_MANDATE}", endDate: "${addDays(LATER_MOVE_DATE, -1)}", expectedVersion: 99 }) { mandates { id } } }`,
    expect: { board: 'CONFLICT', support: 'CONFLICT', others: 'FORBIDDEN' },
  },
  {
    name: 'move in the future: confirmMandates by the board it goes to',
    query: `mutation { confirmMandates(board: "43555", ids: ["${LATER_MOVED_MANDATE}"]) { newlyConfirmed } }`,
    expect: { support: 'BAD_USER_INPUT', others: 'FORBIDDEN' },
  },
  {
    name: 'move in the future: grantMandate by the board it goes to (from the move, overlapping)',
    query: `mutation { grantMandate(input: { service: OSO_OV, systemId: "ldd-las", brin: "12WX", bevoegdGezagNummer: "43555", startDate: "${LATER_MOVE_DATE}" }) { mandates { id } } }`,
    expect: { support: 'CONFLICT', others: 'FORBIDDEN' },
  },
  // Webhooks (issue 21): a supplier its own, support any (naming the supplier); an endpoint or
  // event of another supplier answers like a missing one.
  { name: 'webhooks', query: '{ webhooks { edges { node { id } } } }', expect: { supplier: 'ok', otherSupplier: 'ok', support: 'BAD_USER_INPUT', others: 'FORBIDDEN' } },
  { name: 'webhooks of supplier A', query: `{ webhooks(supplier: "${SUPPLIER_A.oin}") { edges { node { id } } } }`, expect: { supplier: 'ok', support: 'ok', others: 'FORBIDDEN' } },
  { name: 'webhookDeliveries (missing webhook)', query: '{ webhookDeliveries(webhookId: "wh_missing") { edges { node { id } } } }', expect: { support: 'NOT_FOUND', others: 'FORBIDDEN' } },
  { name: 'registerWebhook (not an https URL)', query: 'mutation { registerWebhook(input: { url: "ftp://hooks.example.com/osr" }) { secret } }', expect: { supplier: 'BAD_USER_INPUT', otherSupplier: 'BAD_USER_INPUT', support: 'BAD_USER_INPUT', others: 'FORBIDDEN' } },
  { name: 'rotateWebhookSecret (missing webhook)', query: 'mutation { rotateWebhookSecret(id: "wh_missing") { secret } }', expect: { support: 'NOT_FOUND', others: 'FORBIDDEN' } },
  { name: 'pauseWebhook (missing webhook)', query: 'mutation { pauseWebhook(id: "wh_missing") { id } }', expect: { support: 'NOT_FOUND', others: 'FORBIDDEN' } },
  { name: 'resumeWebhook (missing webhook)', query: 'mutation { resumeWebhook(id: "wh_missing") { id } }', expect: { support: 'NOT_FOUND', others: 'FORBIDDEN' } },
  { name: 'deleteWebhook (missing webhook)', query: 'mutation { deleteWebhook(id: "wh_missing") }', expect: { support: 'NOT_FOUND', others: 'FORBIDDEN' } },
  { name: 'redeliverWebhookEvent (unknown event)', query: 'mutation { redeliverWebhookEvent(id: "evt_missing") { id } }', expect: { support: 'NOT_FOUND', others: 'FORBIDDEN' } },
];

describe('the authorisation matrix through the gateway', () => {
  let system: RunningSystem;
  const headers = {} as Record<Caller, Record<string, string>>;
  const prefix = freshPrefix();
  let before: Record<string, string>;

  beforeAll(async () => {
    await seedDemo(databaseUri(), prefix, buildDemoData());
    system = await startSystem(prefix, { rateLimit: { perMinute: 0, burst: 0 } });
    // The "school moved" column: 13YZ moves to 43555, the mandates subgraph reads the feed and
    // the new board reviews the flagged mandate (as in the reported case; the flag is then gone).
    await moveSchool13YZ(system);
    // The "move in the future" column: 12WX goes to 43555 a month from today (the feed is read, too).
    await moveSchool12WXLater(system, TODAY, LATER_MOVE_DATE);
    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
    headers.none = {};
    headers.board = bearer(await tokenFor({ role: 'BOARD', board: '41234', rights: ['OSR_TOEGANG'] }));
    headers.boardNoRight = bearer(await tokenFor({ role: 'BOARD', board: '41234' }));
    headers.otherBoard = bearer(await tokenFor({ role: 'BOARD', board: '42001', rights: ['OSR_TOEGANG'] }));
    headers.newBoard = bearer(await tokenFor({ role: 'BOARD', board: '43555', rights: ['OSR_TOEGANG'] }));
    headers.futureBoard = bearer(await tokenFor({ role: 'BOARD', board: '43555', rights: ['OSR_TOEGANG'], name: 'Staff of 43555, which gets 12WX later' }));
    const reviewed = await graphql(system.gatewayUrl, `mutation { markMandatesReviewed(ids: ["${MOVED_MANDATE}"]) { mandates { id } } }`, undefined, headers.newBoard);
    expect(reviewed.errors).toBeUndefined();
    headers.supplier = bearer(await tokenFor({ role: 'SUPPLIER', supplier: SUPPLIER_A.oin }));
    headers.otherSupplier = bearer(await tokenFor({ role: 'SUPPLIER', supplier: SUPPLIER_B.oin }));
    headers.support = bearer(await tokenFor({ role: 'SUPPORT' }));
    headers.analyst = bearer(await tokenFor({ role: 'ANALYST' }));
    headers.expired = bearer(await tokenFor({ role: 'SUPPORT' }, Math.floor(Date.now() / 1000) - 5));
    const [h, p, sig] = (await tokenFor({ role: 'ANALYST' })).split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    headers.forged = bearer(`${h}.${Buffer.from(JSON.stringify({ ...claims, role: 'SUPPORT' })).toString('base64url')}.${sig}`);
    const other = await generateKeyPair('ES256');
    const wrongKey = await new SignJWT({ role: 'SUPPORT', name: 'x', rights: [] })
      .setProtectedHeader({ alg: 'ES256' }).setSubject('x').setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE).setExpirationTime('5m').sign(other.privateKey);
    headers.wrongKey = bearer(wrongKey);
    before = await snapshotDatabases(databaseUri(), prefix);
  });
  afterAll(() => system?.stop());

  const cases = OPERATIONS.flatMap((op) => CALLERS.map((caller) => [op.name, caller, op] as const));
  it.each(cases)('%s as %s', async (_name, caller, op) => {
    const res = await graphql(system.gatewayUrl, op.query, undefined, headers[caller]);
    const rejected = caller === 'expired' || caller === 'forged' || caller === 'wrongKey';
    const expected = rejected ? 'UNAUTHENTICATED' : (op.expect[caller] ?? op.expect.others);
    const top = res.data ? Object.values(res.data)[0] : undefined;
    const outcome = res.errors?.length ? String(res.errors[0]!.extensions?.['code']) : top === null ? 'null' : 'ok';
    expect(outcome, JSON.stringify(res.errors?.[0])).toBe(expected);
    if (rejected) expect(res.status).toBe(401);
    if (expected === 'FORBIDDEN') expect(res.errors![0]!.path, 'a denial names the path').toBeDefined();
  });

  it('a move in the future: until its day the school, its mandates and its check stay with the board it leaves', async () => {
    type Lists = { board: { schools: { brin: string; board: { bevoegdGezagNummer: string } }[]; mandates: { id: string }[]; mandateCheck: { mandates: number } } };
    const ask = (board: string, caller: Caller) => graphql<Lists>(system.gatewayUrl,
      'query ($b: ID!) { board(bevoegdGezagNummer: $b) { schools { brin board { bevoegdGezagNummer } } mandates { id } mandateCheck { mandates: due } } }', { b: board }, headers[caller]);
    const [leaving, arriving] = await Promise.all([ask('41234', 'board'), ask('43555', 'futureBoard')]);
    expect(leaving.errors).toBeUndefined();
    expect(arriving.errors).toBeUndefined();
    const school = leaving.data!.board.schools.find((s) => s.brin === '12WX');
    expect(school?.board.bevoegdGezagNummer).toBe('41234');
    expect(arriving.data!.board.schools.map((s) => s.brin)).not.toContain('12WX');
    expect(leaving.data!.board.mandates.map((m) => m.id)).toContain(LATER_MOVED_MANDATE);
    expect(arriving.data!.board.mandates.map((m) => m.id)).not.toContain(LATER_MOVED_MANDATE);
    const open = async (board: string, caller: Caller) => {
      const res = await graphql<{ board: { mandateCheck: { openMandates: { edges: { node: { id: string } }[] } } } }>(system.gatewayUrl,
        'query ($b: ID!) { board(bevoegdGezagNummer: $b) { mandateCheck { openMandates(first: 100) { edges { node { id } } } } } }', { b: board }, headers[caller]);
      expect(res.errors).toBeUndefined();
      return res.data!.board.mandateCheck.openMandates.edges.map((e) => e.node.id);
    };
    expect(await open('41234', 'board')).toContain(LATER_MOVED_MANDATE);
    expect(await open('43555', 'futureBoard')).not.toContain(LATER_MOVED_MANDATE);
  });

  it('a subgraph called directly, without the gateway\'s signature, refuses', async () => {
    for (const sub of Object.values(system.subgraphs)) {
      const res = await graphql(sub.url, '{ __typename }');
      expect(res.status, sub.name).toBe(401);
      const forged = await graphql(sub.url, '{ __typename }', undefined, { [IDENTITY_HEADER]: 'eyJzdWIiOiJ4In0.AAAA' });
      expect(forged.status, sub.name).toBe(401);
    }
  });

  it('the matrix wrote nothing (the feed was read before, so following it again moves nothing)', async () => {
    const after = await snapshotDatabases(databaseUri(), prefix);
    const changed = Object.keys({ ...before, ...after }).filter((k) => before[k] !== after[k]);
    expect(changed).toEqual([]);
  });
});
