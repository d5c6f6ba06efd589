/**
 * Mandates through the gateway, with the real organisations and agreements subgraphs as
 * peers: the SWV extension gate, a LAS switch, and asOf answers around a mandate's dates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { todayInNetherlands } from '@osr/common';
import { buildDemoData, SUPPLIER_B } from '../../scripts/demo-data.js';
import { seedDemo } from '../../scripts/seed-lib.js';
import { bearer, databaseUri, freshPrefix, graphql, startSystem, type RunningSystem } from '../support/system.js';

const GRANT = `mutation Grant($input: GrantMandateInput!) {
  grantMandate(input: $input) { mandates { id service { code } status startDate origin school { brin name } system { name supplier { oin } } } }
}`;

describe('mandates through the gateway', () => {
  let system: RunningSystem;
  let board42001: Record<string, string>;
  beforeAll(async () => {
    const prefix = freshPrefix();
    await seedDemo(databaseUri(), prefix, buildDemoData());
    system = await startSystem(prefix);
    board42001 = await bearer({ role: 'BOARD', board: '42001', rights: ['OSR_TOEGANG'] });
  });
  afterAll(() => system?.stop());

  it('refuses an OSO SWV mandate before the board signed the SWV extension, and accepts it after', async () => {
    const today = todayInNetherlands();
    const input = { service: 'OSO_SWV', systemId: 'ldd-las', brin: '14AB', bevoegdGezagNummer: '42001', startDate: today };
    const before = await graphql(system.gatewayUrl, GRANT, { input }, board42001);
    expect(before.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NO_AGREEMENT' });
    expect(before.errors?.[0]?.message).toContain('request the OSO SWV extension');

    const requested = await graphql<{ requestSwvExtension: { id: string } }>(system.gatewayUrl, 'mutation { requestSwvExtension(agreementId: "a-42001-oso") { id } }', undefined, board42001);
    expect(requested.errors).toBeUndefined();
    const id = requested.data!.requestSwvExtension.id;
    const sent = await graphql<{ sendForSignature: { signing: { contentHash: string } } }>(
      system.gatewayUrl,
      'mutation ($id: ID!) { sendForSignature(id: $id) { signing { contentHash } } }',
      { id },
      await bearer({ role: 'SUPPORT' }),
    );
    expect(sent.errors).toBeUndefined();
    // Still refused while the extension waits for its signature.
    expect((await graphql(system.gatewayUrl, GRANT, { input }, board42001)).errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    const signed = await graphql(
      system.gatewayUrl,
      'mutation ($id: ID!, $h: String!) { signAgreement(id: $id, contentHash: $h) { status } }',
      { id, h: sent.data!.sendForSignature.signing.contentHash },
      await bearer({ role: 'BOARD', board: '42001', rights: ['OSR_TOEGANG', 'KENNISNET_ONDERTEKENEN'], name: 'M. Janssen' }),
    );
    expect(signed.errors).toBeUndefined();

    const after = await graphql<{ grantMandate: { mandates: unknown[] } }>(system.gatewayUrl, GRANT, { input }, board42001);
    expect(after.errors).toBeUndefined();
    expect(after.data!.grantMandate.mandates).toEqual([
      expect.objectContaining({
        service: { code: 'OSO_SWV' },
        status: 'ACTIVE',
        startDate: today,
        origin: 'OSR',
        school: { brin: '14AB', name: 'Openbare Basisschool De Linde' },
        system: { name: 'LDD Leerlingvolgsysteem', supplier: { oin: SUPPLIER_B.oin } },
      }),
    ]);
  });

  it('refuses a school that belongs to another board according to RIO', async () => {
    const res = await graphql(
      system.gatewayUrl,
      GRANT,
      { input: { service: 'OSO_OV', systemId: 'ldd-las', brin: '05LM', bevoegdGezagNummer: '42001', startDate: '2027-01-01' } },
      board42001,
    );
    // Board 42001 may not act for 41234's school at all, and is not told whose school it is (issue 17.5).
    expect(res.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    expect(res.errors?.[0]?.message).toBe('School 05LM is not a school of your board: only the board that holds the school now (per RIO), or support, may change its mandates');
  });

  it('switches LAS for a school in one operation and answers asOf before, during and after', async () => {
    const board = await bearer({ role: 'BOARD', board: '41234', rights: ['OSR_TOEGANG'] });
    const switched = await graphql<{ switchSystem: { mandates: { system: { id: string }; startDate: string; endDate: string | null }[] } }>(
      system.gatewayUrl,
      'mutation { switchSystem(input: { brin: "06NP", service: OSO_OV, fromSystemId: "voorbeeld-las", toSystemId: "ldd-las", startDate: "2027-08-01" }) { mandates { system { id } startDate endDate } } }',
      undefined,
      board,
    );
    expect(switched.errors).toBeUndefined();
    expect(switched.data!.switchSystem.mandates).toEqual([
      { system: { id: 'voorbeeld-las' }, startDate: '2022-08-15', endDate: '2027-07-31' },
      { system: { id: 'ldd-las' }, startDate: '2027-08-01', endDate: null },
    ]);
    const at = async (asOf: string) => {
      const res = await graphql<{ school: { mandates: { system: { id: string }; status: string }[] } }>(
        system.gatewayUrl,
        'query ($d: Date) { school(brin: "06NP") { mandates(services: [OSO_OV], asOf: $d) { system { id } status } } }',
        { d: asOf },
        board,
      );
      expect(res.errors).toBeUndefined();
      return res.data!.school.mandates.map((m) => `${m.system.id}:${m.status}`);
    };
    expect(await at('2022-08-14')).toEqual(['voorbeeld-las:PLANNED', 'ldd-las:PLANNED']);
    expect(await at('2027-07-31')).toEqual(['voorbeeld-las:ACTIVE', 'ldd-las:PLANNED']);
    expect(await at('2027-08-01')).toEqual(['voorbeeld-las:ENDED', 'ldd-las:ACTIVE']);
  });

  it('a board grants from today on, not before; support corrects the past with a reason, recorded as a correction (issue 17.6)', async () => {
    const board = await bearer({ role: 'BOARD', board: '41234', rights: ['OSR_TOEGANG'] });
    const support = await bearer({ role: 'SUPPORT', name: 'K. Support' });
    const past = { service: 'OSO_OV', systemId: 'voorbeeld-las', brin: '09UV', bevoegdGezagNummer: '41234', startDate: '2022-09-01', endDate: '2023-01-31' };
    const WITH_REASON = `mutation Grant($input: GrantMandateInput!, $reason: String) {
      grantMandate(input: $input, reason: $reason) { mandates { id status history { action by correction reason } } }
    }`;
    const byBoard = await graphql(system.gatewayUrl, WITH_REASON, { input: past, reason: 'we forgot' }, board);
    expect(byBoard.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(byBoard.errors?.[0]?.message).toContain('starts today or later');
    expect((await graphql(system.gatewayUrl, WITH_REASON, { input: past }, support)).errors?.[0]?.message).toContain('reason');

    type Granted = { grantMandate: { mandates: { id: string; status: string; history: { action: string; by: string; correction: boolean; reason: string | null }[] }[] } };
    const corrected = await graphql<Granted>(system.gatewayUrl, WITH_REASON, { input: past, reason: 'Mijn OSO point 1 was active until January 2023 (ticket 4711)' }, support);
    expect(corrected.errors).toBeUndefined();
    expect(corrected.data!.grantMandate.mandates).toEqual([
      expect.objectContaining({
        status: 'ENDED',
        history: [{ action: 'CREATED', by: 'K. Support', correction: true, reason: 'Mijn OSO point 1 was active until January 2023 (ticket 4711)' }],
      }),
    ]);

    const today = todayInNetherlands();
    const fromToday = await graphql<Granted>(system.gatewayUrl, WITH_REASON, { input: { ...past, startDate: today, endDate: null } }, board);
    expect(fromToday.errors).toBeUndefined();
    expect(fromToday.data!.grantMandate.mandates[0]!.history).toEqual([{ action: 'CREATED', by: 'test user', correction: false, reason: null }]);
  });

  it('a board cannot reopen a mandate that ended in 2024 by a later end date; support may, with a reason, recorded as a correction', async () => {
    const board = await bearer({ role: 'BOARD', board: '41234', rights: ['OSR_TOEGANG'] });
    const support = await bearer({ role: 'SUPPORT', name: 'K. Support' });
    const END = `mutation End($input: EndMandateInput!, $reason: String) {
      endMandate(input: $input, reason: $reason) { mandates { id endDate history { action by correction reason } } }
    }`;
    const ended = { id: 'm-31EW-OSO_OV-voorbeeld-las-2022-08-15', expectedVersion: 2 };
    const byBoard = await graphql(system.gatewayUrl, END, { input: { ...ended, endDate: '2030-12-31' }, reason: 'still in use' }, board);
    expect(byBoard.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(byBoard.errors?.[0]?.message).toContain('ended before yesterday (2024-07-31)');
    type Ended = { endMandate: { mandates: { id: string; endDate: string; history: { action: string; by: string; correction: boolean; reason: string | null }[] }[] } };
    const corrected = await graphql<Ended>(system.gatewayUrl, END, { input: { ...ended, endDate: '2024-08-15' }, reason: 'the old LAS ran two weeks longer (ticket 4712)' }, support);
    expect(corrected.errors).toBeUndefined();
    const mandate = corrected.data!.endMandate.mandates[0]!;
    expect(mandate.endDate).toBe('2024-08-15');
    expect(mandate.history.at(-1)).toEqual({ action: 'ENDED', by: 'K. Support', correction: true, reason: 'the old LAS ran two weeks longer (ticket 4712)' });
  });
});
