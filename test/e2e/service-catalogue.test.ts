/**
 * The service catalogue through the gateway: reference data that a start puts in place in an
 * empty store (and never puts back over what support changed), managed by support only
 * (registerService, changeService, retireService), every change in Service.history.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, databaseName } from '@osr/common';
import { directAccess } from '@osr/subgraph-mandates/direct';
import { seedDemo } from '../../scripts/seed-lib.js';
import { SYSTEM_A } from '../../scripts/demo-data.js';
import { bearer, databaseUri, freshPrefix, graphql, startSystem, type RunningSystem } from '../support/system.js';

describe('the service catalogue', () => {
  const prefix = freshPrefix();
  let system: RunningSystem;
  let support: Record<string, string>;

  beforeAll(async () => {
    system = await startSystem(prefix);
    support = await bearer({ role: 'SUPPORT', sub: 'support-1', name: 'Sanne Support' });
  }, 60_000);
  afterAll(() => system?.stop());

  const ask = <T,>(query: string, headers: Record<string, string> = {}) => graphql<T>(system.gatewayUrl, query, undefined, headers);

  it('an empty store has every service after a start, each recorded as put in place by the reference data', async () => {
    const res = await ask<{ services: { code: string; name: string; mandateLevel: string; lastDay: string | null; history: { action: string; by: string }[] }[] }>(
      '{ services { code name mandateLevel lastDay history { action by } } }',
      support,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.services.map((s) => s.code).sort()).toEqual(['CENTRAAL_EXAMEN_VO', 'DOORSTROOMTOETS_PO', 'OSO_OV', 'OSO_SWV', 'RIO', 'ROD_PO', 'ROD_VO', 'VERZUIM', 'VVA']);
    expect(res.data!.services.find((s) => s.code === 'RIO')).toMatchObject({ name: 'RIO', mandateLevel: 'BOARD', lastDay: null });
    expect(res.data!.services.every((s) => s.history.length === 1 && s.history[0]!.action === 'SERVICE_REGISTERED' && s.history[0]!.by === 'reference data')).toBe(true);
  });

  it('only support changes it; a change is kept over the next start and is in the history', async () => {
    const board = await bearer({ role: 'BOARD', board: '41234', rights: ['OSR_TOEGANG'] });
    const analyst = await bearer({ role: 'ANALYST' });
    for (const caller of [{}, board, analyst]) {
      for (const mutation of [
        'mutation { changeService(input: { code: VVA, name: "VVA keten" }) { name } }',
        'mutation { retireService(input: { code: VVA, lastDay: "2026-12-31" }) { lastDay } }',
        'mutation { registerService(input: { code: VVA, name: "VVA", description: "x", mandateLevel: SCHOOL }) { code } }',
      ]) {
        const refused = await ask(mutation, caller);
        expect(refused.errors?.[0]?.extensions?.['code'], mutation).toBe('FORBIDDEN');
      }
    }
    expect((await ask<{ service: { lastDay: string | null } }>('{ service(code: VVA) { lastDay } }')).data!.service.lastDay).toBeNull();
    const registered = await ask('mutation { registerService(input: { code: VVA, name: "VVA", description: "x", mandateLevel: SCHOOL }) { code } }', support);
    expect(registered.errors?.[0]?.extensions?.['code']).toBe('CONFLICT');
    const empty = await ask('mutation { changeService(input: { code: VVA }) { name } }', support);
    expect(empty.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');

    const changed = await ask<{ changeService: { name: string } }>('mutation { changeService(input: { code: VVA, name: "  VVA   keten " }) { name } }', support);
    expect(changed.errors).toBeUndefined();
    expect(changed.data!.changeService.name).toBe('VVA keten');
    // What every start does again: the catalogue is put in place, the change stays.
    const database = await connectDatabase(databaseUri(), databaseName(prefix, 'mandates'));
    try {
      await directAccess(database.db).ensureIndexes();
    } finally {
      await database.close();
    }
    const after = await ask<{ service: { name: string; history: { action: string; by: string; description: string }[] } }>('{ service(code: VVA) { name history { action by description } } }', support);
    expect(after.data!.service).toEqual({
      name: 'VVA keten',
      history: [
        { action: 'SERVICE_REGISTERED', by: 'reference data', description: 'Service VVA (VVA) put in place as reference data' },
        { action: 'SERVICE_CHANGED', by: 'Sanne Support', description: 'Service VVA: name VVA → VVA keten' },
      ],
    });
    const hidden = await ask('{ service(code: VVA) { history { action } } }', board);
    expect(hidden.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
  });

  it('a retired service takes no new mandate that starts after its last day', async () => {
    await seedDemo(databaseUri(), prefix);
    const retired = await ask<{ retireService: { lastDay: string } }>('mutation { retireService(input: { code: ROD_PO, lastDay: "2029-12-31" }) { lastDay } }', support);
    expect(retired.data!.retireService.lastDay).toBe('2029-12-31');
    const grant = await ask(
      `mutation { grantMandate(input: { service: ROD_PO, systemId: "${SYSTEM_A}", brin: "00AV", bevoegdGezagNummer: "41234", startDate: "2030-01-01" }) { mandates { id } } }`,
      support,
    );
    expect(grant.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(grant.errors?.[0]?.message).toBe('Service ROD PO (ROD_PO) is retired: no new mandate may start after 2029-12-31');
    const history = await ask<{ service: { history: { action: string }[] } }>('{ service(code: ROD_PO) { history { action } } }', support);
    expect(history.data!.service.history.map((h) => h.action)).toEqual(['SERVICE_REGISTERED', 'SERVICE_RETIRED']);
  });
});
