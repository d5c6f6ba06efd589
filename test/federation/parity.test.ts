/**
 * No plugin of ours changes a federated result (issue 19.3). Our gateway, with the settings
 * production runs (deploy/k8s/config.yaml: introspection and explorer off, default limits,
 * rate limits, subgraph timeout) and the supergraph given as a file (SUPERGRAPH_FILE), and a
 * plain ApolloGateway + ApolloServer answer the same queries over the same supergraph of
 * small subgraphs of our own (./library.ts). For each query: equal data and equal presence
 * of errors (and the same error paths). Where ours differs by design, the test says how and
 * why.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { listen } from '@osr/common';
import { createGateway, type GatewayOptions, type GatewayServer } from '@osr/gateway';
import { gatewayEnvSchema } from '../../gateway/src/config.js';
import { identitySecret, logger, tokenFor, tokenSettings } from '../support/system.js';
import { MEDIA, PEOPLE, REVIEWS, SDL, STOCK, composeLibrary, shippingCost, startLibrary, type RunningLibrary } from './library.js';

interface Answer {
  status: number;
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

/** The gateway settings production runs with: the k8s ConfigMap, parsed as the gateway does. */
async function productionOptions(): Promise<Omit<GatewayOptions, 'logger'>> {
  const docs = parseAllDocuments(readFileSync(new URL('../../deploy/k8s/config.yaml', import.meta.url), 'utf8')).map((d) => d.toJS() as { metadata: { name: string }; data: Record<string, string> });
  const data = docs.find((d) => d.metadata.name === 'osr-gateway-config')!.data;
  const env = gatewayEnvSchema.parse({ ...data, OSR_IDENTITY_SECRET: identitySecret, NODE_ENV: 'production' });
  return {
    identitySecret,
    tokens: await tokenSettings(),
    introspection: env.INTROSPECTION,
    explorer: env.EXPLORER,
    limits: { maxDepth: env.MAX_DEPTH, maxAliases: env.MAX_ALIASES, maxFields: env.MAX_FIELDS, maxCost: env.MAX_COST, defaultListSize: env.DEFAULT_LIST_SIZE },
    rateLimit: { perMinute: env.RATE_LIMIT_PER_MINUTE, burst: env.RATE_LIMIT_BURST },
    subgraphTimeoutMs: env.SUBGRAPH_TIMEOUT_MS,
    maxBodyBytes: env.MAX_BODY_BYTES,
  };
}

