import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoData, SUPPLIER_A, SUPPLIER_B } from '../../../scripts/demo-data.js';
import { seedDemo } from '../../../scripts/seed-lib.js';
import { databaseUri, freshPrefix, graphql, identityHeaders, startSubgraph, type GraphQLResponse, type RunningSubgraph } from '../../../test/support/system.js';
import { analyst, boardUser, supplierUser, support } from './fixtures.js';

interface Page {
  supplierMandates: {
    edges: { cursor: string; node: { id: string; updatedAt: string; system: { supplier: { oin: string } } } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

const FEED = `query Feed($first: Int, $after: String, $changedSince: DateTime, $service: ServiceCode, $supplier: ID) {
  supplierMandates(first: $first, after: $after, changedSince: $changedSince, service: $service, supplier: $supplier) {
    edges { cursor node { id updatedAt system { supplier { oin } } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

describe('mandates subgraph queries', () => {
  const demo = buildDemoData();
  let subgraph: RunningSubgraph;
  beforeAll(async () => {
    const prefix = freshPrefix();
    await seedDemo(databaseUri(), prefix, demo);
    subgraph = await startSubgraph('mandates', prefix);
  });
  afterAll(() => subgraph?.stop());

  it('a supplier pages through exactly its own mandates, each once, in change order', async () => {
    const expected = demo.mandates.mandates
      .filter((m) => demo.mandates.systems.find((s) => s.id === m.systemId)!.supplierOin === SUPPLIER_A.oin)
      .map((m) => m.id)
      .sort();
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const res: GraphQLResponse<Page> = await graphql<Page>(subgraph.url, FEED, { first: 4, after }, identityHeaders(supplierUser(SUPPLIER_A.oin)));
      expect(res.errors).toBeUndefined();
      const page: Page['supplierMandates'] = res.data!.supplierMandates;
      pages++;
      for (const edge of page.edges) {
        expect(edge.node.system.supplier.oin).toBe(SUPPLIER_A.oin);
        seen.push(edge.node.id);
      }
      const times = page.edges.map((e) => e.node.updatedAt);
      expect([...times].sort()).toEqual(times);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(pages).toBe(Math.ceil(expected.length / 4));
    expect([...seen].sort()).toEqual(expected);
  });

  it('changedSince returns only what changed later (the 31EW switch of 2024)', async () => {
    const res = await graphql<Page>(subgraph.url, FEED, { changedSince: '2023-01-01T00:00:00Z' }, identityHeaders(supplierUser(SUPPLIER_A.oin)));
    expect(res.data!.supplierMandates.edges.map((e) => e.node.id)).toEqual(['m-31EW-OSO_OV-voorbeeld-las-2022-08-15']);
    const b = await graphql<Page>(subgraph.url, FEED, { changedSince: '2023-01-01T00:00:00Z' }, identityHeaders(supplierUser(SUPPLIER_B.oin)));
    expect(b.data!.supplierMandates.edges.map((e) => e.node.id)).toEqual(['m-31EW-OSO_OV-ldd-las-2024-08-01']);
  });

  it('a supplier cannot read another supplier\'s feed; boards cannot use it; support and analysts name the supplier', async () => {
    const other = await graphql<Page>(subgraph.url, FEED, { supplier: SUPPLIER_B.oin }, identityHeaders(supplierUser(SUPPLIER_A.oin)));
    expect(other.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    const board = await graphql<Page>(subgraph.url, FEED, {}, identityHeaders(boardUser('41234')));
    expect(board.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    const unnamed = await graphql<Page>(subgraph.url, FEED, {}, identityHeaders(support));
    expect(unnamed.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    const named = await graphql<Page>(subgraph.url, FEED, { supplier: SUPPLIER_B.oin, first: 500 }, identityHeaders(analyst));
    expect(named.data!.supplierMandates.edges.length).toBe(
      demo.mandates.mandates.filter((m) => m.systemId === 'ldd-las').length,
    );
  });

  it('rejects a forged cursor and a page size out of range', async () => {
    const headers = identityHeaders(supplierUser(SUPPLIER_A.oin));
    const forged = Buffer.from(JSON.stringify({ t: { $gt: 0 }, id: 'x' })).toString('base64url');
    const res = await graphql<Page>(subgraph.url, FEED, { after: forged }, headers);
    expect(res.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toContain('not a cursor returned by this API');
    const big = await graphql<Page>(subgraph.url, FEED, { first: 100000 }, headers);
    expect(big.errors?.[0]?.message).toBe('first 100000 is invalid: must be a whole number from 1 to 500');
  });

  it('answers who held the OSO OV mandate for 31EW on a date, with its history', async () => {
    const res = await graphql<{
      _entities: { mandates: { system: { id: string }; status: string; history: { action: string; by: string; before: { endDate: string | null } | null; after: { endDate: string | null; service: string } }[] }[] }[];
    }>(
      subgraph.url,
      `query { _entities(representations: [{ __typename: "School", brin: "31EW" }]) {
        ... on School { mandates(services: [OSO_OV], asOf: "2023-03-01") { system { id } status history { action by before { endDate } after { endDate service } } } }
      } }`,
      undefined,
      identityHeaders(support),
    );
    expect(res.errors).toBeUndefined();
    const [old, current] = res.data!._entities[0]!.mandates;
    expect([old!.system.id, old!.status, current!.system.id, current!.status]).toEqual(['voorbeeld-las', 'ACTIVE', 'ldd-las', 'PLANNED']);
    expect(old!.history).toEqual([{ action: 'CREATED', by: 'data load', before: null, after: { endDate: '2024-07-31', service: 'OSO_OV' } }]);
  });
});
