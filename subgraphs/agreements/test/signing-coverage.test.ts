import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayBefore, type Identity } from '@osr/common';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, webhookSignature } from '../src/signing.js';
import { connectDatabase, databaseName } from '@osr/common';
import { databaseUri, freshPrefix, identitySecret, logger, startSubgraph } from '../../../test/support/system.js';
import { createAgreementsServer } from '../src/server.js';
import {
  GET,
  REQUEST,
  SEND,
  SIGN,
  TERMINATE,
  WEBHOOK_SECRET,
  addDays,
  analyst,
  anonymous,
  codeOf,
  service,
  signer,
  staff,
  startAgreements,
  support,
  today,
  type AgreementView,
  type TestAgreements,
} from './helpers.js';

describe('signing through the provider webhook', () => {
  let sg: TestAgreements;
  let webhook: string;
  beforeAll(async () => {
    sg = await startAgreements();
    webhook = sg.url.replace(/graphql$/, 'signing/webhook');
  });
  afterAll(() => sg?.stop());

  async function sentAgreement(board: string) {
    const req = await sg.call<{ requestAgreement: AgreementView }>(staff(board), REQUEST, { input: { bevoegdGezagNummer: board, type: 'OSO', services: ['OSO_OV'] } });
    const sent = await sg.call<{ sendForSignature: AgreementView }>(support, SEND, { id: req.data!.requestAgreement.id });
    return sent.data!.sendForSignature;
  }

  function callback(agreement: AgreementView, overrides: Record<string, unknown> = {}) {
    return {
      event: 'SIGNED',
      agreementId: agreement.id,
      reference: agreement.signing!.reference,
      contentHash: agreement.signing!.contentHash,
      signer: { id: 'eh-123', name: 'P. Provider-Signer', board: agreement.signing!.signerBoard, rights: ['KENNISNET_ONDERTEKENEN'] },
      ...overrides,
    };
  }

  async function post(body: unknown, secret = WEBHOOK_SECRET, timestamp = String(Math.floor(Date.now() / 1000)), headers: Record<string, string> = {}) {
    const text = JSON.stringify(body);
    const res = await fetch(webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: webhookSignature(secret, timestamp, text), ...headers },
      body: text,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('accepts a callback signed with the shared secret and records the signature from the provider', async () => {
    const a = await sentAgreement('51001');
    const res = await post(callback(a));
    expect(res).toEqual({ status: 200, body: { agreementId: a.id, status: 'SIGNED', version: 3 } });
    const read = await sg.call<{ agreement: AgreementView }>(support, GET, { id: a.id });
    expect(read.data!.agreement.status).toBe('SIGNED');
    expect(read.data!.agreement.signature).toEqual({
      signerName: 'P. Provider-Signer',
      signerId: 'eh-123',
      board: '51001',
      contentHash: a.signing!.contentHash,
      documentVersion: 1,
      provider: 'WEBHOOK',
    });
    // a replayed callback does not sign twice
    const replay = await post(callback(a));
    expect(replay.status).toBe(409);
  });

  it('refuses a wrong secret, a tampered body, missing headers and an old timestamp with 401, and changes nothing', async () => {
    const a = await sentAgreement('51002');
    expect((await post(callback(a), 'another-secret-0123456789abcdefghij')).status).toBe(401);

    const ts = String(Math.floor(Date.now() / 1000));
    const signedFor = webhookSignature(WEBHOOK_SECRET, ts, JSON.stringify(callback(a)));
    const tampered = await fetch(webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [TIMESTAMP_HEADER]: ts, [SIGNATURE_HEADER]: signedFor },
      body: JSON.stringify(callback(a, { signer: { id: 'x', name: 'Mallory', board: '51002', rights: ['KENNISNET_ONDERTEKENEN'] } })),
    });
    expect(tampered.status).toBe(401);

    const bare = await fetch(webhook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(callback(a)) });
    expect(bare.status).toBe(401);
    expect(((await bare.json()) as { error: string }).error).toContain('missing');

    const old = await post(callback(a), WEBHOOK_SECRET, String(Math.floor(Date.now() / 1000) - 3600));
    expect(old.status).toBe(401);

    const read = await sg.call<{ agreement: AgreementView }>(support, GET, { id: a.id });
    expect(read.data!.agreement.status).toBe('SENT_FOR_SIGNATURE');
  });

  it('applies the signing rules to verified callbacks too: right, board, reference, text', async () => {
    const a = await sentAgreement('51003');
    const noRight = await post(callback(a, { signer: { id: 's', name: 'S', board: '51003', rights: [] } }));
    expect(noRight.status).toBe(403);
    const otherBoard = await post(callback(a, { signer: { id: 's', name: 'S', board: '51004', rights: ['KENNISNET_ONDERTEKENEN'] } }));
    expect(otherBoard.status).toBe(403);
    expect((await post(callback(a, { reference: 'someone-else' }))).status).toBe(409);
    expect((await post(callback(a, { contentHash: 'b'.repeat(64) }))).status).toBe(409);
    // an id that does not exist answers as another board's agreement does
    expect((await post(callback(a, { agreementId: 'nope' }))).status).toBe(403);
    const malformed = await post({ event: 'SIGNED', agreementId: a.id });
    expect(malformed.status).toBe(400);
    expect(malformed.body['issues']).toBeDefined();
  });

  it('has no webhook route when no secret is configured', async () => {
    const prefix = freshPrefix();
    const plain = await startSubgraph('agreements', prefix);
    try {
      const res = await fetch(plain.url.replace(/graphql$/, 'signing/webhook'), { method: 'POST', body: '{}' });
      expect(res.status).toBe(404);
    } finally {
      await plain.stop();
    }
  });
});

