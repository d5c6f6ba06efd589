/**
 * Issue 20 through the gateway, on the real database: the yearly mandate check. Each school
 * year (1 August to 31 July) every board confirms its due mandates; a grant, change or switch
 * in the year counts as a check; support and analysts follow the campaign nationally, a board
 * its own figures; suppliers see whether their mandates are confirmed; a school that moves is
 * open again for the board that holds it now. The narrative runs in order on the demo data
 * (board 41234: 14 schools, 17 running mandates; 42001: 2; 43555: 3).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPeerClient, todayInNetherlands, type Identity } from '@osr/common';
import { OrganisationsRepository } from '@osr/subgraph-organisations/repository';
import { importRio } from '@osr/subgraph-organisations/rio';
import { buildDemoData, SUPPLIER_A } from '../../scripts/demo-data.js';
import { seedDemo } from '../../scripts/seed-lib.js';
import { MandateCheck } from '../../subgraphs/mandates/src/mandate-check.js';
import { organisationsApi } from '../../subgraphs/mandates/src/peers.js';
import { directAccess } from '../../subgraphs/mandates/src/repositories/direct.js';
import { organisationsSchoolDirectory } from '../../subgraphs/mandates/src/school-directory.js';
import { parseSchoolYear } from '../../subgraphs/mandates/src/school-year.js';
import { MOVED_MANDATE, rioDeltaMoving13YZ } from '../support/school-move.js';
import { bearer, databaseUri, freshPrefix, graphql, identitySecret, startSystem, type GraphQLResponse, type RunningSystem } from '../support/system.js';

const code = (res: GraphQLResponse) => (res.errors?.length ? String(res.errors[0]!.extensions?.['code']) : 'ok');
const today = todayInNetherlands();
const startYear = Number(today.slice(0, 4)) - (today.slice(5) >= '08-01' ? 0 : 1);
/** The current school year, computed here independently of the code under test. */
const YEAR = `${startYear}-${startYear + 1}`;

const mid = (brin: string, service: string, system: string) => `m-${brin}-${service}-${system}-2022-08-15`;

