import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '@osr/common';
import { buildDemoData } from '../../../scripts/demo-data.js';
import { seedDemo } from '../../../scripts/seed-lib.js';
import { channelValueProblem, normaliseValue } from '../src/contacts.js';
import { databaseUri, freshPrefix, graphql, identityHeaders, startSubgraph, SUPPORT_IDENTITY, type RunningSubgraph } from '../../../test/support/system.js';

const BOARD: Identity = { sub: 'b', name: 'Board staff', role: 'BOARD', board: '41234', rights: ['OSR_TOEGANG'], supplier: null };
const ANALYST: Identity = { sub: 'a', name: 'Analyst', role: 'ANALYST', board: null, rights: [], supplier: null };
const PUBLIC: Identity = { sub: 'anonymous', name: 'anonymous', role: 'PUBLIC', board: null, rights: [], supplier: null };

const RESOLVE = `query ($v: String!, $d: Date) { resolveContact(value: $v, asOf: $d) {
  value known inUse retiredSince message contact { id value validUntil } replacement { id value label } } }`;
interface Resolution {
  value: string;
  known: boolean;
  inUse: boolean;
  retiredSince: string | null;
  message: string;
  contact: { id: string; value: string; validUntil: string | null } | null;
  replacement: { id: string; value: string; label: string } | null;
}

describe('contact values: channels and matching', () => {
  it('checks e-mail addresses, phone numbers and web pages', () => {
    expect(channelValueProblem('EMAIL', 'support@kennisnet.nl')).toBeNull();
    expect(channelValueProblem('EMAIL', 'support@kennisnet')).toContain('e-mail');
    expect(channelValueProblem('PHONE', '0800 321 22 33')).toBeNull();
    expect(channelValueProblem('PHONE', '+31 30 123 4567')).toBeNull();
    expect(channelValueProblem('PHONE', '12345')).toContain('starts with 0 or +');
    expect(channelValueProblem('PHONE', '0800-call-me')).toContain('digits');
    expect(channelValueProblem('WEB', 'https://www.kennisnet.nl/support')).toBeNull();
    expect(channelValueProblem('WEB', 'Mijn OSO')).toContain('URL');
    expect(channelValueProblem('WEB', 'ftp://example.nl')).toContain('http(s)');
  });

  it('matches e-mail case-insensitively and phone numbers on their digits', () => {
    expect(normaliseValue(' ServiceDesk@OSO-OD.nl ')).toBe(normaliseValue('servicedesk@oso-od.nl'));
    expect(normaliseValue('0800-3212233')).toBe(normaliseValue('0800 321 22 33'));
    expect(normaliseValue('+31 800 321 22 33')).toBe(normaliseValue('0800 321 22 33'));
  });
});

