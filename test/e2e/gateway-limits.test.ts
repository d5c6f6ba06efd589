/**
 * The gateway's limits against hostile shapes (issue 17 items 2, 3, 4) and the cost of
 * branches under type conditions (issue 19 item 1), through the real gateway. CPU-time
 * figures are measured by scripts/bench-limits.ts, not here: these tests state what is
 * refused and how much work the check counted before it stopped.
 */
import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { getIntrospectionQuery, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoData } from '../../scripts/demo-data.js';
import { seedDemo } from '../../scripts/seed-lib.js';
import { createGateway, type GatewayServer } from '@osr/gateway';
import { listen } from '@osr/common';
import { databaseUri, freshPrefix, graphql, identitySecret, logger, startSystem, type RunningSystem } from '../support/system.js';

type Answer = Awaited<ReturnType<typeof graphql>>;
const limitOf = (res: Answer) => res.errors?.[0]?.extensions as { code: string; limit: string; value: number; max: number } | undefined;

describe('gateway limits against hostile shapes (issue 17.2, 17.3, 17.4)', () => {
  let system: RunningSystem;

  beforeAll(async () => {
    const prefix = freshPrefix();
    await seedDemo(databaseUri(), prefix, buildDemoData());
    system = await startSystem(prefix, { rateLimit: { perMinute: 0, burst: 0 } });
  });
  afterAll(() => system?.stop());

  it('refuses 700 declared variables before validation, and reports at most 10 validation errors of a document with 40 mistakes', async () => {
    const declared = await graphql(system.gatewayUrl, `query (${Array.from({ length: 700 }, (_, i) => `$v${i}: Int`).join(' ')}) { services { code } }`);
    expect(declared.status).toBe(400);
    expect(limitOf(declared)).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'variables', value: 700, max: 50 });
    const mistakes = await graphql(system.gatewayUrl, `query (${Array.from({ length: 40 }, (_, i) => `$v${i}: Int`).join(' ')}) { services { code } }`);
    expect(mistakes.status).toBe(400);
    expect(mistakes.errors!.map((e) => e.message)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `Variable "$v${i}" is never used.`),
      'Too many validation errors, error limit reached. Validation aborted.',
    ]);
  });

  it('refuses the fragment doubling attack as soon as the field count passes the limit, not after counting 16 million', async () => {
    // 23 fragments, each spreading the next twice: 2^22 copies of one field, 1.3 kB, no token.
    const fragments = Array.from({ length: 23 }, (_, i) => `fragment F${i} on Service { ${i === 22 ? 'code' : `...F${i + 1} ...F${i + 1}`} }`);
    const res = await graphql(system.gatewayUrl, ['{ services { ...F0 } }', ...fragments].join('\n'));
    expect(res.status).toBe(400);
    expect(limitOf(res)).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'fields', max: 400 });
    // The count where the walk stopped: the first spread that passed 400 (the old check
    // expanded every fragment and reported 4,194,305).
    expect(limitOf(res)!.value).toBeLessThanOrEqual(2 * 400 + 1);
  });

  it('refuses a document nested 5,000 levels deep or longer than the token limit while parsing it', async () => {
    let nested = 'brin';
    for (let i = 0; i < 5_000; i++) nested = `board { schools { ${nested} } }`;
    const deep = await graphql(system.gatewayUrl, `{ school(brin: "25BE") { ${nested} } }`);
    expect(deep.status).toBe(400);
    expect(deep.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_PARSE_FAILED');

    // 20,000 aliases of __typename (the 369 kB request of the issue): 60,000 tokens
    const aliases = `{ services { ${Array.from({ length: 20_000 }, (_, i) => `a${i}: __typename`).join(' ')} } }`;
    const long = await graphql(system.gatewayUrl, aliases);
    expect(long.status).toBe(400);
    expect(long.errors?.[0]).toMatchObject({ message: expect.stringContaining('3000 tokens'), extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
  });

  it('bounds its own work apart from the token limit: past 5,000 visited selections a document is refused', async () => {
    const roomy = await createGateway({
      logger,
      identitySecret,
      subgraphUrls: Object.fromEntries(Object.values(system.subgraphs).map((s) => [s.name, s.url])),
      tokens: { issuer: 'x', audience: 'y', algorithms: ['ES256'] },
      maxTokens: 100_000,
      explorer: false,
    });
    try {
      const url = await listen(roomy.httpServer, 0);
      const ops = Array.from({ length: 20 }, (_, o) => `query Q${o} { ${Array.from({ length: 300 }, () => '__typename').join(' ')} }`).join('\n');
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: ops, operationName: 'Q0' }) });
      const body = (await res.json()) as { errors: { extensions: Record<string, unknown> }[] };
      expect(res.status).toBe(400);
      expect(body.errors[0]!.extensions).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'visits', value: 5_001, max: 5_000 });
    } finally {
      await roomy.stop();
    }
  });

  it('counts __typename toward the alias and field limits', async () => {
    const aliased = await graphql(system.gatewayUrl, `{ services { ${Array.from({ length: 500 }, (_, i) => `a${i}: __typename`).join(' ')} } }`);
    expect(aliased.status).toBe(400);
    expect(limitOf(aliased)).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'aliases', value: 31, max: 30 });
    const wide = await graphql(system.gatewayUrl, `{ ${Array.from({ length: 401 }, () => '__typename').join(' ')} }`);
    expect(wide.status).toBe(400);
    expect(limitOf(wide)).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'fields', value: 401 });
  });

  it('prices introspection: aliases of __schema stop at the cost limit; the standard introspection query passes', async () => {
    const amplified = await graphql(system.gatewayUrl, `{ ${Array.from({ length: 200 }, (_, i) => `s${i}: __schema { types { name fields { name } } }`).join(' ')} }`);
    expect(amplified.status).toBe(400);
    expect(limitOf(amplified)).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'cost', value: 60_000, max: 50_000 });
    const standard = await graphql<{ __schema: { types: unknown[] } }>(system.gatewayUrl, getIntrospectionQuery());
    expect(standard.errors).toBeUndefined();
    expect(standard.data!.__schema.types.length).toBeGreaterThan(50);
  });

  it("refuses a variable's default value as the literal it stands for, and prices an omitted first at the default page (issue 29.4)", async () => {
    const page = 'edges { node { oin name systems { name services { code } } } }';
    const literal = await graphql(system.gatewayUrl, `{ suppliers(first: 500) { ${page} } }`);
    const byDefault = await graphql(system.gatewayUrl, `query ($n: Int = 500) { suppliers(first: $n) { ${page} } }`);
    expect(literal.status).toBe(400);
    expect(limitOf(literal)).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'cost' });
    expect(byDefault.status).toBe(400);
    expect(limitOf(byDefault)).toEqual(limitOf(literal));
    // 50 suppliers (the page the API answers without first) of 448 each: 22,401, under the limit;
    // five such lists in one query are 112,005, over it (at 20 they were 44,805)
    const five = `{ ${Array.from({ length: 5 }, (_, i) => `s${i}: suppliers { ${page} }`).join(' ')} }`;
    expect(limitOf(await graphql(system.gatewayUrl, five))).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'cost' });
    const one = await graphql<{ suppliers: { edges: unknown[] } }>(system.gatewayUrl, `{ suppliers { ${page} } }`);
    expect(one.errors).toBeUndefined();
  });

  it('after all of it, answers a plain query', async () => {
    const res = await graphql<{ services: unknown[] }>(system.gatewayUrl, '{ services { code } }');
    expect(res.errors).toBeUndefined();
    expect(res.data!.services.length).toBeGreaterThan(0);
  });
});

