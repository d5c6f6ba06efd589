import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, databaseName } from '@osr/common';
import { databaseUri } from '../../../test/support/system.js';
import { AgreementsRepository } from '../src/repository.js';
import type { AgreementStatus } from '../src/documents.js';
import { checkTransition, type Transition } from '../src/lifecycle.js';
import {
  GET,
  REQUEST,
  SEND,
  SIGN,
  TERMINATE,
  UPDATE_DOCUMENT,
  WITHDRAW,
  addDays,
  analyst,
  anonymous,
  codeOf,
  signer,
  staff,
  startAgreements,
  support,
  today,
  type AgreementView,
  type TestAgreements,
} from './helpers.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('the lifecycle as a table: every status against every transition', () => {
  const statuses: AgreementStatus[] = ['REQUESTED', 'SENT_FOR_SIGNATURE', 'SIGNED', 'TERMINATED', 'EXPIRED', 'WITHDRAWN'];
  const legal: Record<Transition, Partial<Record<AgreementStatus, AgreementStatus>>> = {
    SEND: { REQUESTED: 'SENT_FOR_SIGNATURE', SENT_FOR_SIGNATURE: 'SENT_FOR_SIGNATURE' },
    SIGN: { SENT_FOR_SIGNATURE: 'SIGNED' },
    TERMINATE: { SIGNED: 'TERMINATED' },
    EXPIRE: { SIGNED: 'EXPIRED' },
    WITHDRAW: { REQUESTED: 'WITHDRAWN', SENT_FOR_SIGNATURE: 'WITHDRAWN' },
    UPDATE_DOCUMENT: { REQUESTED: 'REQUESTED', SENT_FOR_SIGNATURE: 'SENT_FOR_SIGNATURE' },
  };
  for (const [transition, allowed] of Object.entries(legal) as [Transition, Partial<Record<AgreementStatus, AgreementStatus>>][]) {
    for (const status of statuses) {
      const to = allowed[status];
      it(`${transition} from ${status}: ${to ? `leads to ${to}` : 'is refused, naming the statuses it needs'}`, () => {
        const check = checkTransition(status, transition);
        if (to) {
          expect(check).toMatchObject({ ok: true, to });
        } else {
          expect(check.ok).toBe(false);
          if (!check.ok) {
            expect(check.reason).toContain(`that is ${status}`);
            expect(check.allowedFrom).toEqual(Object.keys(allowed));
          }
        }
      });
    }
  }
});

