/**
 * Smaller holes of issue 17 (item 7), through the gateway and the subgraphs: no name
 * suggestions without introspection, tokens (scheme case, lifetime, issue time), identity
 * headers that live too long, Apollo's persisted-query refusals, /metrics on a port of its
 * own. Hostile request bodies (charset, lone surrogates, cursors, impossible DateTimes) are
 * in the bad-input corpus.
 */
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDENTITY_HEADER, listen, signIdentity } from '@osr/common';
import { createGateway, defaultSupergraphUrl, type GatewayServer } from '@osr/gateway';
import { buildDemoData } from '../../scripts/demo-data.js';
import { seedDemo } from '../../scripts/seed-lib.js';
import {
  SUPPORT_IDENTITY,
  bearer,
  databaseUri,
  freshPrefix,
  graphql,
  identitySecret,
  startSystem,
  tokenFor,
  tokenSettings,
  type RunningSystem,
  type TestClaims,
} from '../support/system.js';

const BOARD: TestClaims = { role: 'BOARD', board: '41234', rights: ['OSR_TOEGANG'] };
const OWN_BOARD = 'query { board(bevoegdGezagNummer: "41234") { schools { brin mandates { id } } } }';

describe('gateway hardening (issue 17.7)', () => {
  let system: RunningSystem;

  beforeAll(async () => {
    const prefix = freshPrefix();
    await seedDemo(databaseUri(), prefix, buildDemoData());
    // As in production: introspection off, /metrics on a port of its own.
    system = await startSystem(prefix, { introspection: false, separateMetrics: true, rateLimit: { perMinute: 0, burst: 0 }, metricsOperations: ['Catalogue'] });
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

describe('gateway hardening (issue 29.9): logs, metrics, messages, /ready, slow bodies, bytes, proxies', () => {
  let system: RunningSystem;
  let metricsUrl: string;
  const logLines: Record<string, unknown>[] = [];
  /** A second gateway over the same subgraphs, behind a "proxy" at 127.0.0.1, with a short body timeout and a small rate limit. */
  let proxied: GatewayServer;
  let proxiedUrl: string;

  beforeAll(async () => {
    const prefix = freshPrefix();
    await seedDemo(databaseUri(), prefix, buildDemoData());
    system = await startSystem(prefix, {
      introspection: false,
      separateMetrics: true,
      rateLimit: { perMinute: 0, burst: 0 },
      metricsOperations: ['Catalogue'],
      logger: pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) }),
    });
    metricsUrl = (await listen(system.gateway.metricsServer!, 0)).replace(/graphql$/, 'metrics');
    proxied = await createGateway({
      logger: pino({ level: 'silent' }),
      subgraphUrls: Object.fromEntries(Object.values(system.subgraphs).map((s) => [s.name, s.url])),
      identitySecret,
      tokens: await tokenSettings(),
      requestTimeoutMs: 1_000,
      trustedProxies: ['127.0.0.1'],
      rateLimit: { perMinute: 1, burst: 2 },
    });
    proxiedUrl = await listen(proxied.httpServer, 0);
  });
  afterAll(async () => {
    await proxied?.stop();
    await system?.stop();
  });

  it('logs an operation name of 900 kB cut to 100 characters, saying how long it was', async () => {
    const name = `Q${'x'.repeat(900_000)}`;
    const res = await fetch(system.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `query ${name} { services { code } }` }) });
    expect(res.status).toBe(200);
    const line = logLines.filter((l) => l['msg'] === 'graphql request').at(-1)!;
    expect(line['operationName']).toBe(`${name.slice(0, 100)}… (900001 characters)`);
    expect(JSON.stringify(line).length).toBeLessThan(1_000);
  });

  it('labels the request metrics with known operation names only; 250 names of its own count as "other"', async () => {
    await graphql(system.gatewayUrl, 'query Catalogue { services { code } }');
    for (let i = 0; i < 250; i++) await graphql(system.gatewayUrl, `query Probe${i} { __typename }`);
    const text = await (await fetch(metricsUrl)).text();
    expect(text).toMatch(/osr_gateway_requests_total\{operation="Catalogue",outcome="ok"\} 1/);
    expect(text).not.toMatch(/operation="Probe/);
    expect(Number(/osr_gateway_requests_total\{operation="other",outcome="ok"\} (\d+)/.exec(text)?.[1])).toBeGreaterThanOrEqual(250);
  });

  it('names no argument, input field or type the caller did not write in validation and variable messages', async () => {
    const support = await bearer({ role: 'SUPPORT' });
    const missing = await graphql(system.gatewayUrl, '{ board { name } }');
    expect(missing.status).toBe(400);
    expect(missing.errors?.[0]?.message).toBe('Field "board" is missing a required argument.');
    const literal = await graphql(system.gatewayUrl, 'mutation { grantMandate(input: { foo: 1 }) { mandates { id } } }', undefined, support);
    const variable = await graphql(system.gatewayUrl, 'mutation ($i: GrantMandateInput!) { grantMandate(input: $i) { mandates { id } } }', { i: {} }, support);
    const position = await graphql(system.gatewayUrl, 'query ($n: String) { suppliers(first: $n) { edges { cursor } } }', { n: '5' });
    expect(variable.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    const text = JSON.stringify([missing, literal, variable, position]);
    for (const hidden of ['bevoegdGezagNummer', 'ID!', 'GrantMandateInput.', 'by type "GrantMandateInput"', 'systemId', 'startDate', 'ServiceCode', 'expecting type "Int"']) {
      expect(text).not.toContain(hidden);
    }
    expect(literal.errors?.map((e) => e.message)).toContain('A required input field was not provided.');
  });

  it('/ready names the supergraph by its hash, not by where its file lies', async () => {
    const res = await fetch(system.gatewayUrl.replace(/graphql$/, 'ready'));
    const text = await res.text();
    expect(res.status).toBe(200);
    const ready = JSON.parse(text) as { supergraph: Record<string, unknown> };
    expect(ready.supergraph['sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(ready.supergraph['source']).toBeUndefined();
    expect(text).not.toContain(fileURLToPath(defaultSupergraphUrl));
    expect(text).not.toContain('supergraph.graphql');
  });

  it('answers a body sent too slowly with 408 and closes the connection, however it trickles', async () => {
    const { port } = new URL(proxiedUrl);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write('POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":"');
        // one byte at a time, never the whole body
        const trickle = setInterval(() => socket.write('x'), 50);
        let received = '';
        socket.on('data', (chunk) => (received += chunk.toString()));
        socket.on('close', () => {
          clearInterval(trickle);
          resolve(received);
        });
        socket.on('error', (err) => {
          clearInterval(trickle);
          reject(err);
        });
      });
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('refuses raw bytes that are no UTF-8 with 400 (not stored as U+FFFD)', async () => {
    const body = Buffer.concat([Buffer.from('{"query": "{ school(brin: \\"25B'), Buffer.from([0xff]), Buffer.from('\\") { name } }"}')]);
    const res = await fetch(system.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { message: string }[] }).errors[0]!.message).toBe('The request body is not valid UTF-8 text');
  });

  it('bounds the shape of GET variables and extensions as of a POST body', async () => {
    const url = new URL(system.gatewayUrl);
    url.searchParams.set('query', '{ services { code } }');
    url.searchParams.set('variables', JSON.stringify({ a: JSON.parse(`${'['.repeat(40)}${']'.repeat(40)}`) as unknown }));
    const res = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { extensions: Record<string, unknown> }[] }).errors[0]!.extensions).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'jsonDepth', max: 32 });
  });

  it('behind a trusted proxy, gives each forwarded client address a rate-limit bucket of its own', async () => {
    const from = (address: string) => fetch(proxiedUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': address }, body: '{"query":"{ __typename }"}' });
    expect((await from('203.0.113.5')).status).toBe(200);
    expect((await from('203.0.113.5')).status).toBe(200);
    expect((await from('203.0.113.5')).status).toBe(429);
    // another client behind the same proxy is not held up by the first
    expect((await from('203.0.113.6')).status).toBe(200);
    // a client that writes its own X-Forwarded-For gets the address the proxy appended
    expect((await from('198.51.100.1, 203.0.113.5')).status).toBe(429);
  });
});