describe('the cost of branches under type conditions (issue 19.1), through the gateway', () => {
  // A subgraph of its own with an interface list (this graph has none): every account has
  // one similar account of the other kind.
  const sdl = `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
    interface Account { id: ID! similarAccounts: [Account!]! }
    type User implements Account @key(fields: "id") { id: ID! name: String! similarAccounts: [Account!]! }
    type Admin implements Account @key(fields: "id") { id: ID! level: Int! similarAccounts: [Account!]! }
    type Query { accounts: [Account!]! }
  `;
  const user = { __typename: 'User', id: 'u1', name: 'Ada' };
  const admin = { __typename: 'Admin', id: 'a1', level: 2 };
  const resolvers = {
    Query: { accounts: () => [user, admin] },
    Account: { __resolveType: (a: { __typename: string }) => a.__typename },
    User: { similarAccounts: () => [admin] },
    Admin: { similarAccounts: () => [user] },
  };
  let subgraph: ApolloServer;
  let gateway: GatewayServer;
  let gatewayUrl: string;

  async function startGateway(maxCost: number) {
    await gateway?.stop();
    gateway = await createGateway({ logger, supergraphSdl, identitySecret, tokens: { issuer: 'x', audience: 'y', algorithms: ['ES256'] }, limits: { maxCost }, explorer: false });
    gatewayUrl = await listen(gateway.httpServer, 0);
  }
  let supergraphSdl: string;

  beforeAll(async () => {
    subgraph = new ApolloServer({ schema: buildSubgraphSchema({ typeDefs: parse(sdl), resolvers: resolvers as never }) });
    const { url } = await startStandaloneServer(subgraph, { listen: { port: 0, host: '127.0.0.1' } });
    const composed = composeServices([{ name: 'accounts', url, typeDefs: parse(sdl) }]);
    if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
    supergraphSdl = composed.supergraphSdl;
  });
  afterAll(async () => {
    await gateway?.stop();
    await subgraph?.stop();
  });

  // The query of the issue: three levels, both branches at every level, lists without `first`.
  // Adding the branches up gave 67,281 (over the 50,000 limit); one branch per level: 8,841.
  const level3 = '... on User { id } ... on Admin { id }';
  const level2 = `... on User { id similarAccounts { ${level3} } } ... on Admin { id similarAccounts { ${level3} } }`;
  const query = `{ accounts { ... on User { id similarAccounts { ${level2} } } ... on Admin { id similarAccounts { ${level2} } } } }`;

  it('answers the query of the issue under the default limit, at a cost of 8,841', async () => {
    await startGateway(50_000);
    const res = await graphql<{ accounts: { id: string; similarAccounts: { id: string }[] }[] }>(gatewayUrl, query);
    expect(res.errors).toBeUndefined();
    expect(res.data!.accounts.map((a) => [a.id, a.similarAccounts.map((s) => s.id)])).toEqual([
      ['u1', ['a1']],
      ['a1', ['u1']],
    ]);
    await startGateway(8_840);
    const refused = await graphql(gatewayUrl, query);
    expect(limitOf(refused)).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'cost', max: 8_840 });
    await startGateway(8_841);
    expect((await graphql(gatewayUrl, query)).errors).toBeUndefined();
  });
});
