import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoData, SUPPLIER_A } from '../../scripts/demo-data.js';
import { seedDemo } from '../../scripts/seed-lib.js';
import { sha256 } from '../../gateway/src/safelist.js';
import { bearer, databaseUri, freshPrefix, graphql, startSystem, type RunningSystem } from '../support/system.js';

const BOARD_OVERVIEW = readFileSync(new URL('../queries/board-overview.graphql', import.meta.url), 'utf8');
const SUPPLIER_FEED = 'query SupplierFeed { supplierMandates(first: 10) { edges { node { id } } } }';

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as { data?: unknown; errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[] } };
}

describe('the gateway: limits, persisted queries, safelist, observability, partial failure', () => {
  let system: RunningSystem;
  const prefix = freshPrefix();

  beforeAll(async () => {
    await seedDemo(databaseUri(), prefix, buildDemoData());
    system = await startSystem(prefix, {
      limits: { maxDepth: 8, maxAliases: 5, maxFields: 60, maxCost: 20_000, defaultListSize: 20 },
      safelist: { mode: 'suppliers', operations: [{ name: 'SupplierFeed', query: SUPPLIER_FEED, sha256: sha256(SUPPLIER_FEED) }] },
      subgraphTimeoutMs: 2_000,
      metricsOperations: ['Catalogue'],
    });
  });
  afterAll(() => system?.stop());

  it('accepts the headline query within the limits', async () => {
    const res = await graphql(system.gatewayUrl, BOARD_OVERVIEW, { nummer: '41234' }, await bearer({ role: 'SUPPORT' }));
    expect(res.errors).toBeUndefined();
  });

  it('refuses a query that is too deep, has too many aliases or fields, or costs too much, naming the limit', async () => {
    const deep = await post(system.gatewayUrl, { query: '{ board(bevoegdGezagNummer: "41234") { schools { board { schools { board { schools { board { schools { brin } } } } } } } } }' });
    expect(deep.status).toBe(400);
    expect(deep.body.errors?.[0]).toMatchObject({ message: 'Query depth 9 exceeds the limit of 8', extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit: 'depth' } });

    const aliases = Array.from({ length: 6 }, (_, i) => `a${i}: services { code }`).join(' ');
    const bomb = await post(system.gatewayUrl, { query: `{ ${aliases} }` });
    expect(bomb.status).toBe(400);
    expect(bomb.body.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'aliases', value: 6, max: 5 });

    const fields = Array.from({ length: 31 }, () => 'services { code name }').join(' ');
    const wide = await post(system.gatewayUrl, { query: `{ ${fields} }` });
    expect(wide.body.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'fields' });

    const huge = await post(
      system.gatewayUrl,
      { query: 'query ($n: Int) { supplierMandates(first: $n, supplier: "00000003272448340204") { edges { node { id school { brin name } } } } }', variables: { n: 1_000_000 } },
      await bearer({ role: 'SUPPORT' }),
    );
    expect(huge.status).toBe(400);
    expect(huge.body.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'cost' });
  });

  it('refuses a body over the size limit with 413', async () => {
    const res = await post(system.gatewayUrl, { query: `{ services { code } } # ${'x'.repeat(1_100_000)}` });
    expect(res.status).toBe(413);
  });

  it('supports automatic persisted queries: hash unknown, then registered, then by hash alone', async () => {
    const query = '{ services { code name } }';
    const ext = { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') } };
    const unknown = await post(system.gatewayUrl, { extensions: ext });
    expect(unknown.body.errors?.[0]?.extensions?.['code']).toBe('PERSISTED_QUERY_NOT_FOUND');
    const registered = await post(system.gatewayUrl, { query, extensions: ext });
    expect(registered.body.errors).toBeUndefined();
    const byHash = await post(system.gatewayUrl, { extensions: ext });
    expect(byHash.body).toEqual(registered.body);
  });

  it('in supplier safelist mode, a supplier runs only registered operations (also by hash), others are unaffected', async () => {
    const supplier = await bearer({ role: 'SUPPLIER', supplier: SUPPLIER_A.oin });
    const adhoc = await post(system.gatewayUrl, { query: '{ services { code } }' }, supplier);
    expect(adhoc.status).toBe(403);
    expect(adhoc.body.errors?.[0]?.extensions?.['code']).toBe('OPERATION_NOT_IN_SAFELIST');
    const listed = await post(system.gatewayUrl, { query: SUPPLIER_FEED }, supplier);
    expect(listed.body.errors).toBeUndefined();
    const byHash = await post(system.gatewayUrl, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(SUPPLIER_FEED) } } }, supplier);
    expect(byHash.body).toEqual(listed.body);
    const supportAdhoc = await post(system.gatewayUrl, { query: '{ services { code } }' }, await bearer({ role: 'SUPPORT' }));
    expect(supportAdhoc.body.errors).toBeUndefined();
  });

  it('returns a request id (the caller\'s own when it sends one) and counts requests in /metrics', async () => {
    const own = await post(system.gatewayUrl, { query: 'query Catalogue { services { code } }' }, { 'x-request-id': 'trace-123' });
    expect(own.headers.get('x-request-id')).toBe('trace-123');
    const generated = await post(system.gatewayUrl, { query: '{ services { code } }' });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const metrics = await (await fetch(system.gatewayUrl.replace(/graphql$/, 'metrics'))).text();
    expect(metrics).toMatch(/osr_gateway_requests_total\{operation="Catalogue",outcome="ok"\} 1/);
    expect(metrics).toMatch(/osr_gateway_refused_total\{reason="limits"\} [1-9]/);
    expect(metrics).toMatch(/osr_gateway_subgraph_fetch_duration_seconds_count\{subgraph="mandates",outcome="ok"\} [1-9]/);
  });

  it('counts requests refused for their body (its JSON shape, its size, no JSON at all) in osr_gateway_refused_total', async () => {
    const metricsUrl = system.gatewayUrl.replace(/graphql$/, 'metrics');
    const refused = async () => {
      const text = await (await fetch(metricsUrl)).text();
      const count = (reason: string) => Number(new RegExp(`osr_gateway_refused_total\\{reason="${reason}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
      return { limits: count('limits'), invalid: count('invalid') };
    };
    const send = (body: string) => fetch(system.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const before = await refused();
    expect((await send(`{"query":"{ services { code } }","variables":{"a":${'['.repeat(1_000)}${']'.repeat(1_000)}}}`)).status).toBe(400);
    expect((await send(`{"query":"{ services { code } }","variables":{${Array.from({ length: 2_000 }, (_, i) => `"k${i}":0`).join(',')}}}`)).status).toBe(400);
    expect((await send(`{"query":"# ${'x'.repeat(1024 * 1024)}"}`)).status).toBe(413);
    expect((await send('{"query": ')).status).toBe(400);
    const after = await refused();
    expect(after.limits - before.limits).toBe(3);
    expect(after.invalid - before.invalid).toBe(1);
  });

  it('with the mandates subgraph down, the headline query returns organisations with errors on the mandate paths, and recovers without a restart', async () => {
    await system.subgraphs.mandates.kill();
    try {
      const down = await graphql<{ board: { schools: { brin: string; aanleverpunten: unknown; mandates: unknown }[] } }>(system.gatewayUrl, BOARD_OVERVIEW, { nummer: '41234' }, await bearer({ role: 'SUPPORT' }));
      expect(down.status).toBe(200);
      expect(down.data!.board.schools.map((s) => s.brin)).toHaveLength(14);
      expect(down.errors?.length).toBeGreaterThan(0);
      expect(down.errors?.[0]?.message).toContain("mandates");
      expect(down.errors?.[0]?.path?.slice(0, 2)).toEqual(['board', 'schools']);
      const ready = await fetch(system.gatewayUrl.replace(/graphql$/, 'ready'));
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { subgraphs: Record<string, string> }).subgraphs['mandates']).toBe('unreachable');
    } finally {
      await system.subgraphs.mandates.restart();
    }
    const back = await graphql(system.gatewayUrl, BOARD_OVERVIEW, { nummer: '41234' }, await bearer({ role: 'SUPPORT' }));
    expect(back.errors).toBeUndefined();
  });
});

describe('the gateway rate limit', () => {
  let system: RunningSystem;
  beforeAll(async () => {
    const prefix = freshPrefix();
    await seedDemo(databaseUri(), prefix, buildDemoData());
    // One request per minute after a burst of 3: slow machines cannot refill a bucket mid-test.
    system = await startSystem(prefix, { rateLimit: { perMinute: 1, burst: 3 }, introspection: false });
  });
  afterAll(() => system?.stop());

  it('answers 429 with Retry-After once a caller used its burst, per caller', async () => {
    const alice = await bearer({ role: 'ANALYST', sub: 'alice' });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(system.gatewayUrl, { query: '{ services { code } }' }, alice)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await post(system.gatewayUrl, { query: '{ services { code } }' }, alice);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.body.errors?.[0]?.extensions?.['code']).toBe('RATE_LIMITED');
    // Another caller has a bucket of its own.
    expect((await post(system.gatewayUrl, { query: '{ services { code } }' }, await bearer({ role: 'ANALYST', sub: 'bob' }))).status).toBe(200);
  });

  it('refuses introspection when it is turned off', async () => {
    const res = await post(system.gatewayUrl, { query: '{ __schema { types { name } } }' }, await bearer({ role: 'ANALYST', sub: 'carol' }));
    expect(res.body.errors?.[0]?.message).toMatch(/introspection/i);
  });
});