describe('the OSO SWV extension and agreementCoverage', () => {
  let sg: TestAgreements;
  beforeAll(async () => {
    sg = await startAgreements();
  });
  afterAll(() => sg?.stop());

  const COVERAGE = 'query ($b: ID!, $s: ServiceCode!, $d: Date!) { agreementCoverage(bevoegdGezagNummer: $b, service: $s, date: $d) { covered agreement { id } } }';
  type Coverage = { agreementCoverage: { covered: boolean; agreement: { id: string } | null } };
  async function covered(board: string, svc: string, date: string, who: Identity = service) {
    const res = await sg.call<Coverage>(who, COVERAGE, { b: board, s: svc, d: date });
    expect(res.errors).toBeUndefined();
    return res.data!.agreementCoverage;
  }

  it('answers coverage for the demo agreements: from the first day, per service', async () => {
    expect(await covered('42001', 'OSO_OV', today())).toEqual({ covered: true, agreement: { id: 'a-42001-oso' } });
    expect(await covered('42001', 'OSO_OV', '2020-09-15')).toEqual({ covered: true, agreement: { id: 'a-42001-oso' } });
    expect(await covered('42001', 'OSO_OV', '2020-09-14')).toEqual({ covered: false, agreement: null });
    expect(await covered('42001', 'OSO_SWV', today())).toEqual({ covered: false, agreement: null });
    expect(await covered('41234', 'OSO_SWV', '2022-08-15')).toEqual({ covered: true, agreement: { id: 'a-41234-oso' } });
    expect(await covered('43555', 'OSO_OV', today())).toEqual({ covered: false, agreement: null });
  });

  it('extends a signed OSO agreement with OSO_SWV from the signing day; before and after stay answerable with asOf', async () => {
    const req = await sg.call<{ requestSwvExtension: AgreementView }>(staff('42001'), 'mutation { requestSwvExtension(agreementId: "a-42001-oso", note: "SWV PO 31-01") { id status services extensionOf { id } } }');
    expect(req.errors).toBeUndefined();
    const ext = req.data!.requestSwvExtension;
    expect(ext).toMatchObject({ status: 'REQUESTED', services: ['OSO_SWV'], extensionOf: { id: 'a-42001-oso' } });

    const again = await sg.call(support, 'mutation { requestSwvExtension(agreementId: "a-42001-oso") { id } }');
    expect(codeOf(again)).toBe('CONFLICT');
    expect(again.errors![0]!.message).toContain('already has an open SWV extension request');

    // not covered while the extension is requested or sent
    const sent = await sg.call<{ sendForSignature: AgreementView }>(support, SEND, { id: ext.id });
    expect((await covered('42001', 'OSO_SWV', today())).covered).toBe(false);

    const signed = await sg.call<{ signAgreement: AgreementView }>(signer('42001'), SIGN, { id: ext.id, hash: sent.data!.sendForSignature.signing!.contentHash });
    expect(signed.errors).toBeUndefined();
    expect(signed.data!.signAgreement.status).toBe('SIGNED');

    expect(await covered('42001', 'OSO_SWV', today())).toEqual({ covered: true, agreement: { id: 'a-42001-oso' } });
    expect(await covered('42001', 'OSO_SWV', dayBefore(today()))).toEqual({ covered: false, agreement: null });
    expect(await covered('42001', 'OSO_OV', dayBefore(today()))).toEqual({ covered: true, agreement: { id: 'a-42001-oso' } });

    const view = await sg.call<{ agreement: { services: string[]; before: string[]; after: string[]; coverage: unknown[]; extensions: { id: string; status: string }[]; history: { action: string; note: string }[] } }>(
      support,
      `query ($before: Date!, $after: Date!) { agreement(id: "a-42001-oso") {
         services before: services(asOf: $before) after: services(asOf: $after) coverage { service from }
         extensions { id status } history { action note } } }`,
      { before: dayBefore(today()), after: today() },
    );
    const parent = view.data!.agreement;
    expect(parent.services).toEqual(['OSO_OV', 'OSO_SWV']);
    expect(parent.before).toEqual(['OSO_OV']);
    expect(parent.after).toEqual(['OSO_OV', 'OSO_SWV']);
    expect(parent.coverage).toEqual([{ service: 'OSO_OV', from: null }, { service: 'OSO_SWV', from: today() }]);
    expect(parent.extensions).toEqual([{ id: ext.id, status: 'SIGNED' }]);
    expect(parent.history.map((h) => h.action)).toEqual(['EXTENDED']);
    expect(parent.history[0]!.note).toContain(ext.id);

    const already = await sg.call(staff('42001'), 'mutation { requestSwvExtension(agreementId: "a-42001-oso") { id } }');
    expect(codeOf(already)).toBe('CONFLICT');
    expect(already.errors![0]!.message).toContain('already covers OSO_SWV');
  });

  it('covers OSO_SWV even when the process stopped between signing the extension and updating the agreement, and repairs it at start', async () => {
    const req = await sg.call<{ requestAgreement: AgreementView }>(staff('51020'), REQUEST, { input: { bevoegdGezagNummer: '51020', type: 'OSO', services: ['OSO_OV'] } });
    const id = req.data!.requestAgreement.id;
    const sent = await sg.call<{ sendForSignature: AgreementView }>(support, SEND, { id });
    await sg.call(signer('51020'), SIGN, { id, hash: sent.data!.sendForSignature.signing!.contentHash });
    const ext = await sg.call<{ requestSwvExtension: AgreementView }>(staff('51020'), `mutation { requestSwvExtension(agreementId: "${id}") { id } }`);
    const extId = ext.data!.requestSwvExtension.id;
    const extSent = await sg.call<{ sendForSignature: AgreementView }>(support, SEND, { id: extId });
    await sg.call(signer('51020'), SIGN, { id: extId, hash: extSent.data!.sendForSignature.signing!.contentHash });

    // Undo the agreement's update, as if the process had stopped right after the extension was signed.
    const db = await connectDatabase(databaseUri(), databaseName(sg.prefix, 'agreements'));
    try {
      await db.db.collection('agreements').updateOne({ id }, { $set: { services: ['OSO_OV'], serviceStarts: [] } });
      expect(await covered('51020', 'OSO_SWV', today())).toEqual({ covered: true, agreement: { id } });

      const restarted = await createAgreementsServer({ database: db, logger, identitySecret, peers: {} }, { pollSeconds: 0, signingWebhookSecret: null });
      await restarted.stop();
      const repaired = await db.db.collection<{ services: string[]; serviceStarts: unknown[] }>('agreements').findOne({ id });
      expect(repaired!.services).toEqual(['OSO_OV', 'OSO_SWV']);
      expect(repaired!.serviceStarts).toEqual([{ service: 'OSO_SWV', from: today() }]);
    } finally {
      await db.close();
    }
  });

  it('only extends a signed OSO agreement in force, for the board itself or support', async () => {
    const user = await sg.call(support, 'mutation { requestSwvExtension(agreementId: "a-41234-osr-user") { id } }');
    expect(codeOf(user)).toBe('CONFLICT');
    expect(codeOf(await sg.call(staff('42001'), 'mutation { requestSwvExtension(agreementId: "a-41234-oso") { id } }'))).toBe('FORBIDDEN');
    expect(codeOf(await sg.call(analyst, 'mutation { requestSwvExtension(agreementId: "a-41234-oso") { id } }'))).toBe('FORBIDDEN');
    expect(codeOf(await sg.call(support, 'mutation { requestSwvExtension(agreementId: "nope") { id } }'))).toBe('NOT_FOUND');
  });

  it('keeps covering a terminated agreement up to its last day, not after', async () => {
    const req = await sg.call<{ requestAgreement: AgreementView }>(staff('51010'), REQUEST, { input: { bevoegdGezagNummer: '51010', type: 'OSO', services: ['OSO_OV', 'OSO_SWV'] } });
    const id = req.data!.requestAgreement.id;
    const sent = await sg.call<{ sendForSignature: AgreementView }>(support, SEND, { id });
    await sg.call(signer('51010'), SIGN, { id, hash: sent.data!.sendForSignature.signing!.contentHash });
    const end = addDays(today(), 10);
    await sg.call(staff('51010'), TERMINATE, { id, end, reason: 'merger' });
    expect(await covered('51010', 'OSO_SWV', end)).toEqual({ covered: true, agreement: { id } });
    expect(await covered('51010', 'OSO_SWV', addDays(end, 1))).toEqual({ covered: false, agreement: null });
  });

  it('answers coverage for services, support, analysts and the board itself; FORBIDDEN for others', async () => {
    for (const who of [service, support, analyst, staff('42001')]) expect((await covered('42001', 'OSO_OV', today(), who)).covered).toBe(true);
    for (const who of [anonymous, staff('41234')]) {
      expect(codeOf(await sg.call(who, COVERAGE, { b: '42001', s: 'OSO_OV', d: today() }))).toBe('FORBIDDEN');
    }
    expect(codeOf(await sg.call(service, COVERAGE, { b: '4200', s: 'OSO_OV', d: today() }))).toBe('BAD_USER_INPUT');
  });
});