describe('federation parity: our gateway answers as a plain ApolloGateway does', () => {
  let library: RunningLibrary;
  let ours: GatewayServer;
  let oursUrl: string;
  let plain: ApolloServer;
  let plainUrl: string;
  let dir: string;
  let authorization: string;
  let peopleDelayMs = 0;

  beforeAll(async () => {
    library = await startLibrary({
      people: {
        Query: {
          people: async () => {
            if (peopleDelayMs) await new Promise((r) => setTimeout(r, peopleDelayMs));
            return PEOPLE;
          },
        },
      },
    });
    dir = mkdtempSync(join(tmpdir(), 'osr-parity-'));
    const file = join(dir, 'supergraph.graphql');
    writeFileSync(file, library.supergraphSdl);
    const options = await productionOptions();
    expect(options, 'production settings: no introspection, default limits').toMatchObject({ introspection: false, limits: { maxDepth: 12, maxCost: 50_000 } });
    ours = await createGateway({ logger, ...options, supergraphFile: file });
    oursUrl = await listen(ours.httpServer, 0);
    plain = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: library.supergraphSdl }) });
    plainUrl = (await startStandaloneServer(plain, { listen: { port: 0, host: '127.0.0.1' } })).url;
    authorization = `Bearer ${await tokenFor({ role: 'ANALYST' })}`;
  });
  afterAll(async () => {
    await ours?.stop();
    await plain?.stop();
    await library?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function ask(url: string, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Answer> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, ...((await res.json()) as Omit<Answer, 'status'>) };
  }

  /** Both answers to one query. */
  async function both(query: string, variables?: Record<string, unknown>, at = { ours: oursUrl, plain: plainUrl }) {
    const [o, p] = await Promise.all([ask(at.ours, query, variables, { authorization }), ask(at.plain, query, variables)]);
    return { ours: o, plain: p };
  }

  const paths = (a: Answer) => (a.errors ?? []).map((e) => JSON.stringify(e.path ?? null)).sort();

  /** Equal data, equal presence of errors, at the same paths; returns our answer. */
  async function expectSame(query: string, variables?: Record<string, unknown>, at?: { ours: string; plain: string }): Promise<{ ours: Answer; plain: Answer }> {
    const answers = await both(query, variables, at);
    expect(answers.ours.data, 'the same data').toEqual(answers.plain.data);
    expect(Boolean(answers.ours.errors?.length), 'errors in both or in neither').toBe(Boolean(answers.plain.errors?.length));
    expect(paths(answers.ours), 'errors at the same paths').toEqual(paths(answers.plain));
    return answers;
  }

  const book = (id: string) => MEDIA.find((m) => m.id === id)!;
  const person = (id: string) => PEOPLE.find((p) => p.id === id)!;

  it('an interface across subgraphs: Media and its types from catalog, reviews through the @interfaceObject in reviews', async () => {
    const { ours } = await expectSame('{ media { __typename id title ... on Book { isbn pages } ... on Film { minutes } reviews { stars } } }');
    expect(ours.errors).toBeUndefined();
    const media = ours.data!['media'] as { __typename: string; id: string; reviews: { stars: number }[] }[];
    expect(media.map((m) => `${m.__typename}:${m.id}`)).toEqual(['Book:b1', 'Book:b2', 'Book:b3', 'Film:f1', 'Film:f2']);
    expect(media.map((m) => m.reviews.map((r) => r.stars))).toEqual(MEDIA.map((m) => REVIEWS.filter((r) => r.media === m.id).map((r) => r.stars)));
  });

  it('a union across subgraphs: Book and Film from catalog, Person members completed by people', async () => {
    const { ours } = await expectSame('{ search(term: "Havelaar") { __typename ... on Book { title author { name } } ... on Film { title minutes } ... on Person { id name } } }');
    expect(ours.errors).toBeUndefined();
    expect(ours.data).toEqual({
      search: [
        { __typename: 'Book', title: 'Max Havelaar', author: { name: 'Multatuli' } },
        { __typename: 'Film', title: 'Max Havelaar, the film', minutes: 170 },
        { __typename: 'Person', id: 'p2', name: 'Multatuli' },
      ],
    });
  });

  it('@requires: inventory computes shipping from the weight catalog owns', async () => {
    const { ours } = await expectSame('{ books { isbn shippingCost } }');
    expect(ours.errors).toBeUndefined();
    expect(ours.data!['books']).toEqual(['b1', 'b2', 'b3'].map((id) => ({ isbn: book(id).isbn, shippingCost: shippingCost(book(id).weightGrams!) })));
  });

  it('@provides: review authors\' names come from reviews, other Person fields from people', async () => {
    const { ours } = await expectSame('{ latestReviews { id stars author { id name } } }');
    expect(ours.errors).toBeUndefined();
    expect((ours.data!['latestReviews'] as { author: { name: string } }[]).map((r) => r.author.name)).toEqual(REVIEWS.map((r) => person(r.author).name));
    const more = await expectSame('{ latestReviews { author { name email } } }');
    // p2's address is refused by people (FORBIDDEN): the same partial answer from both.
    expect(more.ours.errors?.map((e) => e.extensions?.['code'])).toEqual(['FORBIDDEN']);
    expect(more.ours.errors?.[0]?.message).toBe(more.plain.errors?.[0]?.message);
  });

  it('@shareable: a title from inventory alone, or from catalog, is the same title', async () => {
    const { ours } = await expectSame('{ restock { isbn title } books { isbn title } }');
    expect(ours.errors).toBeUndefined();
    const byIsbn = Object.fromEntries(MEDIA.filter((m) => m.isbn).map((m) => [m.isbn, m.title]));
    for (const b of ours.data!['restock'] as { isbn: string; title: string }[]) expect(b.title).toBe(byIsbn[b.isbn]);
  });

  it('@interfaceObject: from a Review to the concrete Media type (asked of catalog) and back to reviews for the rating', async () => {
    const { ours } = await expectSame('{ latestReviews { id media { __typename id title ... on Book { isbn } ... on Film { minutes } } } }');
    expect(ours.errors).toBeUndefined();
    expect((ours.data!['latestReviews'] as { media: { __typename: string } }[]).map((r) => r.media.__typename)).toEqual(['Book', 'Film', 'Book', 'Book', 'Film']);
  });

  it('@override: stock is asked of inventory, never of catalog (which would answer -1)', async () => {
    const { ours } = await expectSame('{ books { isbn stock } book(isbn: "9789046800000") { stock } }');
    expect(ours.errors).toBeUndefined();
    expect((ours.data!['books'] as { isbn: string; stock: number }[]).map((b) => b.stock)).toEqual(['b1', 'b2', 'b3'].map((id) => STOCK[book(id).isbn!]));
  });

  it('nested entity fetches: people → their books (catalog) → stock and shipping (inventory) → reviews → reviewers (people)', async () => {
    const { ours } = await expectSame(
      '{ people { name favouriteBooks { title stock shippingCost author { name } reviews { stars author { id name } } } } }',
    );
    expect(ours.errors).toBeUndefined();
    const ada = (ours.data!['people'] as { name: string; favouriteBooks: { title: string; author: { name: string } }[] }[])[0]!;
    expect(ada.favouriteBooks.map((b) => `${b.title} by ${b.author.name}`)).toEqual(['Max Havelaar by Multatuli', 'Notes on the Analytical Engine by Ada Lovelace']);
  });

  it('lists of entities from every subgraph, with variables, fragments, aliases and @include', async () => {
    const query = `query Shelf($isbn: ID!, $withStock: Boolean!) {
      first: book(isbn: $isbn) { ...Parts stock @include(if: $withStock) }
      all: books { ...Parts }
      low: restock { isbn stock }
      everyone: people { id }
    }
    fragment Parts on Book { title author { name } reviews { stars author { id } } }`;
    for (const withStock of [true, false]) {
      const { ours } = await expectSame(query, { isbn: '9780000000002', withStock });
      expect(ours.errors).toBeUndefined();
      expect('stock' in (ours.data!['first'] as object)).toBe(withStock);
    }
  });

  it('a nullable field that fails (people refuses one address): null there, the error passed on as the subgraph gave it', async () => {
    const { ours, plain } = await expectSame('{ people { id email } }');
    expect((ours.data!['people'] as { email: string | null }[]).map((p) => p.email)).toEqual(['ada@example.org', null, null]);
    expect(ours.errors).toEqual([expect.objectContaining({ message: 'This address is not shown', path: ['people', 1, 'email'] })]);
    expect(ours.errors![0]!.message).toBe(plain.errors![0]!.message);
  });

  it('a nullable field that fails unexpectedly (a rating): same data and paths; ours masks the message by design', async () => {
    const { ours, plain } = await expectSame('{ media { id rating } }');
    expect((ours.data!['media'] as { id: string; rating: number | null }[]).find((m) => m.id === 'f2')!.rating).toBeNull();
    // Difference by design: an error without a known code reaches our clients as
    // "Internal server error" (the subgraph's text may carry internals); plain passes it on.
    expect(plain.errors![0]!.message).toBe('rating computation failed');
    expect(ours.errors![0]).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });

  it('a non-null field that fails nulls its nearest nullable parent (one book of the list), in both', async () => {
    const { ours } = await expectSame('{ books { isbn summary } }');
    expect((ours.data!['books'] as unknown[])[2]).toBeNull();
    expect(ours.errors).toHaveLength(1);
  });

  it('an entity fetch that fails in one subgraph (reviews cannot load p3): the same partial answer, the message masked by ours', async () => {
    const one = await expectSame('{ person(id: "p3") { name reviews { stars } } }');
    expect(one.ours.data).toEqual({ person: null });
    expect(one.plain.errors?.[0]?.message).toBe('the reviews of p3 cannot be loaded');
    expect(one.ours.errors?.[0]?.message).toBe('Internal server error');
    // In a non-null list the null reaches the root: data null in both.
    const all = await expectSame('{ people { name reviews { stars } } }');
    expect(all.ours.data).toBeNull();
    // p1 and p2 alone: complete.
    const fine = await expectSame('{ a: person(id: "p1") { reviews { stars } } b: person(id: "p2") { reviews { stars } } }');
    expect(fine.ours).toMatchObject({ data: { a: { reviews: [{ stars: 5 }, { stars: 4 }] }, b: { reviews: [{ stars: 4 }] } } });
  });

  it('a missing entity is null without an error', async () => {
    const { ours } = await expectSame('{ book(isbn: "0000000000") { title } }');
    expect(ours).toMatchObject({ data: { book: null } });
    expect(ours.errors).toBeUndefined();
  });

  // Failed before the fix of gateway/src/input-check.ts: ours refused both with 400 (it took
  // any scalar named DateTime for the OSR's, which needs a zone).
  it('a scalar of the supergraph\'s own (DateTime without a zone) is passed to its subgraph as it is', async () => {
    const { ours } = await expectSame('query ($m: DateTime!) { publishedBefore(moment: $m) { id published } }', { m: '1900-01-01T00:00:00' });
    expect(ours.errors).toBeUndefined();
    expect(ours.data).toEqual({ publishedBefore: [{ id: 'b1', published: '1860-05-14T00:00:00' }, { id: 'b2', published: '1843-09-01T00:00:00' }] });
    await expectSame('{ publishedBefore(moment: "1900-01-01T00:00") { id } }');
  });

  it('identical queries at the same moment (ours shares identical subgraph fetches in flight): every answer is the full answer', async () => {
    const query = '{ people { name favouriteBooks { title stock reviews { stars author { name } } } } }';
    const expected = (await both(query)).plain;
    expect(expected.errors).toBeUndefined();
    // people answers its root field slowly (1 s), so the eight requests meet at the same fetch
    // (all eight on a quiet machine; on a busy one a late request may start a second fetch).
    let peopleRequests = 0;
    const count = () => peopleRequests++;
    library.subgraphs.people.httpServer.on('request', count);
    peopleDelayMs = 1_000;
    const answers = await Promise.all(Array.from({ length: 8 }, () => ask(oursUrl, query, undefined, { authorization })));
    peopleDelayMs = 0;
    library.subgraphs.people.httpServer.off('request', count);
    expect(peopleRequests, 'fewer fetches of people than requests (the sharing happened)').toBeLessThan(8);
    for (const answer of answers) expect(answer).toEqual({ status: 200, data: expected.data });
  });

  it('identical mutations at the same moment are each carried out (never shared), through ours as through plain', async () => {
    const mutation = 'mutation { reserve(isbn: "9789046800000") { number book { title stock } } }';
    for (const [url, headers] of [[oursUrl, { authorization }], [plainUrl, {}]] as const) {
      const answers = await Promise.all(Array.from({ length: 5 }, () => ask(url, mutation, undefined, headers)));
      for (const a of answers) expect(a.errors).toBeUndefined();
      const reserved = answers.map((a) => a.data!['reserve'] as { number: number; book: { title: string; stock: number } });
      expect(new Set(reserved.map((r) => r.number)).size, 'five reservations, five numbers').toBe(5);
      for (const r of reserved) expect(r.book).toEqual({ title: 'Max Havelaar', stock: 3 });
    }
  });

  it('an automatic persisted query (hash, then hash and query, then hash): the same data as the query itself', async () => {
    const query = '{ books { isbn title stock } }';
    const hash = createHash('sha256').update(query).digest('hex');
    const extensions = { persistedQuery: { version: 1, sha256Hash: hash } };
    const post = async (url: string, body: object) =>
      (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify(body) })).json() as Promise<Answer>;
    for (const url of [oursUrl, plainUrl]) {
      expect((await post(url, { extensions })).errors?.[0]?.extensions?.['code']).toBe('PERSISTED_QUERY_NOT_FOUND');
      await post(url, { query, extensions });
    }
    const [o, p] = await Promise.all([post(oursUrl, { extensions }), post(plainUrl, { extensions })]);
    expect(o.errors).toBeUndefined();
    expect(o.data).toEqual(p.data);
    expect(o.data).toEqual((await both(query)).plain.data);
  });

  it('a document with several operations: the one named is run by both; an unknown field is refused by both', async () => {
    const document = 'query A { books { isbn } } query B { people { id } }';
    const [o, p] = await Promise.all([
      fetch(oursUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify({ query: document, operationName: 'B' }) }).then((r) => r.json() as Promise<Answer>),
      fetch(plainUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: document, operationName: 'B' }) }).then((r) => r.json() as Promise<Answer>),
    ]);
    expect(o).toEqual(p);
    expect(o.data).toEqual({ people: [{ id: 'p1' }, { id: 'p2' }, { id: 'p3' }] });
    const { ours, plain } = await both('{ books { isbn colour } }');
    expect(ours.data ?? null).toBeNull();
    expect(plain.data ?? null).toBeNull();
    expect(ours.errors?.[0]?.message).toBe(plain.errors?.[0]?.message);
  });

  describe('a supergraph ahead of its subgraph (composed with a catalog field the running catalog does not have yet)', () => {
    let at: { ours: string; plain: string };
    let aheadOurs: GatewayServer;
    let aheadPlain: ApolloServer;
    beforeAll(async () => {
      const catalogV2 = SDL.catalog.replace('      published: DateTime\n', '      published: DateTime\n      language: String\n');
      const ahead = composeLibrary(library.urls, { ...SDL, catalog: catalogV2 });
      const file = join(dir, 'ahead.graphql');
      writeFileSync(file, ahead);
      aheadOurs = await createGateway({ logger, ...(await productionOptions()), supergraphFile: file });
      aheadPlain = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: ahead }) });
      at = { ours: await listen(aheadOurs.httpServer, 0), plain: (await startStandaloneServer(aheadPlain, { listen: { port: 0, host: '127.0.0.1' } })).url };
    });
    afterAll(async () => {
      await aheadOurs?.stop();
      await aheadPlain?.stop();
    });

    it('the fields the subgraph has are answered alike; the new field fails alike (catalog refuses the fetch)', async () => {
      const fine = await expectSame('{ books { isbn } restock { title } }', undefined, at);
      expect(fine.ours.errors).toBeUndefined();
      const root = await expectSame('{ books { isbn language } }', undefined, at);
      expect(root.ours.errors?.length).toBeGreaterThan(0);
      expect(root.ours.data ?? null).toBeNull();
      // Through an entity fetch: the people part stays, the books' new field is null.
      const nested = await expectSame('{ people { name favouriteBooks { language } } }', undefined, at);
      expect(nested.ours.errors?.length).toBeGreaterThan(0);
    });
  });

  describe('differences by design', () => {
    it('introspection is off in production (deploy/k8s/config.yaml): ours refuses __schema, plain answers', async () => {
      const { ours, plain } = await both('{ __schema { queryType { name } } }');
      expect(plain.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
      expect(ours.data ?? null).toBeNull();
      expect(ours.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    });

    it('the depth limit (12): a query 13 deep is refused by ours before any subgraph is asked, answered by plain', async () => {
      const deep = '{ people { favouriteBooks { author { favouriteBooks { author { favouriteBooks { author { favouriteBooks { author { favouriteBooks { author { favouriteBooks { title } } } } } } } } } } } } }';
      const { ours, plain } = await both(deep);
      expect(plain.errors).toBeUndefined();
      expect(ours.status).toBe(400);
      expect(ours.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'depth', value: 13, max: 12 });
    });

    it('the cost limit (50,000): nested lists without `first` are refused by ours at their estimate, answered by plain', async () => {
      // 20 assumed items per list without `first`, four lists deep: over 160,000. The
      // answer holds a few objects; ask with first (where the schema has it) or fewer levels.
      const nested = '{ people { favouriteBooks { reviews { author { reviews { stars } } } } } }';
      const { ours, plain } = await both(nested);
      expect(plain.errors).toBeUndefined();
      expect(ours.status).toBe(400);
      expect(ours.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'cost' });
    });

    it('a subgraph that is down (inventory): the same data, errors in both; ours names each entity it could not complete', async () => {
      await library.subgraphs.inventory.stop();
      const { ours, plain } = await both('{ books { isbn title stock } people { name } }');
      expect(ours.data).toEqual(plain.data);
      expect((ours.data!['books'] as { stock: number | null }[]).map((b) => b.stock)).toEqual([null, null, null]);
      // Difference by design (gateway/src/data-source.ts): one SUBGRAPH_UNAVAILABLE error per
      // entity, at its path, naming the subgraph; plain gives one error without a path whose
      // message carries the subgraph's internal address.
      expect(plain.errors).toHaveLength(1);
      expect(plain.errors![0]!.path).toBeUndefined();
      expect(ours.errors!.map((e) => [e.path, e.extensions?.['code'], e.extensions?.['subgraph']])).toEqual(
        [0, 1, 2].map((i) => [['books', i], 'SUBGRAPH_UNAVAILABLE', 'inventory']),
      );
    });
  });
});
