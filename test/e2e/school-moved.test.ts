/**
 * Issue 17.1 through the gateway, on the real database: school 13YZ moves from board 41234 to
 * board 43555 by a RIO delta. Its mandates follow the school: the board that holds the school
 * now sees, changes and reviews them; the board that gave them keeps read access to them and
 * to their history for the period it held the school, and can no longer change them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { todayInNetherlands } from '@osr/common';
import { buildDemoData, SUPPLIER_B, SYSTEM_A, SYSTEM_B } from '../../scripts/demo-data.js';
import { seedDemo } from '../../scripts/seed-lib.js';
import { MOVED_MANDATE, moveSchool13YZ } from '../support/school-move.js';
import { bearer, databaseUri, freshPrefix, graphql, startSystem, type GraphQLResponse, type RunningSystem } from '../support/system.js';

function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

const code = (res: GraphQLResponse) => (res.errors?.length ? String(res.errors[0]!.extensions?.['code']) : 'ok');

interface MandateRow {
  id: string;
  version: number;
  endDate: string | null;
  school: { brin: string } | null;
  board: { bevoegdGezagNummer: string };
}
const FIELDS = 'id version endDate school { brin } board { bevoegdGezagNummer }';

describe('a school that moved to another board: its mandates follow the school (issue 17.1)', () => {
  let system: RunningSystem;
  let oldBoard: Record<string, string>;
  let newBoard: Record<string, string>;
  let otherBoard: Record<string, string>;
  let supplierB: Record<string, string>;
  const today = todayInNetherlands();
  const soon = addDays(today, 14);

  beforeAll(async () => {
    const prefix = freshPrefix();
    const demo = buildDemoData();
    // Board 43555 has an OSO agreement here, so that only access decides its switch below.
    demo.agreements.agreements.push({
      ...demo.agreements.agreements.find((a) => a.id === 'a-42001-oso')!,
      id: 'a-43555-oso', boardNummer: '43555', signedBy: 'A. Bakker',
    });
    await seedDemo(databaseUri(), prefix, demo);
    system = await startSystem(prefix, { rateLimit: { perMinute: 0, burst: 0 } });
    oldBoard = await bearer({ role: 'BOARD', board: '41234', rights: ['OSR_TOEGANG'], name: 'Staff of 41234' });
    newBoard = await bearer({ role: 'BOARD', board: '43555', rights: ['OSR_TOEGANG'], name: 'Staff of 43555' });
    otherBoard = await bearer({ role: 'BOARD', board: '42001', rights: ['OSR_TOEGANG'] });
    supplierB = await bearer({ role: 'SUPPLIER', supplier: SUPPLIER_B.oin });
    await moveSchool13YZ(system);
  });
  afterAll(() => system?.stop());

  async function boardMandates(board: string, headers: Record<string, string>) {
    const res = await graphql<{ board: { mandates: MandateRow[] } }>(system.gatewayUrl, `query ($b: ID!) { board(bevoegdGezagNummer: $b) { mandates { ${FIELDS} } } }`, { b: board }, headers);
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data!.board.mandates;
  }
  async function schoolMandates(brin: string, headers: Record<string, string>) {
    return graphql<{ school: { mandates: MandateRow[] | null } }>(system.gatewayUrl, `query ($s: ID!) { school(brin: $s) { mandates { ${FIELDS} } } }`, { s: brin }, headers);
  }
  async function mandate(id: string, headers: Record<string, string>, fields = FIELDS) {
    return graphql<{ mandate: (MandateRow & Record<string, unknown>) | null }>(system.gatewayUrl, `query ($id: ID!) { mandate(id: $id) { ${fields} } }`, { id }, headers);
  }
  const ids = (rows: { id: string }[]) => rows.map((r) => r.id).sort();

  it('the new board reviews the flagged mandate of the school that moved to it', async () => {
    const res = await graphql<{ markMandatesReviewed: { mandates: { id: string; needsReview: boolean; lastReviewedBy: string }[] } }>(
      system.gatewayUrl,
      'mutation ($ids: [ID!]!) { markMandatesReviewed(ids: $ids) { mandates { id needsReview lastReviewedBy } } }',
      { ids: [MOVED_MANDATE] },
      newBoard,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.markMandatesReviewed.mandates).toEqual([{ id: MOVED_MANDATE, needsReview: false, lastReviewedBy: 'Staff of 43555' }]);
  });

  it('after the review, the new board still sees the school\'s mandates in Board.mandates, the same as school.mandates', async () => {
    const ofSchool = await schoolMandates('13YZ', newBoard);
    expect(ofSchool.errors).toBeUndefined();
    const schoolIds = ids(ofSchool.data!.school.mandates!);
    expect(schoolIds).toEqual([MOVED_MANDATE]);
    const boardIds = ids((await boardMandates('43555', newBoard)).filter((m) => m.school?.brin === '13YZ'));
    expect(boardIds).toEqual(schoolIds);
    // Support sees the same through both fields.
    const support = await bearer({ role: 'SUPPORT' });
    expect(ids((await boardMandates('43555', support)).filter((m) => m.school?.brin === '13YZ'))).toEqual(schoolIds);
  });

  it('the old board can no longer end, switch or grant for the school after the move, and the refusal names nothing of the new board', async () => {
    const current = (await mandate(MOVED_MANDATE, await bearer({ role: 'SUPPORT' }))).data!.mandate!;
    const ended = await graphql(
      system.gatewayUrl,
      'mutation ($i: EndMandateInput!) { endMandate(input: $i) { mandates { id } } }',
      { i: { id: MOVED_MANDATE, endDate: soon, expectedVersion: current.version } },
      oldBoard,
    );
    expect(code(ended)).toBe('FORBIDDEN');
    const granted = await graphql(
      system.gatewayUrl,
      'mutation ($i: GrantMandateInput!) { grantMandate(input: $i) { mandates { id } } }',
      { i: { service: 'OSO_OV', systemId: SYSTEM_A, brin: '13YZ', bevoegdGezagNummer: '41234', startDate: soon } },
      oldBoard,
    );
    expect(code(granted)).toBe('FORBIDDEN');
    expect(granted.errors![0]!.message).not.toContain('43555');
    const switched = await graphql(
      system.gatewayUrl,
      'mutation ($i: SwitchSystemInput!) { switchSystem(input: $i) { mandates { id } } }',
      { i: { brin: '13YZ', service: 'OSO_OV', fromSystemId: SYSTEM_B, toSystemId: SYSTEM_A, startDate: soon } },
      oldBoard,
    );
    expect(code(switched)).toBe('FORBIDDEN');
    expect(switched.errors![0]!.message).not.toContain('43555');
    // Nothing was written by those attempts.
    expect((await mandate(MOVED_MANDATE, await bearer({ role: 'SUPPORT' }))).data!.mandate).toEqual(current);
  });

  it('the old board keeps read access to the mandate it gave, and to its history up to the move only', async () => {
    const seen = await mandate(MOVED_MANDATE, oldBoard, `${FIELDS} history { action by }`);
    expect(seen.errors).toBeUndefined();
    expect(seen.data!.mandate).toMatchObject({ id: MOVED_MANDATE, board: { bevoegdGezagNummer: '41234' } });
    // The flag and the new board's review happened after the move: not the old board's business.
    expect(seen.data!.mandate!['history']).toEqual([{ action: 'CREATED', by: 'data load' }]);
    // Board.mandates and school.mandates agree for the old board too: the mandates it gave.
    const ofSchool = await schoolMandates('13YZ', oldBoard);
    expect(ofSchool.errors).toBeUndefined();
    expect(ids(ofSchool.data!.school.mandates!)).toEqual([MOVED_MANDATE]);
    expect(ids((await boardMandates('41234', oldBoard)).filter((m) => m.school?.brin === '13YZ'))).toEqual([MOVED_MANDATE]);
  });

  it('the new board sees the whole history and changes the mandate: a stale version is a CONFLICT, a switch goes through', async () => {
    const seen = await mandate(MOVED_MANDATE, newBoard, `${FIELDS} history { action by }`);
    expect(seen.errors).toBeUndefined();
    expect((seen.data!.mandate!['history'] as { action: string }[]).map((h) => h.action)).toEqual(['CREATED', 'FLAGGED_FOR_REVIEW', 'REVIEWED']);
    const stale = await graphql(
      system.gatewayUrl,
      'mutation ($i: EndMandateInput!) { endMandate(input: $i) { mandates { id } } }',
      { i: { id: MOVED_MANDATE, endDate: soon, expectedVersion: 1 } },
      newBoard,
    );
    expect(code(stale)).toBe('CONFLICT');
    const switched = await graphql<{ switchSystem: { mandates: MandateRow[] } }>(
      system.gatewayUrl,
      `mutation ($i: SwitchSystemInput!) { switchSystem(input: $i) { mandates { ${FIELDS} } } }`,
      { i: { brin: '13YZ', service: 'OSO_OV', fromSystemId: SYSTEM_B, toSystemId: SYSTEM_A, startDate: soon } },
      newBoard,
    );
    expect(switched.errors, JSON.stringify(switched.errors)).toBeUndefined();
    const [ended, started] = switched.data!.switchSystem.mandates;
    expect(ended).toMatchObject({ id: MOVED_MANDATE, endDate: addDays(soon, -1), board: { bevoegdGezagNummer: '41234' } });
    expect(started).toMatchObject({ endDate: null, board: { bevoegdGezagNummer: '43555' }, school: { brin: '13YZ' } });
    // The new mandate's id is random, not built from the school, service, system or date.
    expect(started!.id).not.toMatch(/13YZ|OSO_OV|voorbeeld|ldd/);
    // Both boards' views agree with the school's: the new board sees both, the old board only the one it gave.
    expect(ids((await boardMandates('43555', newBoard)).filter((m) => m.school?.brin === '13YZ'))).toEqual(ids(switched.data!.switchSystem.mandates));
    expect(ids((await schoolMandates('13YZ', newBoard)).data!.school.mandates!)).toEqual(ids(switched.data!.switchSystem.mandates));
    expect(ids((await schoolMandates('13YZ', oldBoard)).data!.school.mandates!)).toEqual([MOVED_MANDATE]);
    expect(code(await mandate(started!.id, oldBoard))).toBe('FORBIDDEN');
  });

  it('a board that never held the school sees nothing of its mandates; the supplier sees its own without history or reviewer', async () => {
    expect(code(await schoolMandates('13YZ', otherBoard))).toBe('FORBIDDEN');
    expect(code(await mandate(MOVED_MANDATE, otherBoard))).toBe('FORBIDDEN');
    const bySupplier = await mandate(MOVED_MANDATE, supplierB, 'id');
    expect(bySupplier.errors).toBeUndefined();
    expect(code(await mandate(MOVED_MANDATE, supplierB, 'id history { by }'))).toBe('FORBIDDEN');
  });
});
