import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoData } from '../../scripts/demo-data.js';
import { seedDemo } from '../../scripts/seed-lib.js';
import { bearer, databaseUri, freshPrefix, graphql, startSystem, type RunningSystem } from '../support/system.js';

describe('agreements and support through the gateway (demo data)', () => {
  let system: RunningSystem;
  beforeAll(async () => {
    const prefix = freshPrefix();
    await seedDemo(databaseUri(), prefix, buildDemoData());
    system = await startSystem(prefix);
  });
  afterAll(() => system?.stop());

  it('a board requests an OSO agreement, support sends it, the board signs it: the board then shows it, and coverage answers yes', async () => {
    const boardStaff = await bearer({ role: 'BOARD', board: '43555', rights: ['OSR_TOEGANG'], sub: 'staff-43555' });
    const requested = await graphql<{ requestAgreement: { id: string; status: string } }>(
      system.gatewayUrl,
      'mutation { requestAgreement(input: { bevoegdGezagNummer: "43555", type: OSO, services: [OSO_OV] }) { id status } }',
      undefined,
      boardStaff,
    );
    expect(requested.errors).toBeUndefined();
    const id = requested.data!.requestAgreement.id;

    const sent = await graphql<{ sendForSignature: { status: string; signing: { contentHash: string; signerBoard: string } } }>(
      system.gatewayUrl,
      'mutation ($id: ID!) { sendForSignature(id: $id) { status signing { contentHash signerBoard } } }',
      { id },
      await bearer({ role: 'SUPPORT' }),
    );
    expect(sent.data!.sendForSignature).toMatchObject({ status: 'SENT_FOR_SIGNATURE', signing: { signerBoard: '43555' } });

    const withoutRight = await graphql(system.gatewayUrl, 'mutation ($id: ID!, $h: String!) { signAgreement(id: $id, contentHash: $h) { status } }', { id, h: sent.data!.sendForSignature.signing.contentHash }, boardStaff);
    expect(withoutRight.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');

    const signerToken = await bearer({ role: 'BOARD', board: '43555', rights: ['OSR_TOEGANG', 'KENNISNET_ONDERTEKENEN'], sub: 'signer-43555', name: 'H. Signer' });
    const signed = await graphql<{ signAgreement: { status: string; signedBy: string } }>(
      system.gatewayUrl,
      'mutation ($id: ID!, $h: String!) { signAgreement(id: $id, contentHash: $h) { status signedBy } }',
      { id, h: sent.data!.sendForSignature.signing.contentHash },
      signerToken,
    );
    expect(signed.errors).toBeUndefined();
    expect(signed.data!.signAgreement).toEqual({ status: 'SIGNED', signedBy: 'H. Signer' });

    const board = await graphql<{ board: { name: string; agreements: { type: string; status: string; services: string[] }[] } }>(
      system.gatewayUrl,
      '{ board(bevoegdGezagNummer: "43555") { name agreements { type status services } } }',
      undefined,
      boardStaff,
    );
    expect(board.data!.board).toEqual({ name: 'Vereniging Christelijk VO Midden', agreements: [{ type: 'OSO', status: 'SIGNED', services: ['OSO_OV'] }] });

    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam' }).format(new Date());
    const coverage = await graphql<{ ov: { covered: boolean; agreement: { id: string } }; swv: { covered: boolean } }>(
      system.gatewayUrl,
      'query ($d: Date!) { ov: agreementCoverage(bevoegdGezagNummer: "43555", service: OSO_OV, date: $d) { covered agreement { id board { name } } } swv: agreementCoverage(bevoegdGezagNummer: "43555", service: OSO_SWV, date: $d) { covered } }',
      { d: today },
      await bearer({ role: 'ANALYST' }),
    );
    expect(coverage.errors).toBeUndefined();
    expect(coverage.data!.ov).toEqual({ covered: true, agreement: { id, board: { name: 'Vereniging Christelijk VO Midden' } } });
    expect(coverage.data!.swv.covered).toBe(false);
  });

  it('anyone can ask about a retired support address and is sent to Kennisnet Support', async () => {
    const res = await graphql<{ resolveContact: { inUse: boolean; retiredSince: string; message: string }; supportContacts: { value: string }[] }>(
      system.gatewayUrl,
      '{ resolveContact(value: "servicedesk@oso-od.nl") { inUse retiredSince message } supportContacts(asOf: "2022-08-14") { value } }',
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.resolveContact).toEqual({
      inUse: false,
      retiredSince: '2022-08-15',
      message: 'servicedesk@oso-od.nl is no longer in use since 2022-08-15; use support@kennisnet.nl (Kennisnet Support) instead',
    });
    expect(res.data!.supportContacts.map((c) => c.value)).toContain('servicedesk@oso-od.nl');
  });
});