describe('agreements subgraph: lifecycle, signing and concurrency', () => {
  let sg: TestAgreements;
  beforeAll(async () => {
    sg = await startAgreements();
  });
  afterAll(() => sg?.stop());

  async function request(board: string, type = 'OSO', services = type === 'OSO' ? ['OSO_OV'] : [], extra: Record<string, unknown> = {}) {
    const res = await sg.call<{ requestAgreement: AgreementView }>(staff(board), REQUEST, {
      input: { bevoegdGezagNummer: board, type, services, ...extra },
    });
    expect(res.errors).toBeUndefined();
    return res.data!.requestAgreement;
  }
  async function send(id: string) {
    const res = await sg.call<{ sendForSignature: AgreementView }>(support, SEND, { id });
    expect(res.errors).toBeUndefined();
    return res.data!.sendForSignature;
  }
  async function sign(id: string, board: string, hash: string) {
    const res = await sg.call<{ signAgreement: AgreementView }>(signer(board), SIGN, { id, hash });
    expect(res.errors).toBeUndefined();
    return res.data!.signAgreement;
  }
  async function signed(board: string, type = 'OSO', extra: Record<string, unknown> = {}) {
    const requested = await request(board, type, undefined, extra);
    const sent = await send(requested.id);
    return sign(requested.id, board, sent.signing!.contentHash);
  }

  it('walks REQUESTED → SENT_FOR_SIGNATURE → SIGNED → TERMINATED, recording who, when, from and to', async () => {
    const requested = await request('50001');
    expect(requested).toMatchObject({ type: 'OSO', status: 'REQUESTED', services: ['OSO_OV'], version: 1, signing: null, signature: null });
    expect(requested.documents).toHaveLength(1);
    expect(requested.documents[0]!.contentHash).toBe(sha256(requested.documents[0]!.content));

    const sent = await send(requested.id);
    expect(sent.status).toBe('SENT_FOR_SIGNATURE');
    expect(sent.signing).toMatchObject({ documentVersion: 1, contentHash: requested.documents[0]!.contentHash, signerBoard: '50001', provider: 'LOCAL' });

    const done = await sign(requested.id, '50001', sent.signing!.contentHash);
    expect(done.status).toBe('SIGNED');
    expect(done.validFrom).toBe(today());
    expect(done.signature).toEqual({
      signerName: 'Signer 50001',
      signerId: 'board-50001-OSR_TOEGANG+KENNISNET_ONDERTEKENEN',
      board: '50001',
      contentHash: sent.signing!.contentHash,
      documentVersion: 1,
      provider: 'LOCAL',
    });

    const end = addDays(today(), 30);
    const terminated = await sg.call<{ terminateAgreement: AgreementView }>(staff('50001'), TERMINATE, { id: requested.id, end, reason: 'board stops with OSO' });
    expect(terminated.errors).toBeUndefined();
    expect(terminated.data!.terminateAgreement).toMatchObject({ status: 'TERMINATED', validUntil: end, version: 4 });

    const read = await sg.call<{ agreement: { history: { action: string; from: string | null; to: string; by: string; role: string; version: number }[] } }>(support, GET, { id: requested.id });
    expect(read.data!.agreement.history.map(({ action, from, to, by, role, version }) => ({ action, from, to, by, role, version }))).toEqual([
      { action: 'REQUESTED', from: null, to: 'REQUESTED', by: 'Staff 50001', role: 'BOARD', version: 1 },
      { action: 'SENT_FOR_SIGNATURE', from: 'REQUESTED', to: 'SENT_FOR_SIGNATURE', by: 'Kim Support', role: 'SUPPORT', version: 2 },
      { action: 'SIGNED', from: 'SENT_FOR_SIGNATURE', to: 'SIGNED', by: 'Signer 50001', role: 'BOARD', version: 3 },
      { action: 'TERMINATED', from: 'SIGNED', to: 'TERMINATED', by: 'Staff 50001', role: 'BOARD', version: 4 },
    ]);
  });

  it('withdraws a request before signing, from REQUESTED and from SENT_FOR_SIGNATURE, and then allows a new request', async () => {
    const a = await request('50002', 'ENTREE');
    const w1 = await sg.call<{ withdrawAgreement: AgreementView }>(staff('50002'), WITHDRAW, { id: a.id });
    expect(w1.data!.withdrawAgreement.status).toBe('WITHDRAWN');

    const b = await request('50002', 'ENTREE');
    await send(b.id);
    const w2 = await sg.call<{ withdrawAgreement: AgreementView }>(support, WITHDRAW, { id: b.id });
    expect(w2.data!.withdrawAgreement.status).toBe('WITHDRAWN');
  });

  it('refuses every illegal transition with CONFLICT and a message naming the status', async () => {
    const requested = await request('50003', 'OSR_USER');
    const sent = await send((await request('50003', 'NUMMERVOORZIENING')).id);
    const isSigned = await signed('50003', 'ENTREE');
    const terminated = await signed('50004', 'ENTREE');
    await sg.call(staff('50004'), TERMINATE, { id: terminated.id, end: today(), reason: 'stop' });
    const withdrawn = await request('50004', 'OSR_USER');
    await sg.call(staff('50004'), WITHDRAW, { id: withdrawn.id });
    const expiring = await signed('50005', 'ENTREE', { validUntil: '2099-12-31' });
    const expire = await sg.call<{ expireAgreements: { id: string; status: string }[] }>(support, 'mutation { expireAgreements(asOf: "2100-01-01") { id status } }');
    expect(expire.data!.expireAgreements).toContainEqual({ id: expiring.id, status: 'EXPIRED' });
    expect(expire.data!.expireAgreements.map((a) => a.id)).not.toContain(isSigned.id);

    const hash = 'a'.repeat(64);
    const attempts: [string, string, () => Promise<{ errors?: { message: string; extensions?: Record<string, unknown> }[] }>][] = [
      ['REQUESTED', 'sign', () => sg.call(signer('50003'), SIGN, { id: requested.id, hash })],
      ['REQUESTED', 'terminate', () => sg.call(support, TERMINATE, { id: requested.id, end: today(), reason: 'x' })],
      ['SENT_FOR_SIGNATURE', 'terminate', () => sg.call(support, TERMINATE, { id: sent.id, end: today(), reason: 'x' })],
      ['SIGNED', 'send for signature', () => sg.call(support, SEND, { id: isSigned.id })],
      ['SIGNED', 'sign', () => sg.call(signer('50003'), SIGN, { id: isSigned.id, hash })],
      ['SIGNED', 'withdraw', () => sg.call(support, WITHDRAW, { id: isSigned.id })],
      ['SIGNED', 'change the text of', () => sg.call(support, UPDATE_DOCUMENT, { id: isSigned.id, title: 't', content: 'c' })],
      ['TERMINATED', 'send for signature', () => sg.call(support, SEND, { id: terminated.id })],
      ['TERMINATED', 'sign', () => sg.call(signer('50004'), SIGN, { id: terminated.id, hash })],
      ['TERMINATED', 'terminate', () => sg.call(support, TERMINATE, { id: terminated.id, end: today(), reason: 'x' })],
      ['TERMINATED', 'withdraw', () => sg.call(support, WITHDRAW, { id: terminated.id })],
      ['WITHDRAWN', 'send for signature', () => sg.call(support, SEND, { id: withdrawn.id })],
      ['WITHDRAWN', 'sign', () => sg.call(signer('50004'), SIGN, { id: withdrawn.id, hash })],
      ['WITHDRAWN', 'withdraw', () => sg.call(support, WITHDRAW, { id: withdrawn.id })],
      ['EXPIRED', 'terminate', () => sg.call(support, TERMINATE, { id: expiring.id, end: today(), reason: 'x' })],
      ['EXPIRED', 'sign', () => sg.call(signer('50005'), SIGN, { id: expiring.id, hash })],
      ['EXPIRED', 'withdraw', () => sg.call(support, WITHDRAW, { id: expiring.id })],
    ];
    for (const [status, verb, attempt] of attempts) {
      const res = await attempt();
      expect(res.errors?.[0]?.extensions?.['code'], `${verb} when ${status}`).toBe('CONFLICT');
      expect(res.errors?.[0]?.message, `${verb} when ${status}`).toContain(`cannot ${verb} an agreement that is ${status}`);
    }
  });

  it('keeps one live agreement per board and type', async () => {
    await request('50006');
    const again = await sg.call(staff('50006'), REQUEST, { input: { bevoegdGezagNummer: '50006', type: 'OSO', services: ['OSO_OV'] } });
    expect(codeOf(again)).toBe('CONFLICT');
    expect(again.errors![0]!.message).toContain('already has a live OSO agreement');
  });

  it('validates requests: board number, services per type, end date', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ bevoegdGezagNummer: '5000', type: 'OSO', services: ['OSO_OV'] }, 'bevoegdGezagNummer "5000" is invalid'],
      [{ bevoegdGezagNummer: '50007', type: 'OSO', services: ['OSO_OV', 'VERZUIM'] }, 'covers OSO_OV and OSO_SWV only'],
      [{ bevoegdGezagNummer: '50007', type: 'OSO', services: ['OSO_SWV'] }, 'an OSO agreement covers OSO_OV'],
      [{ bevoegdGezagNummer: '50007', type: 'OSR_USER', services: ['OSO_OV'] }, 'leave services empty'],
      [{ bevoegdGezagNummer: '50007', type: 'OSO', services: ['OSO_OV'], validUntil: '2001-01-01' }, 'cannot lie before today'],
      [{ bevoegdGezagNummer: '50007', type: 'OSO', services: ['OSO_OV'], document: { title: ' ', content: 'x' } }, 'document.title'],
    ];
    for (const [input, message] of cases) {
      const res = await sg.call(support, REQUEST, { input });
      expect(codeOf(res), message).toBe('BAD_USER_INPUT');
      expect(res.errors![0]!.message).toContain(message);
    }
  });

  it('lets only the board itself (OSR_TOEGANG) and support request, never analysts or other boards', async () => {
    const input = { bevoegdGezagNummer: '50008', type: 'OSO', services: ['OSO_OV'] };
    for (const who of [analyst, anonymous, staff('50009'), { ...staff('50008'), rights: [] }]) {
      const res = await sg.call(who, REQUEST, { input });
      expect(codeOf(res), who.name).toBe('FORBIDDEN');
    }
    const bySupport = await sg.call(support, REQUEST, { input });
    expect(bySupport.errors).toBeUndefined();
  });

  it('refuses signing without KENNISNET_ONDERTEKENEN for that board: staff without it, another board, support, analysts', async () => {
    const a = await request('50010');
    const sent = await send(a.id);
    for (const who of [staff('50010'), support, analyst]) {
      const res = await sg.call(who, SIGN, { id: a.id, hash: sent.signing!.contentHash });
      expect(codeOf(res), who.name).toBe('FORBIDDEN');
      expect(res.errors![0]!.message).toContain('KENNISNET_ONDERTEKENEN');
    }
    // another board's signer: the same answer as for an id that does not exist, naming no board
    const other = await sg.call(signer('50011'), SIGN, { id: a.id, hash: sent.signing!.contentHash });
    const missing = await sg.call(signer('50011'), SIGN, { id: 'a-50010-none', hash: sent.signing!.contentHash });
    expect(codeOf(other)).toBe('FORBIDDEN');
    expect(other.errors![0]!.message).toBe(`Agreement ${a.id} does not exist or is not yours to sign`);
    expect(missing.errors![0]!.message).toBe('Agreement a-50010-none does not exist or is not yours to sign');
    const read = await sg.call<{ agreement: AgreementView }>(support, GET, { id: a.id });
    expect(read.data!.agreement.status).toBe('SENT_FOR_SIGNATURE');
  });

  it('refuses to sign a text changed after it was sent, or a text other than the one sent; sending again fixes it', async () => {
    const a = await request('50012');
    const sent = await send(a.id);
    const changed = await sg.call<{ updateAgreementDocument: AgreementView }>(support, UPDATE_DOCUMENT, { id: a.id, title: 'OSO v2', content: 'Nieuwe tekst' });
    expect(changed.data!.updateAgreementDocument).toMatchObject({ status: 'SENT_FOR_SIGNATURE' });
    const newHash = sha256('Nieuwe tekst');
    expect(changed.data!.updateAgreementDocument.documents.map((d) => d.version)).toEqual([1, 2]);

    for (const hash of [sent.signing!.contentHash, newHash]) {
      const res = await sg.call(signer('50012'), SIGN, { id: a.id, hash });
      expect(codeOf(res)).toBe('CONFLICT');
      expect(res.errors![0]!.message).toContain('changed after it was sent for signature (sent: version 1, now version 2)');
    }

    const resent = await send(a.id);
    expect(resent.signing).toMatchObject({ documentVersion: 2, contentHash: newHash });
    const wrong = await sg.call(signer('50012'), SIGN, { id: a.id, hash: sent.signing!.contentHash });
    expect(codeOf(wrong)).toBe('CONFLICT');
    expect(wrong.errors![0]!.message).toContain('is not the text sent for signature');

    const malformed = await sg.call(signer('50012'), SIGN, { id: a.id, hash: 'abc' });
    expect(codeOf(malformed)).toBe('BAD_USER_INPUT');

    const ok = await sign(a.id, '50012', newHash);
    expect(ok.signature).toMatchObject({ contentHash: newHash, documentVersion: 2 });
  });

  it('refuses a second signature with CONFLICT naming who signed', async () => {
    const a = await request('50013');
    const sent = await send(a.id);
    await sign(a.id, '50013', sent.signing!.contentHash);
    const again = await sg.call(signer('50013', 'Second Signer'), SIGN, { id: a.id, hash: sent.signing!.contentHash });
    expect(codeOf(again)).toBe('CONFLICT');
    expect(again.errors![0]!.message).toMatch(/cannot sign an agreement that is SIGNED: only when it is SENT_FOR_SIGNATURE \(signed by Signer 50013 at /);
  });

  it('lets exactly one of two concurrent signatures win; the other gets CONFLICT; history holds one signature', async () => {
    for (const board of ['50014', '50015', '50016']) {
      const a = await request(board);
      const sent = await send(a.id);
      const results = await Promise.all(
        ['First', 'Second'].map((n) => sg.call<{ signAgreement: AgreementView }>(signer(board, `${n} ${board}`), SIGN, { id: a.id, hash: sent.signing!.contentHash, v: sent.version })),
      );
      const wins = results.filter((r) => r.data?.signAgreement?.status === 'SIGNED');
      const losses = results.filter((r) => codeOf(r) === 'CONFLICT');
      expect(wins).toHaveLength(1);
      expect(losses, JSON.stringify(results)).toHaveLength(1);
      const read = await sg.call<{ agreement: AgreementView & { history: { action: string }[] } }>(support, GET, { id: a.id });
      expect(read.data!.agreement.history.filter((h) => h.action === 'SIGNED')).toHaveLength(1);
      expect(read.data!.agreement.signature!.signerName).toBe(wins[0]!.data!.signAgreement.signature!.signerName);
    }
  });

  it('refuses a change based on a stale version (optimistic concurrency)', async () => {
    const a = await request('50017');
    const res = await sg.call(support, SEND, { id: a.id, v: 7 });
    expect(codeOf(res)).toBe('CONFLICT');
    expect(res.errors![0]!.message).toContain('was changed since you read it');
  });

  it('finishes a change whose writer died after claiming the version in history but before writing the agreement', async () => {
    const a = await request('50020');
    const db = await connectDatabase(databaseUri(), databaseName(sg.prefix, 'agreements'));
    try {
      const repo = new AgreementsRepository(db.db);
      const stored = (await repo.findAgreement(a.id))!;
      const after = { ...stored, status: 'WITHDRAWN' as const, version: 2, liveKey: `closed:${a.id}`, updatedAt: new Date() };
      // the dead writer's claim, a minute old
      await repo.claimVersion({ agreementId: a.id, version: 2, at: new Date(Date.now() - 60_000), by: 'Crashed', byId: 'x', role: 'SUPPORT', action: 'WITHDRAWN', from: 'REQUESTED', to: 'WITHDRAWN', note: null, before: stored, after });
    } finally {
      await db.close();
    }
    const blocked = await sg.call(support, SEND, { id: a.id });
    expect(codeOf(blocked)).toBe('CONFLICT');
    expect(blocked.errors![0]!.message).toContain('WITHDRAWN by Crashed');
    const read = await sg.call<{ agreement: AgreementView }>(support, GET, { id: a.id });
    expect(read.data!.agreement).toMatchObject({ status: 'WITHDRAWN', version: 2 });
    // the board's live slot is free again
    await request('50020');
  });

  it('validates terminations: a reason, not in the past, not before the first day', async () => {
    const a = await signed('50018');
    const past = await sg.call(staff('50018'), TERMINATE, { id: a.id, end: addDays(today(), -1), reason: 'x' });
    expect(codeOf(past)).toBe('BAD_USER_INPUT');
    const noReason = await sg.call(staff('50018'), TERMINATE, { id: a.id, end: today(), reason: '  ' });
    expect(codeOf(noReason)).toBe('BAD_USER_INPUT');
    const other = await sg.call(staff('50019'), TERMINATE, { id: a.id, end: today(), reason: 'x' });
    expect(codeOf(other)).toBe('FORBIDDEN');
    const unknown = await sg.call(support, TERMINATE, { id: 'nope', end: today(), reason: 'x' });
    expect(codeOf(unknown)).toBe('NOT_FOUND');
  });

  it('reads: the board itself, support and analysts; FORBIDDEN (not an empty list) for others', async () => {
    const id = 'a-41234-oso';
    for (const who of [staff('41234'), support, analyst]) {
      const res = await sg.call<{ agreement: { signedBy: string } }>(who, 'query ($id: ID!) { agreement(id: $id) { signedBy history { action } } }', { id });
      expect(res.errors, who.name).toBeUndefined();
      expect(res.data!.agreement.signedBy).toBe('J. de Vries');
    }
    for (const who of [anonymous, staff('42001'), { ...staff('41234'), rights: [] }]) {
      const res = await sg.call(who, 'query ($id: ID!) { agreement(id: $id) { id } }', { id });
      expect(codeOf(res), who.name).toBe('FORBIDDEN');
    }
    for (const who of [anonymous, staff('42001'), { ...staff('41234'), rights: [] }]) {
      const res = await sg.call(who, 'query { _entities(representations: [{ __typename: "Board", bevoegdGezagNummer: "41234" }]) { ... on Board { agreements { type } } } }');
      expect(codeOf(res), who.name).toBe('FORBIDDEN');
    }
    const own = await sg.call<{ _entities: { agreements: { type: string; status: string; services: string[] }[] }[] }>(
      staff('41234'),
      'query { _entities(representations: [{ __typename: "Board", bevoegdGezagNummer: "41234" }]) { ... on Board { agreements { type status services } } } }',
    );
    expect(own.data!._entities[0]!.agreements).toEqual([
      { type: 'OSO', status: 'SIGNED', services: ['OSO_OV', 'OSO_SWV'] },
      { type: 'OSR_USER', status: 'SIGNED', services: [] },
    ]);
  });

  it('lists agreements page by page for support and analysts, filtered; a board only its own', async () => {
    const query = 'query ($f: AgreementFilter, $first: Int, $after: String) { agreements(filter: $f, first: $first, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }';
    type Page = { agreements: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 50; i++) {
      const res: Awaited<ReturnType<typeof sg.call<Page>>> = await sg.call<Page>(analyst, query, { f: { imported: true }, first: 2, after });
      expect(res.errors).toBeUndefined();
      seen.push(...res.data!.agreements.edges.map((e) => e.node.id));
      if (!res.data!.agreements.pageInfo.hasNextPage) break;
      after = res.data!.agreements.pageInfo.endCursor;
    }
    expect(seen).toEqual(['a-41234-oso', 'a-41234-osr-user', 'a-42001-oso']);

    const own = await sg.call<Page>(staff('42001'), query, { f: { bevoegdGezagNummer: '42001' } });
    expect(own.data!.agreements.edges.map((e) => e.node.id)).toEqual(['a-42001-oso']);
    expect(codeOf(await sg.call(staff('42001'), query, {}))).toBe('FORBIDDEN');
    expect(codeOf(await sg.call(staff('42001'), query, { f: { bevoegdGezagNummer: '41234' } }))).toBe('FORBIDDEN');
    expect(codeOf(await sg.call(analyst, query, { first: 0 }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await sg.call(analyst, query, { after: 'garbage!' }))).toBe('BAD_USER_INPUT');
  });
});
