/**
 * The supplier catalogue managed through the gateway by Kennisnet support: register, rename,
 * add a system, change its services, retire it; list the catalogue; every change in the
 * history with who and when. A retired system takes no new mandate after its last day, and
 * the mandates that outlive it are flagged for review, not ended.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoData, SUPPLIER_A, SUPPLIER_B } from '../../scripts/demo-data.js';
import { seedDemo } from '../../scripts/seed-lib.js';
import { bearer, databaseUri, freshPrefix, graphql, startSystem, type RunningSystem } from '../support/system.js';

const ESIS_SUPPLIER = '00000003301234560000';

describe('the supplier catalogue through the gateway', () => {
  let system: RunningSystem;
  const prefix = freshPrefix();
  let support: Record<string, string>;
  let board: Record<string, string>;
  let esisId = '';
  let mandateId = '';
  const ask = async <T = Record<string, unknown>>(query: string, headers: Record<string, string>, variables?: Record<string, unknown>) => {
    const res = await graphql<T>(system.gatewayUrl, query, variables, headers);
    return res;
  };
  const codeOf = (res: { errors?: { extensions?: Record<string, unknown> }[] }) => res.errors?.[0]?.extensions?.['code'];

  beforeAll(async () => {
    await seedDemo(databaseUri(), prefix, buildDemoData());
    system = await startSystem(prefix, { rateLimit: { perMinute: 0, burst: 0 } });
    support = await bearer({ role: 'SUPPORT', sub: 'kn-support-1', name: 'K. Support' });
    board = await bearer({ role: 'BOARD', board: '41234', rights: ['OSR_TOEGANG'], name: 'J. de Vries' });
  });
  afterAll(() => system?.stop());

  it('support registers a supplier once: a second registration of the OIN is a CONFLICT, a bad OIN BAD_USER_INPUT', async () => {
    const q = 'mutation ($oin: ID!, $name: String!) { registerSupplier(input: { oin: $oin, name: $name }) { oin name systems { id } } }';
    const first = await ask(q, support, { oin: ESIS_SUPPLIER, name: 'Schoolsoftware Oost B.V.' });
    expect(first.errors).toBeUndefined();
    expect(first.data).toEqual({ registerSupplier: { oin: ESIS_SUPPLIER, name: 'Schoolsoftware Oost B.V.', systems: [] } });
    expect(codeOf(await ask(q, support, { oin: ESIS_SUPPLIER, name: 'Another' }))).toBe('CONFLICT');
    expect(codeOf(await ask(q, support, { oin: '0000000330123456000', name: 'Short' }))).toBe('BAD_USER_INPUT');
  });

  it('adds a system (its name unique per supplier, case aside), renames the supplier, changes the services', async () => {
    const add = 'mutation ($name: String!) { addSystem(input: { supplier: "00000003301234560000", name: $name, kind: LAS, services: [OSO_OV] }) { id name kind lastDay services { code } supplier { oin } } }';
    const added = await ask<{ addSystem: { id: string } }>(add, support, { name: 'Esis' });
    expect(added.errors).toBeUndefined();
    expect(added.data!.addSystem).toEqual({ id: expect.any(String), name: 'Esis', kind: 'LAS', lastDay: null, services: [{ code: 'OSO_OV' }], supplier: { oin: ESIS_SUPPLIER } });
    esisId = added.data!.addSystem.id;
    expect(codeOf(await ask(add, support, { name: ' ESIS ' }))).toBe('CONFLICT');

    const renamed = await ask('mutation { renameSupplier(input: { oin: "00000003301234560000", name: "Schoolsoftware Oost" }) { name } }', support);
    expect(renamed.data).toEqual({ renameSupplier: { name: 'Schoolsoftware Oost' } });
    const changed = await ask('mutation ($id: ID!) { changeSystemServices(input: { id: $id, services: [OSO_SWV, OSO_OV] }) { services { code } } }', support, { id: esisId });
    expect(changed.data).toEqual({ changeSystemServices: { services: [{ code: 'OSO_OV' }, { code: 'OSO_SWV' }] } });
  });

  it('suppliers(first, after) lists the catalogue by OIN, page by page', async () => {
    const q = 'query ($after: String) { suppliers(first: 2, after: $after) { edges { node { oin name } } pageInfo { hasNextPage endCursor } } }';
    type Page = { suppliers: { edges: { node: { oin: string; name: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } };
    const one = await ask<Page>(q, {});
    const two = await ask<Page>(q, {}, { after: one.data!.suppliers.pageInfo.endCursor });
    expect(one.data!.suppliers.pageInfo.hasNextPage).toBe(true);
    expect(two.data!.suppliers.pageInfo.hasNextPage).toBe(false);
    expect([...one.data!.suppliers.edges, ...two.data!.suppliers.edges].map((e) => e.node.oin)).toEqual([SUPPLIER_A.oin, ESIS_SUPPLIER, SUPPLIER_B.oin].sort());
    expect(codeOf(await ask(q, {}, { after: 'not-a-cursor' }))).toBe('BAD_USER_INPUT');
  });

  it('retiring a system flags the mandates that outlive its last day (not ended) and refuses new ones after it', async () => {
    const grant = 'mutation ($brin: ID!, $start: Date!, $system: ID!, $reason: String) { grantMandate(input: { service: OSO_OV, systemId: $system, brin: $brin, bevoegdGezagNummer: "41234", startDate: $start }, reason: $reason) { mandates { id } } }';
    // Dates before today: only support may set them, as a correction with a reason (issue 17.6).
    const correction = 'recorded late: the board used Esis since then';
    const granted = await ask<{ grantMandate: { mandates: { id: string }[] } }>(grant, support, { brin: '01BC', start: '2025-09-01', system: esisId, reason: correction });
    expect(granted.errors).toBeUndefined();
    mandateId = granted.data!.grantMandate.mandates[0]!.id;

    const retire = 'mutation ($id: ID!) { retireSystem(input: { id: $id, lastDay: "2026-07-31" }) { system { lastDay } flaggedMandates { id endDate needsReview reviewReasons { kind effectiveDate boards } } } }';
    const retired = await ask(retire, support, { id: esisId });
    expect(retired.errors).toBeUndefined();
    expect(retired.data).toEqual({
      retireSystem: {
        system: { lastDay: '2026-07-31' },
        flaggedMandates: [{ id: mandateId, endDate: null, needsReview: true, reviewReasons: [{ kind: 'SYSTEM_RETIRED', effectiveDate: '2026-07-31', boards: ['41234'] }] }],
      },
    });
    // Again on the same day: nothing new to flag.
    const again = await ask<{ retireSystem: { flaggedMandates: unknown[] } }>(retire, support, { id: esisId });
    expect(again.data!.retireSystem.flaggedMandates).toEqual([]);

    // Any day after the last one is refused, a board's future start as much as support's correction.
    const nextWeek = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    const late = await ask(grant, board, { brin: '02DF', start: nextWeek, system: esisId });
    expect(codeOf(late)).toBe('BAD_USER_INPUT');
    expect(late.errors![0]!.message).toContain('retired: no new mandate may start after 2026-07-31');
    const lateCorrection = await ask(grant, support, { brin: '02DF', start: '2026-08-01', system: esisId, reason: correction });
    expect(lateCorrection.errors![0]!.message).toContain('retired: no new mandate may start after 2026-07-31');
    const inTime = await ask(grant, support, { brin: '02DF', start: '2026-07-31', system: esisId, reason: correction });
    expect(inTime.errors).toBeUndefined();

    const history = await ask<{ mandate: { history: { action: string; by: string }[] } }>('query ($id: ID!) { mandate(id: $id) { history { action by } } }', board, { id: mandateId });
    expect(history.data!.mandate.history).toEqual([
      { action: 'CREATED', by: 'K. Support' },
      { action: 'FLAGGED_FOR_REVIEW', by: 'K. Support' },
    ]);
  });

  it('every change is in the supplier\'s history with who and when, oldest first; a board may not read it', async () => {
    const q = `{ supplier(oin: "${ESIS_SUPPLIER}") { history { action at by byRole system { name } description } } }`;
    const res = await ask<{ supplier: { history: { action: string; at: string; by: string; byRole: string; system: { name: string } | null; description: string }[] } }>(q, support);
    expect(res.errors).toBeUndefined();
    const history = res.data!.supplier.history;
    expect(history.map((h) => [h.action, h.by, h.byRole, h.system?.name ?? null])).toEqual([
      ['SUPPLIER_REGISTERED', 'K. Support', 'SUPPORT', null],
      ['SYSTEM_ADDED', 'K. Support', 'SUPPORT', 'Esis'],
      ['SUPPLIER_RENAMED', 'K. Support', 'SUPPORT', null],
      ['SYSTEM_SERVICES_CHANGED', 'K. Support', 'SUPPORT', 'Esis'],
      ['SYSTEM_RETIRED', 'K. Support', 'SUPPORT', 'Esis'],
    ]);
    expect(history[2]!.description).toBe('Supplier 00000003301234560000 renamed from Schoolsoftware Oost B.V. to Schoolsoftware Oost');
    expect(history.every((h) => !Number.isNaN(Date.parse(h.at)))).toBe(true);
    const denied = await ask(q, board);
    expect(codeOf(denied)).toBe('FORBIDDEN');
  });
});