interface CheckView {
  schoolYear: string;
  due: number;
  confirmed: number;
  open: number;
  finished: boolean;
  finishedAt: string | null;
  finishedBy: string | null;
  openMandates: { edges: { cursor: string; node: { id: string; school: { brin: string; name: string } | null; service: { code: string }; system: { name: string } } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

describe('the yearly mandate check (issue 20)', () => {
  let system: RunningSystem;
  let staff41234: Record<string, string>;
  let staff42001: Record<string, string>;
  let staff43555: Record<string, string>;
  let support: Record<string, string>;
  let analyst: Record<string, string>;
  let supplierA: Record<string, string>;

  beforeAll(async () => {
    const prefix = freshPrefix();
    await seedDemo(databaseUri(), prefix, buildDemoData());
    system = await startSystem(prefix, { rateLimit: { perMinute: 0, burst: 0 } });
    staff41234 = await bearer({ role: 'BOARD', board: '41234', rights: ['OSR_TOEGANG'], name: 'Staff of 41234' });
    staff42001 = await bearer({ role: 'BOARD', board: '42001', rights: ['OSR_TOEGANG'], name: 'Staff of 42001' });
    staff43555 = await bearer({ role: 'BOARD', board: '43555', rights: ['OSR_TOEGANG'], name: 'Staff of 43555' });
    support = await bearer({ role: 'SUPPORT', name: 'Kennisnet Support' });
    analyst = await bearer({ role: 'ANALYST' });
    supplierA = await bearer({ role: 'SUPPLIER', supplier: SUPPLIER_A.oin });
  });
  afterAll(() => system?.stop());

  async function check(board: string, headers: Record<string, string>, args = '', page = 'first: 50'): Promise<CheckView> {
    const res = await graphql<{ board: { mandateCheck: CheckView } }>(
      system.gatewayUrl,
      `query ($b: ID!) { board(bevoegdGezagNummer: $b) { mandateCheck${args} { schoolYear due confirmed open finished finishedAt finishedBy
        openMandates(${page}) { edges { cursor node { id school { brin name } service { code } system { name } } } pageInfo { hasNextPage endCursor } } } } }`,
      { b: board },
      headers,
    );
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data!.board.mandateCheck;
  }
  async function confirm(board: string, ids: string[], headers: Record<string, string>, schoolYear?: string) {
    return graphql<{ confirmMandates: { schoolYear: string; newlyConfirmed: number; mandates: { id: string }[] } }>(
      system.gatewayUrl,
      'mutation ($b: ID!, $y: String, $ids: [ID!]!) { confirmMandates(board: $b, schoolYear: $y, ids: $ids) { schoolYear newlyConfirmed mandates { id } } }',
      { b: board, y: schoolYear ?? null, ids },
      headers,
    );
  }
  async function yearCheck(id: string, headers: Record<string, string>, schoolYear = YEAR, fields = 'due confirmed kind confirmedAt') {
    const res = await graphql<{ mandate: { yearCheck: { due: boolean; confirmed: boolean; kind: string | null; confirmedAt: string | null; confirmedBy?: string | null } } }>(
      system.gatewayUrl,
      `query ($id: ID!, $y: String) { mandate(id: $id) { yearCheck(schoolYear: $y) { ${fields} } } }`,
      { id, y: schoolYear },
      headers,
    );
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data!.mandate.yearCheck;
  }
  interface Progress {
    schoolYear: string; boardsDue: number; boardsFinished: number; boardsOpen: number; mandatesDue: number; mandatesConfirmed: number; mandatesOpen: number;
    groups: { sector: string | null; supplier: { name: string } | null; samenwerkingsverband: { code: string } | null; boardsDue: number; boardsFinished: number; mandatesDue: number; mandatesConfirmed: number; mandatesOpen: number }[];
    boards: { edges: { node: { board: { bevoegdGezagNummer: string; name: string }; mandatesDue: number; mandatesOpen: number; finished: boolean; finishedOn: string | null } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
  }
  async function progress(headers: Record<string, string>, groupBy = 'SECTOR', first = 10, after: string | null = null) {
    return graphql<{ mandateCheckProgress: Progress }>(
      system.gatewayUrl,
      `query ($after: String) { mandateCheckProgress(groupBy: ${groupBy}) { schoolYear boardsDue boardsFinished boardsOpen mandatesDue mandatesConfirmed mandatesOpen
        groups { sector supplier { name } samenwerkingsverband { code } boardsDue boardsFinished mandatesDue mandatesConfirmed mandatesOpen }
        boards(first: ${first}, after: $after) { edges { node { board { bevoegdGezagNummer name } mandatesDue mandatesOpen finished finishedOn } } pageInfo { hasNextPage endCursor } } } }`,
      { after },
      headers,
    );
  }

  it('the board sees the mandates due in the school year (running on any day of it), all open at first, paged with school, service and system', async () => {
    const first = await check('41234', staff41234, '', 'first: 10');
    expect(first).toMatchObject({ schoolYear: YEAR, due: 17, confirmed: 0, open: 17, finished: false, finishedAt: null, finishedBy: null });
    expect(first.openMandates.edges).toHaveLength(10);
    expect(first.openMandates.pageInfo.hasNextPage).toBe(true);
    const rest = await check('41234', staff41234, '', `first: 10, after: "${first.openMandates.pageInfo.endCursor}"`);
    expect(rest.openMandates.edges).toHaveLength(7);
    expect(rest.openMandates.pageInfo.hasNextPage).toBe(false);
    const all = [...first.openMandates.edges, ...rest.openMandates.edges].map((e) => e.node);
    expect(new Set(all.map((m) => m.id)).size).toBe(17);
    const the00AV = all.find((m) => m.id === mid('00AV', 'OSO_OV', 'voorbeeld-las'))!;
    expect(the00AV).toEqual({ id: mid('00AV', 'OSO_OV', 'voorbeeld-las'), school: { brin: '00AV', name: 'Basisschool De Regenboog' }, service: { code: 'OSO_OV' }, system: { name: 'Voorbeeld LAS' } });
    // 31EW switched LAS on 1 August 2024: the old mandate (ended 31 July 2024) is not due now, the new one is
    expect(all.some((m) => m.id === mid('31EW', 'OSO_OV', 'voorbeeld-las'))).toBe(false);
    expect(all.some((m) => m.id === 'm-31EW-OSO_OV-ldd-las-2024-08-01')).toBe(true);
  });

  it('the year boundary decides what is due: a mandate that ended on 31 July 2024 is due in 2023-2024, not in 2024-2025', async () => {
    const past = await check('41234', staff41234, '(schoolYear: "2023-2024")');
    expect(past.due).toBe(17);
    const ids = past.openMandates.edges.map((e) => e.node.id);
    expect(ids).toContain(mid('31EW', 'OSO_OV', 'voorbeeld-las'));
    expect(ids).not.toContain('m-31EW-OSO_OV-ldd-las-2024-08-01');
    const next = await check('41234', staff41234, '(schoolYear: "2024-2025")');
    expect(next.openMandates.edges.map((e) => e.node.id)).not.toContain(mid('31EW', 'OSO_OV', 'voorbeeld-las'));
    const bad = await graphql(system.gatewayUrl, '{ board(bevoegdGezagNummer: "41234") { mandateCheck(schoolYear: "2026/27") { due } } }', undefined, staff41234);
    expect(code(bad)).toBe('BAD_USER_INPUT');
  });

  it('confirmMandates confirms for the year, records who, when and which year in the history, and is idempotent', async () => {
    const ov = mid('00AV', 'OSO_OV', 'voorbeeld-las');
    const swv = mid('00AV', 'OSO_SWV', 'voorbeeld-las');
    const first = await confirm('41234', [ov, swv], staff41234);
    expect(first.errors).toBeUndefined();
    expect(first.data!.confirmMandates).toMatchObject({ schoolYear: YEAR, newlyConfirmed: 2 });
    const again = await confirm('41234', [ov, swv, mid('01BC', 'OSO_OV', 'voorbeeld-las')], staff41234);
    expect(again.data!.confirmMandates.newlyConfirmed).toBe(1);
    expect(again.data!.confirmMandates.mandates.map((m) => m.id)).toEqual([ov, swv, mid('01BC', 'OSO_OV', 'voorbeeld-las')]);

    const history = await graphql<{ mandate: { history: { action: string; by: string; byRole: string; schoolYear: string | null; at: string }[] } }>(
      system.gatewayUrl, `{ mandate(id: "${ov}") { history { action by byRole schoolYear at } } }`, undefined, staff41234);
    const confirmations = history.data!.mandate.history.filter((h) => h.action === 'CONFIRMED');
    expect(confirmations).toHaveLength(1);
    expect(confirmations[0]).toMatchObject({ by: 'Staff of 41234', byRole: 'BOARD', schoolYear: YEAR });
    expect(await yearCheck(ov, staff41234, YEAR, 'due confirmed kind confirmedBy')).toEqual({ due: true, confirmed: true, kind: 'CONFIRMED', confirmedBy: 'Staff of 41234' });

    const view = await check('41234', staff41234);
    expect(view).toMatchObject({ due: 17, confirmed: 3, open: 14, finished: false });
    expect(view.openMandates.edges.map((e) => e.node.id)).not.toContain(ov);
  });

  it('refuses a mandate that does not exist, is another board\'s or is not due with one answer; other boards and other years are refused', async () => {
    const message = (res: GraphQLResponse, id: string) => res.errors?.[0]?.message.replace(id, '<id>');
    const cases = ['m-00AV-OSO_OV-nope-2022-08-15', mid('14AB', 'OSO_OV', 'ldd-las'), mid('31EW', 'OSO_OV', 'voorbeeld-las')];
    const answers = await Promise.all(cases.map((id) => confirm('41234', [id], staff41234)));
    for (const res of answers) expect(code(res)).toBe('FORBIDDEN');
    expect(new Set(answers.map((res, i) => message(res, cases[i]!))).size).toBe(1);

    expect(code(await confirm('41234', [mid('01BC', 'OSO_OV', 'voorbeeld-las')], staff42001))).toBe('FORBIDDEN');
    expect(code(await confirm('41234', [mid('02DF', 'OSO_OV', 'voorbeeld-las')], staff41234, `${startYear + 1}-${startYear + 2}`))).toBe('BAD_USER_INPUT');
    expect(code(await confirm('41234', [mid('02DF', 'OSO_OV', 'voorbeeld-las')], staff41234, `${startYear - 1}-${startYear}`))).toBe('BAD_USER_INPUT');
    // support sees everything, so it is told what is wrong
    expect(code(await confirm('41234', ['m-00AV-OSO_OV-nope-2022-08-15'], support))).toBe('NOT_FOUND');
    expect(code(await confirm('41234', [mid('14AB', 'OSO_OV', 'ldd-las')], support))).toBe('BAD_USER_INPUT');
    expect(code(await confirm('41234', [mid('31EW', 'OSO_OV', 'voorbeeld-las')], support))).toBe('BAD_USER_INPUT');
    expect((await check('41234', staff41234)).confirmed).toBe(3);
  });

  it('a grant in the year counts as a check', async () => {
    const res = await graphql<{ grantMandate: { mandates: { id: string; yearCheck: { due: boolean; confirmed: boolean; kind: string } }[] } }>(
      system.gatewayUrl,
      `mutation { grantMandate(input: { service: OSO_OV, systemId: "voorbeeld-las", brin: "05LM", bevoegdGezagNummer: "41234", startDate: "${today}" }) { mandates { id yearCheck { due confirmed kind } } } }`,
      undefined,
      staff41234,
    );
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    expect(res.data!.grantMandate.mandates[0]!.yearCheck).toEqual({ due: true, confirmed: true, kind: 'GRANTED' });
    expect(await check('41234', staff41234)).toMatchObject({ due: 18, confirmed: 4, open: 14 });
  });

  it('support and analysts see the national progress per sector with the boards most open first; a board its own figures; exact after every confirmation', async () => {
    const national = await progress(support);
    expect(national.errors, JSON.stringify(national.errors)).toBeUndefined();
    const p = national.data!.mandateCheckProgress;
    expect(p).toMatchObject({ schoolYear: YEAR, boardsDue: 3, boardsFinished: 0, boardsOpen: 3, mandatesDue: 23, mandatesConfirmed: 4, mandatesOpen: 19 });
    expect(p.groups.map((g) => [g.sector, g.boardsDue, g.mandatesDue, g.mandatesConfirmed, g.mandatesOpen])).toEqual([
      ['PO', 2, 17, 4, 13],
      ['VO', 2, 6, 0, 6],
    ]);
    expect(p.boards.edges.map((e) => [e.node.board.bevoegdGezagNummer, e.node.mandatesOpen, e.node.finished])).toEqual([
      ['41234', 14, false],
      ['43555', 3, false],
      ['42001', 2, false],
    ]);
    expect(p.boards.edges[0]!.node.board.name).toBeTruthy();
    const firstPage = (await progress(support, 'SECTOR', 2)).data!.mandateCheckProgress.boards;
    expect(firstPage.pageInfo.hasNextPage).toBe(true);
    const secondPage = (await progress(support, 'SECTOR', 2, firstPage.pageInfo.endCursor)).data!.mandateCheckProgress.boards;
    expect(secondPage.edges.map((e) => e.node.board.bevoegdGezagNummer)).toEqual(['42001']);

    expect((await progress(analyst)).data!.mandateCheckProgress).toEqual(p);
    const own = (await progress(staff42001)).data!.mandateCheckProgress;
    expect(own).toMatchObject({ boardsDue: 1, mandatesDue: 2, mandatesConfirmed: 0 });
    expect(own.boards.edges.map((e) => e.node.board.bevoegdGezagNummer)).toEqual(['42001']);
    expect(code(await progress(supplierA))).toBe('FORBIDDEN');

    // 42001 confirms both of its mandates: finished, and the figures follow at once
    const done = await confirm('42001', [mid('14AB', 'OSO_OV', 'ldd-las'), mid('15CD', 'OSO_OV', 'ldd-las')], staff42001);
    expect(done.data!.confirmMandates.newlyConfirmed).toBe(2);
    const after = (await progress(support)).data!.mandateCheckProgress;
    expect(after).toMatchObject({ boardsDue: 3, boardsFinished: 1, boardsOpen: 2, mandatesDue: 23, mandatesConfirmed: 6, mandatesOpen: 17 });
    expect(after.boards.edges.at(-1)!.node).toMatchObject({ board: { bevoegdGezagNummer: '42001' }, mandatesOpen: 0, finished: true, finishedOn: today });
    expect(await check('42001', staff42001)).toMatchObject({ due: 2, confirmed: 2, open: 0, finished: true, finishedBy: 'Staff of 42001' });

    const bySupplier = (await progress(support, 'SUPPLIER')).data!.mandateCheckProgress.groups;
    expect(bySupplier.reduce((n, g) => n + g.mandatesDue, 0)).toBe(23);
    expect(bySupplier.every((g) => g.supplier !== null)).toBe(true);
    const bySwv = (await progress(support, 'SWV')).data!.mandateCheckProgress.groups;
    expect(bySwv.map((g) => g.samenwerkingsverband!.code).sort()).toEqual(['PO2001', 'PO3101', 'VO2001', 'VO2507']);
    expect(bySwv.find((g) => g.samenwerkingsverband!.code === 'PO3101')).toMatchObject({ boardsDue: 1, boardsFinished: 1, mandatesDue: 2, mandatesOpen: 0 });
  });

  it('the series gives the figures per day since 1 August', async () => {
    const res = await graphql<{ mandateCheckSeries: { date: string; mandatesDue: number; mandatesConfirmed: number; mandatesOpen: number; boardsFinished: number }[] }>(
      system.gatewayUrl, '{ mandateCheckSeries { date mandatesDue mandatesConfirmed mandatesOpen boardsFinished } }', undefined, support);
    expect(res.errors).toBeUndefined();
    const days = res.data!.mandateCheckSeries;
    expect(days[0]!.date).toBe(`${startYear}-08-01`);
    expect(days.at(-1)).toEqual({ date: today, mandatesDue: 23, mandatesConfirmed: 6, mandatesOpen: 17, boardsFinished: 1 });
    if (days.length > 1) expect(days.at(-2)).toMatchObject({ mandatesConfirmed: 0, boardsFinished: 0 });
    const own = await graphql<{ mandateCheckSeries: { mandatesDue: number }[] }>(system.gatewayUrl, '{ mandateCheckSeries { mandatesDue } }', undefined, staff43555);
    expect(own.data!.mandateCheckSeries.at(-1)!.mandatesDue).toBe(3);
  });

  it('a supplier sees on its own mandates whether each is confirmed for the year, not who confirmed it', async () => {
    const res = await graphql<{ supplierMandates: { edges: { node: { id: string; yearCheck: { due: boolean; confirmed: boolean } } }[] } }>(
      system.gatewayUrl, '{ supplierMandates(first: 50) { edges { node { id yearCheck { due confirmed } } } } }', undefined, supplierA);
    expect(res.errors).toBeUndefined();
    const byId = new Map(res.data!.supplierMandates.edges.map((e) => [e.node.id, e.node.yearCheck]));
    expect(byId.get(mid('00AV', 'OSO_OV', 'voorbeeld-las'))).toEqual({ due: true, confirmed: true });
    expect(byId.get(mid('02DF', 'OSO_OV', 'voorbeeld-las'))).toEqual({ due: true, confirmed: false });
    const who = await graphql(system.gatewayUrl, `{ mandate(id: "${mid('00AV', 'OSO_OV', 'voorbeeld-las')}") { yearCheck { confirmedBy } } }`, undefined, supplierA);
    expect(code(who)).toBe('FORBIDDEN');
  });

  it('after a school moves, its mandates are open again for the board that holds it now, whatever was confirmed before', async () => {
    expect((await confirm('41234', [MOVED_MANDATE], staff41234)).data!.confirmMandates.newlyConfirmed).toBe(1);
    expect((await yearCheck(MOVED_MANDATE, support)).confirmed).toBe(true);
    // RIO: 13YZ moves to 43555; before the change feed is read, the old board's check no longer counts
    const repo = new OrganisationsRepository(system.subgraphs.organisations.database.db);
    const report = await importRio(repo, { name: 'rio-delta.json', bytes: rioDeltaMoving13YZ() }, { mode: 'delta' });
    expect(report.schools.moved).toBe(1);
    const newBoard = await check('43555', staff43555);
    expect(newBoard).toMatchObject({ due: 4, confirmed: 0, open: 4 });
    expect(newBoard.openMandates.edges.map((e) => e.node.id)).toContain(MOVED_MANDATE);
    expect(await check('41234', staff41234)).toMatchObject({ due: 17, confirmed: 4 });
    expect((await yearCheck(MOVED_MANDATE, support)).confirmed).toBe(false);
    // support changes the mandate now: support's change counts for whoever holds the school ...
    const version = (await graphql<{ mandate: { version: number } }>(system.gatewayUrl, `{ mandate(id: "${MOVED_MANDATE}") { version } }`, undefined, support)).data!.mandate.version;
    const ended = await graphql(system.gatewayUrl, `mutation { endMandate(input: { id: "${MOVED_MANDATE}", endDate: "2030-12-31", expectedVersion: ${version} }) { mandates { id } } }`, undefined, support);
    expect(ended.errors).toBeUndefined();
    expect(await yearCheck(MOVED_MANDATE, support)).toMatchObject({ confirmed: true, kind: 'CHANGED' });
    expect((await check('43555', staff43555)).confirmed).toBe(1);
    // ... but the organisation change, once the feed is read, clears every check made before it
    const follow = await graphql<{ followOrganisationChanges: { mandatesFlagged: number } }>(system.gatewayUrl, 'mutation { followOrganisationChanges { mandatesFlagged } }', undefined, support);
    expect(follow.data!.followOrganisationChanges.mandatesFlagged).toBe(1);
    expect(await yearCheck(MOVED_MANDATE, support)).toEqual({ due: true, confirmed: false, kind: null, confirmedAt: null });
    const national = (await progress(support)).data!.mandateCheckProgress;
    expect(national).toMatchObject({ mandatesDue: 23, mandatesConfirmed: 6 });
    expect(national.boards.edges.find((e) => e.node.board.bevoegdGezagNummer === '43555')!.node.mandatesOpen).toBe(4);

    // the new board confirms all four and has finished
    const ids = newBoard.openMandates.edges.map((e) => e.node.id);
    expect(code(await confirm('41234', [MOVED_MANDATE], staff41234))).toBe('FORBIDDEN');
    expect((await confirm('43555', ids, staff43555)).data!.confirmMandates.newlyConfirmed).toBe(4);
    expect(await check('43555', staff43555)).toMatchObject({ due: 4, confirmed: 4, open: 0, finished: true, finishedBy: 'Staff of 43555' });
    expect(await yearCheck(MOVED_MANDATE, staff43555, YEAR, 'confirmed kind')).toEqual({ confirmed: true, kind: 'CONFIRMED' });
    // the board that gave it sees that it is confirmed, not by whom (the check was made after the school left it)
    expect(await yearCheck(MOVED_MANDATE, staff41234, YEAR, 'confirmed confirmedBy')).toEqual({ confirmed: true, confirmedBy: null });
    expect(await yearCheck(MOVED_MANDATE, staff43555, YEAR, 'confirmedBy')).toEqual({ confirmedBy: 'Staff of 43555' });
    expect((await progress(support)).data!.mandateCheckProgress).toMatchObject({ boardsFinished: 2, mandatesConfirmed: 10 });
  });

  it('a confirmation made on 31 July counts for the year ending then; one made on 1 August (Netherlands time) for the new year', async () => {
    const db = system.subgraphs.mandates.database.db;
    const repository = directAccess(db);
    const client = createPeerClient({ name: 'organisations', url: system.subgraphs.organisations.url, caller: 'mandates', identitySecret });
    const at = (iso: string) => new MandateCheck(repository.repositories, repository.store, organisationsApi(client), organisationsSchoolDirectory(null), { now: () => new Date(iso) });
    const staff: Identity = { sub: 's-41234', name: 'Staff of 41234', role: 'BOARD', board: '41234', rights: ['OSR_TOEGANG'], supplier: null };
    const id = mid('03GH', 'OSO_OV', 'ldd-las');

    const lastEvening = at('2026-07-31T21:59:59.000Z'); // 23:59:59 in the Netherlands
    await expect(lastEvening.confirm('41234', '2026-2027', [id], staff)).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(await lastEvening.confirm('41234', null, [id], staff)).toMatchObject({ schoolYear: '2025-2026', newlyConfirmed: 1 });
    expect((await yearCheck(id, staff41234, '2025-2026')).confirmed).toBe(true);
    expect((await yearCheck(id, staff41234, '2026-2027')).confirmed).toBe(false);

    const midnight = at('2026-07-31T22:00:00.000Z'); // 00:00 on 1 August in the Netherlands
    expect(await midnight.confirm('41234', '2026-2027', [id], staff)).toMatchObject({ schoolYear: '2026-2027', newlyConfirmed: 1 });
    expect((await yearCheck(id, staff41234, '2026-2027')).confirmed).toBe(true);
    const history = await graphql<{ mandate: { history: { action: string; schoolYear: string | null }[] } }>(
      system.gatewayUrl, `{ mandate(id: "${id}") { history { action schoolYear } } }`, undefined, support);
    expect(history.data!.mandate.history.filter((h) => h.action === 'CONFIRMED').map((h) => h.schoolYear)).toEqual(['2025-2026', '2026-2027']);
  });

  it('the kept figures, brought forward by every write since they were computed, equal a fresh computation', async () => {
    const client = createPeerClient({ name: 'organisations', url: system.subgraphs.organisations.url, caller: 'mandates', identitySecret });
    const repository = directAccess(system.subgraphs.mandates.database.db);
    const fresh = new MandateCheck(repository.repositories, repository.store, organisationsApi(client), organisationsSchoolDirectory(client));
    const kept = (await progress(support, 'SUPPLIER', 100)).data!.mandateCheckProgress;
    const computed = await fresh.progress({ board: null }, parseSchoolYear(YEAR), 'SUPPLIER');
    expect({ due: kept.mandatesDue, confirmed: kept.mandatesConfirmed, finished: kept.boardsFinished }).toEqual({ due: computed.mandatesDue, confirmed: computed.mandatesConfirmed, finished: computed.boardsFinished });
    expect(kept.boards.edges.map((e) => [e.node.board.bevoegdGezagNummer, e.node.mandatesDue, e.node.mandatesOpen, e.node.finishedOn])).toEqual(
      computed.boards.map((b) => [b.board, b.mandatesDue, b.mandatesDue - b.mandatesConfirmed, b.finishedOn]),
    );
    expect(kept.groups.map((g) => [g.mandatesDue, g.mandatesConfirmed, g.boardsDue, g.boardsFinished])).toEqual(computed.groups.map((g) => [g.mandatesDue, g.mandatesConfirmed, g.boardsDue, g.boardsFinished]));
  });

  it('support\'s grants by date: a mandate ending on 31 July is not due in the new year, one ending on 1 August is (and support\'s grant counts)', async () => {
    const grant = async (brin: string, endDate: string) => {
      const res = await graphql<{ grantMandate: { mandates: { id: string }[] } }>(
        system.gatewayUrl,
        `mutation { grantMandate(input: { service: OSO_SWV, systemId: "voorbeeld-las", brin: "${brin}", bevoegdGezagNummer: "41234", startDate: "${startYear - 1}-09-01", endDate: "${endDate}" }, reason: "registered late") { mandates { id } } }`,
        undefined,
        support,
      );
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      return res.data!.grantMandate.mandates[0]!.id;
    };
    const endsJuly = await grant('05LM', `${startYear}-07-31`);
    const endsAugust = await grant('09UV', `${startYear}-08-01`);
    expect(await yearCheck(endsJuly, support)).toMatchObject({ due: false, confirmed: false });
    expect(await yearCheck(endsJuly, support, `${startYear - 1}-${startYear}`)).toMatchObject({ due: true, confirmed: false });
    expect(await yearCheck(endsAugust, support)).toMatchObject({ due: true, confirmed: true, kind: 'GRANTED' });
  });
});
