/**
 * Smaller holes of issue 17 (item 7), through the gateway and the subgraphs: no name
 * suggestions without introspection, tokens (scheme case, lifetime, issue time), identity
 * headers that live too long, Apollo's persisted-query refusals, /metrics on a port of its
 * own. Hostile request bodies (charset, lone surrogates, cursors, impossible DateTimes) are
 * in the bad-input corpus.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDENTITY_HEADER, listen, signIdentity } from '@osr/common';
import { buildDemoData } from '../../scripts/demo-data.js';
import { seedDemo } from '../../scripts/seed-lib.js';
import { SUPPORT_IDENTITY, databaseUri, freshPrefix, graphql, identitySecret, startSystem, tokenFor, type RunningSystem, type TestClaims } from '../support/system.js';

const BOARD: TestClaims = { role: 'BOARD', board: '41234', rights: ['OSR_TOEGANG'] };
const OWN_BOARD = 'query { board(bevoegdGezagNummer: "41234") { schools { brin mandates { id } } } }';

describe('gateway hardening (issue 17.7)', () => {
  let system: RunningSystem;

  beforeAll(async () => {
    const prefix = freshPrefix();
    await seedDemo(databaseUri(), prefix, buildDemoData());
    // As in production: introspection off, /metrics on a port of its own.
    system = await startSystem(prefix, { introspection: false, separateMetrics: true, rateLimit: { perMinute: 0, burst: 0 } });
  });
  afterAll(() => system?.stop());

  it('suggests no field, argument or enum value names when introspection is off', async () => {
    const field = await graphql(system.gatewayUrl, '{ services { cod } }');
    expect(field.status).toBe(400);
    expect(field.errors?.[0]?.message).toBe('Cannot query field "cod" on type "Service".');
    const value = await graphql(system.gatewayUrl, 'query ($c: ServiceCode!) { service(code: $c) { name } }', { c: 'OSO_O' });
    expect(value.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(value.errors?.[0]?.message).not.toMatch(/Did you mean/);
    const literal = await graphql(system.gatewayUrl, '{ service(code: OSO_O) { name } }');
    expect(literal.errors?.[0]?.message).not.toMatch(/Did you mean|OSO_OV/);
  });

  it('accepts the bearer scheme in any case', async () => {
    const token = await tokenFor(BOARD);
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      const res = await graphql<{ board: { schools: unknown[] } }>(system.gatewayUrl, OWN_BOARD, undefined, { authorization: `${scheme} ${token}` });
      expect(res.status, scheme).toBe(200);
      expect(res.errors, scheme).toBeUndefined();
      expect(res.data!.board.schools.length).toBeGreaterThan(0);
    }
  });

  it('refuses a token that lives longer than an hour, one issued in the future, and one without iat', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, string, RegExp][] = [
      ['two hours', await tokenFor(BOARD, '2h'), /lifetime exceeds 3600 s/],
      ['an hour and a minute, issued an hour ago', await tokenFor(BOARD, now + 60, now - 3600), /lifetime exceeds 3600 s/],
      ['issued in ten minutes', await tokenFor(BOARD, now + 1200, now + 600), /issued in the future/],
      ['without iat', await tokenFor(BOARD, '10m', null), /iat/],
    ];
    for (const [label, token, reason] of cases) {
      const res = await graphql(system.gatewayUrl, OWN_BOARD, undefined, { authorization: `Bearer ${token}` });
      expect(res.status, label).toBe(401);
      expect(res.errors?.[0]?.extensions?.['code'], label).toBe('UNAUTHENTICATED');
      expect(res.errors?.[0]?.message, label).toMatch(reason);
    }
    // an hour exactly is fine
    expect((await graphql(system.gatewayUrl, OWN_BOARD, undefined, { authorization: `Bearer ${await tokenFor(BOARD, '1h')}` })).status).toBe(200);
  });

  it('a subgraph refuses an identity header valid for longer than the minute the gateway gives', async () => {
    for (const name of ['organisations', 'mandates', 'agreements', 'support'] as const) {
      const url = system.subgraphs[name].url;
      const long = await graphql(url, '{ __typename }', undefined, { [IDENTITY_HEADER]: signIdentity(SUPPORT_IDENTITY, identitySecret, 3600) });
      expect(long.status, name).toBe(401);
      expect(long.errors?.[0]?.message, name).toBe('identity header valid for longer than 60 s');
      const minute = await graphql(url, '{ __typename }', undefined, { [IDENTITY_HEADER]: signIdentity(SUPPORT_IDENTITY, identitySecret, 60) });
      expect(minute.status, name).toBe(200);
    }
  });

  it("answers persisted-query mistakes with 400 and Apollo's BAD_REQUEST, not an internal error", async () => {
    const query = '{ services { code } }';
    const post = (body: unknown) => fetch(system.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const version = await post({ query, extensions: { persistedQuery: { version: 2, sha256Hash: createHash('sha256').update(query).digest('hex') } } });
    expect(version.status).toBe(400);
    expect(await version.json()).toEqual({ errors: [{ message: 'Unsupported persisted query version', extensions: { code: 'BAD_REQUEST' } }] });
    const mismatch = await post({ query, extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } });
    expect(mismatch.status).toBe(400);
    expect(await mismatch.json()).toEqual({ errors: [{ message: 'provided sha does not match query', extensions: { code: 'BAD_REQUEST' } }] });
  });

  it('refuses a lone surrogate in the variables of a GET request too (POST bodies: the bad-input corpus)', async () => {
    const url = new URL(system.gatewayUrl);
    url.searchParams.set('query', 'query ($v: ID!) { mandate(id: $v) { id } }');
    url.searchParams.set('variables', '{"v": "m-\\ud800"}');
    const res = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
    url.searchParams.set('variables', '{"v": "m-\\ud83d\\ude00"}');
    expect((await fetch(url, { headers: { 'apollo-require-preflight': 'true' } })).status).toBe(200);
  });

  it('serves /metrics on its own port only', async () => {
    expect(system.gateway.metricsServer).toBeTruthy();
    const metricsUrl = (await listen(system.gateway.metricsServer!, 0)).replace(/graphql$/, 'metrics');
    await graphql(system.gatewayUrl, 'query Catalogue { services { code } }');
    const onGraphQLPort = await fetch(system.gatewayUrl.replace(/graphql$/, 'metrics'));
    expect(onGraphQLPort.status).toBe(404);
    const own = await fetch(metricsUrl);
    expect(own.status).toBe(200);
    expect(await own.text()).toMatch(/osr_gateway_requests_total\{operation="Catalogue",outcome="ok"\} 1/);
    expect((await fetch(metricsUrl.replace(/metrics$/, 'graphql'))).status).toBe(404);
  });
});