describe('support subgraph: contacts over time', () => {
  let sg: RunningSubgraph;
  const call = <T,>(query: string, variables?: Record<string, unknown>, who: Identity = SUPPORT_IDENTITY) =>
    graphql<T>(sg.url, query, variables, identityHeaders(who));

  beforeAll(async () => {
    const prefix = freshPrefix();
    await seedDemo(databaseUri(), prefix, buildDemoData());
    sg = await startSubgraph('support', prefix);
  });
  afterAll(() => sg?.stop());

  it('resolveContact("servicedesk@oso-od.nl") says it is retired since 2022-08-15 and names Kennisnet Support', async () => {
    const res = await call<{ resolveContact: Resolution }>(RESOLVE, { v: 'servicedesk@oso-od.nl' }, PUBLIC);
    expect(res.errors).toBeUndefined();
    expect(res.data!.resolveContact).toEqual({
      value: 'servicedesk@oso-od.nl',
      known: true,
      inUse: false,
      retiredSince: '2022-08-15',
      message: 'servicedesk@oso-od.nl is no longer in use since 2022-08-15; use support@kennisnet.nl (Kennisnet Support) instead',
      contact: { id: 'oso-servicedesk-email', value: 'servicedesk@oso-od.nl', validUntil: '2022-08-14' },
      replacement: { id: 'kennisnet-support-email', value: 'support@kennisnet.nl', label: 'Kennisnet Support' },
    });
  });

  it('answers for the retired address as it was on its last day, for current contacts, for the Mijn OSO page and for unknown values', async () => {
    const lastDay = await call<{ resolveContact: Resolution }>(RESOLVE, { v: 'SERVICEDESK@oso-od.nl', d: '2022-08-14' });
    expect(lastDay.data!.resolveContact).toMatchObject({ known: true, inUse: true, retiredSince: null, replacement: null, message: 'servicedesk@oso-od.nl is in use (OSO servicedesk)' });

    const phone = await call<{ resolveContact: Resolution }>(RESOLVE, { v: '0800-3212233' });
    expect(phone.data!.resolveContact).toMatchObject({ known: true, inUse: true, contact: { id: 'kennisnet-support-phone' } });

    const page = await call<{ resolveContact: Resolution }>(RESOLVE, { v: 'mijn oso' });
    expect(page.data!.resolveContact.message).toBe('Mijn OSO is no longer in use since 2022-08-15; use support@kennisnet.nl (Kennisnet Support) instead');

    const unknown = await call<{ resolveContact: Resolution }>(RESOLVE, { v: 'helpdesk@example.nl' });
    expect(unknown.data!.resolveContact).toMatchObject({
      known: false,
      inUse: false,
      contact: null,
      replacement: { value: 'support@kennisnet.nl' },
      message: 'helpdesk@example.nl is not a support contact of the register; for help use support@kennisnet.nl (Kennisnet Support)',
    });

    const empty = await call(RESOLVE, { v: '  ' });
    expect(empty.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });

  it('supportContacts(asOf: "2022-08-14") still lists the retired ones; topic filters', async () => {
    const q = 'query ($d: Date, $t: SupportTopic) { supportContacts(asOf: $d, topic: $t) { id retiredSince inUse(asOf: $d) } }';
    const before = await call<{ supportContacts: { id: string; retiredSince: string | null; inUse: boolean }[] }>(q, { d: '2022-08-14' });
    expect(before.data!.supportContacts).toContainEqual({ id: 'oso-servicedesk-email', retiredSince: '2022-08-15', inUse: true });
    expect(before.data!.supportContacts).toContainEqual({ id: 'mijn-oso-page', retiredSince: '2022-08-15', inUse: true });
    const agreements = await call<{ supportContacts: { id: string }[] }>(q, { d: '2022-08-14', t: 'NEW_AGREEMENT' });
    expect(agreements.data!.supportContacts.map((c) => c.id)).toEqual(['kennisnet-support-email', 'kennisnet-support-phone']);
  });

  it('tells per service where to go for a new agreement or an SWV extension: Kennisnet Support', async () => {
    const res = await call<{ _entities: { support: { value: string }[] }[] }>(
      'query { _entities(representations: [{ __typename: "Service", code: "OSO_SWV" }]) { ... on Service { support(topic: SWV_EXTENSION) { value } } } }',
    );
    expect(res.data!._entities[0]!.support.map((c) => c.value)).toEqual(['support@kennisnet.nl', '0800 321 22 33']);
  });

  it('lets support add and retire contacts, validated; the retired one names its replacement', async () => {
    const ADD = 'mutation ($i: AddSupportContactInput!) { addSupportContact(input: $i) { id channel value validFrom validUntil version services } }';
    const added = await call<{ addSupportContact: { id: string; value: string; version: number } }>(ADD, {
      i: { id: 'osr-chat', channel: 'WEB', value: 'https://www.kennisnet.nl/osr/chat', label: 'Kennisnet Support chat', topics: ['GENERAL'], services: ['OSO_OV'], validFrom: '2026-01-01' },
    });
    expect(added.errors).toBeUndefined();
    expect(added.data!.addSupportContact).toEqual({ id: 'osr-chat', channel: 'WEB', value: 'https://www.kennisnet.nl/osr/chat', validFrom: '2026-01-01', validUntil: null, version: 1, services: ['OSO_OV'] });

    const bad: [Record<string, unknown>, string, string][] = [
      [{ channel: 'EMAIL', value: 'not-an-address', label: 'x', topics: ['GENERAL'] }, 'BAD_USER_INPUT', 'e-mail'],
      [{ channel: 'PHONE', value: '12', label: 'x', topics: ['GENERAL'] }, 'BAD_USER_INPUT', 'phone'],
      [{ channel: 'WEB', value: 'Mijn OSR', label: 'x', topics: ['GENERAL'] }, 'BAD_USER_INPUT', 'URL'],
      [{ channel: 'EMAIL', value: 'a@b.nl', label: 'x', topics: [] }, 'BAD_USER_INPUT', 'topic'],
      [{ channel: 'EMAIL', value: 'a@b.nl', label: 'x', topics: ['GENERAL'], validFrom: '2026-01-02', validUntil: '2026-01-01' }, 'BAD_USER_INPUT', 'before validFrom'],
      [{ channel: 'EMAIL', value: 'Support@Kennisnet.nl', label: 'x', topics: ['GENERAL'] }, 'CONFLICT', 'already contact kennisnet-support-email'],
      [{ id: 'osr-chat', channel: 'EMAIL', value: 'chat@kennisnet.nl', label: 'x', topics: ['GENERAL'] }, 'CONFLICT', 'already exists'],
    ];
    for (const [i, code, message] of bad) {
      const res = await call(ADD, { i });
      expect(res.errors?.[0]?.extensions?.['code'], message).toBe(code);
      expect(res.errors?.[0]?.message).toContain(message);
    }

    const RETIRE = 'mutation ($id: ID!, $last: Date!, $by: ID) { retireSupportContact(id: $id, lastDay: $last, replacedById: $by) { id validUntil retiredSince replacedBy { id } version } }';
    const checks: [Record<string, unknown>, string, string][] = [
      [{ id: 'osr-chat', last: '2025-12-31' }, 'BAD_USER_INPUT', "before the contact's first day 2026-01-01"],
      [{ id: 'osr-chat', last: '2026-06-30', by: 'nope' }, 'BAD_USER_INPUT', 'no contact with that id'],
      [{ id: 'osr-chat', last: '2026-06-30', by: 'osr-chat' }, 'BAD_USER_INPUT', 'cannot replace itself'],
      [{ id: 'osr-chat', last: '2026-06-30', by: 'mijn-oso-page' }, 'BAD_USER_INPUT', 'not in use on 2026-07-01'],
      [{ id: 'oso-servicedesk-email', last: '2026-06-30' }, 'CONFLICT', 'already retired'],
      [{ id: 'none', last: '2026-06-30' }, 'NOT_FOUND', 'No support contact'],
    ];
    for (const [vars, code, message] of checks) {
      const res = await call(RETIRE, vars);
      expect(res.errors?.[0]?.extensions?.['code'], message).toBe(code);
      expect(res.errors?.[0]?.message).toContain(message);
    }
    const retired = await call<{ retireSupportContact: unknown }>(RETIRE, { id: 'osr-chat', last: '2026-06-30', by: 'kennisnet-support-email' });
    expect(retired.data!.retireSupportContact).toEqual({ id: 'osr-chat', validUntil: '2026-06-30', retiredSince: '2026-07-01', replacedBy: { id: 'kennisnet-support-email' }, version: 2 });
    const answer = await call<{ resolveContact: Resolution }>(RESOLVE, { v: 'https://www.kennisnet.nl/osr/chat/', d: '2026-08-01' });
    expect(answer.data!.resolveContact.message).toBe('https://www.kennisnet.nl/osr/chat is no longer in use since 2026-07-01; use support@kennisnet.nl (Kennisnet Support) instead');
  });

  it('refuses changes from anyone but support with FORBIDDEN', async () => {
    for (const who of [BOARD, ANALYST, PUBLIC]) {
      const add = await call('mutation { addSupportContact(input: { channel: EMAIL, value: "x@y.nl", label: "x", topics: [GENERAL] }) { id } }', undefined, who);
      expect(add.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
      const retire = await call('mutation { retireSupportContact(id: "kennisnet-support-phone", lastDay: "2030-01-01") { id } }', undefined, who);
      expect(retire.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    }
  });
});
