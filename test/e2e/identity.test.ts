import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDENTITY_HEADER, signIdentity } from '@osr/common';
import { buildDemoData } from '../../scripts/demo-data.js';
import { seedDemo } from '../../scripts/seed-lib.js';
import { SUPPORT_IDENTITY, bearer, databaseUri, freshPrefix, graphql, identitySecret, startSystem, tokenFor, type RunningSystem } from '../support/system.js';

const QUERY = '{ services { code } }';

describe('identity: the gateway verifies tokens, subgraphs only trust the gateway', () => {
  let system: RunningSystem;
  beforeAll(async () => {
    const prefix = freshPrefix();
    await seedDemo(databaseUri(), prefix, buildDemoData());
    system = await startSystem(prefix);
  });
  afterAll(() => system?.stop());

  it('answers a request without a token (public data)', async () => {
    const res = await graphql<{ services: unknown[] }>(system.gatewayUrl, QUERY);
    expect(res.status).toBe(200);
    expect(res.data!.services).toHaveLength(9);
  });

  it('answers a request with a valid token', async () => {
    const res = await graphql(system.gatewayUrl, QUERY, undefined, await bearer({ role: 'SUPPORT' }));
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
  });

  it('refuses an expired, forged or malformed token with 401 and a clear message', async () => {
    const expired = await tokenFor({ role: 'SUPPORT' }, Math.floor(Date.now() / 1000) - 60);
    const res1 = await graphql(system.gatewayUrl, QUERY, undefined, { authorization: `Bearer ${expired}` });
    expect(res1.status).toBe(401);
    expect(res1.errors?.[0]?.message).toBe('The token has expired');
    expect(res1.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');

    const valid = await tokenFor({ role: 'BOARD', board: '41234', rights: ['OSR_TOEGANG'] });
    const [head, payload, sig] = valid.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), role: 'SUPPORT' })).toString('base64url');
    const res2 = await graphql(system.gatewayUrl, QUERY, undefined, { authorization: `Bearer ${head}.${forgedPayload}.${sig}` });
    expect(res2.status).toBe(401);
    expect(res2.errors?.[0]?.message).toMatch(/invalid/);

    const res3 = await graphql(system.gatewayUrl, QUERY, undefined, { authorization: 'Basic dXNlcjpwYXNz' });
    expect(res3.status).toBe(401);
    expect(res3.errors?.[0]?.message).toContain('Bearer');
  });

  it('refuses a token whose claims do not fit its role', async () => {
    const res = await graphql(system.gatewayUrl, QUERY, undefined, await bearer({ role: 'BOARD', rights: ['OSR_TOEGANG'] }));
    expect(res.status).toBe(401);
    expect(res.errors?.[0]?.message).toBe('A BOARD token needs a board claim');
  });

  it('a subgraph reached directly refuses calls without, or with a forged, gateway signature', async () => {
    const url = system.subgraphs.mandates.url;
    const none = await graphql(url, QUERY);
    expect(none.status).toBe(401);
    expect(none.data).toBeUndefined();
    expect(none.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');

    const wrongSecret = signIdentity(SUPPORT_IDENTITY, 'x'.repeat(40));
    const forged = await graphql(url, QUERY, undefined, { [IDENTITY_HEADER]: wrongSecret });
    expect(forged.status).toBe(401);
    expect(forged.errors?.[0]?.message).toBe('identity signature does not verify');

    const expired = signIdentity(SUPPORT_IDENTITY, identitySecret, 60, Date.now() - 120_000);
    const old = await graphql(url, QUERY, undefined, { [IDENTITY_HEADER]: expired });
    expect(old.status).toBe(401);
    expect(old.errors?.[0]?.message).toBe('identity header expired');
  });
});
