/**
 * A small federated graph of its own, unrelated to the OSR subgraphs: four @apollo/subgraph
 * servers in-process on port 0 (a library: books and films, people, reviews, stock), made to
 * exercise what federation does across subgraphs:
 *
 * - catalog:   the entity interface Media (Book, Film), the union SearchResult (Book, Film and
 *              Person, whose fields live in people), Book keyed by id and by isbn, a
 *              non-null field that fails (Book.summary of one book), Book.stock before it
 *              moved (still resolvable here, answering -1: never asked since the override)
 *              and a DateTime scalar of its own (local times without a zone are valid here)
 * - people:    Person (name @shareable, email fails for one person), lists of entities
 *              (Person.favouriteBooks: Book references resolved by catalog)
 * - reviews:   Media as an @interfaceObject (reviews, rating; rating fails for one film),
 *              Review.author @provides(fields: "name"), an entity reference that fails
 *              (Person p3)
 * - inventory: Book.stock @override(from: "catalog"), Book.shippingCost
 *              @requires(fields: "weightGrams"), Book.title @shareable with catalog, a
 *              mutation with a side effect (reservation numbers)
 *
 * The graph is composed with @apollo/composition, as `npm run compose` does for ours.
 */
import type http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError, GraphQLScalarType, Kind, parse } from 'graphql';
import { closeServer, createGraphQLHttpServer, createLogger, listen } from '@osr/common';

const FEDERATION = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7"';

export const SDL = {
  catalog: `${FEDERATION}, import: ["@key", "@shareable"])
    type Query {
      media: [Media!]!
      books: [Book]!
      book(isbn: ID!): Book
      search(term: String!): [SearchResult!]!
      publishedBefore(moment: DateTime!): [Book!]!
    }
    "A local date and time, ISO 8601 with or without a zone: this graph's own, not the OSR's."
    scalar DateTime
    interface Media @key(fields: "id") {
      id: ID!
      title: String!
    }
    type Book implements Media @key(fields: "id") @key(fields: "isbn") {
      id: ID!
      isbn: ID!
      title: String! @shareable
      pages: Int
      weightGrams: Int!
      summary: String!
      author: Person
      stock: Int
      published: DateTime
    }
    type Film implements Media @key(fields: "id") {
      id: ID!
      title: String!
      minutes: Int!
      director: Person
    }
    type Person @key(fields: "id", resolvable: false) {
      id: ID!
    }
    union SearchResult = Book | Film | Person
  `,
  people: `${FEDERATION}, import: ["@key", "@shareable"])
    type Query {
      people: [Person!]!
      person(id: ID!): Person
    }
    type Person @key(fields: "id") {
      id: ID!
      name: String! @shareable
      email: String
      favouriteBooks: [Book!]!
    }
    type Book @key(fields: "isbn", resolvable: false) {
      isbn: ID!
    }
  `,
  reviews: `${FEDERATION}, import: ["@key", "@interfaceObject", "@provides", "@external"])
    type Query {
      latestReviews: [Review!]!
    }
    type Media @key(fields: "id") @interfaceObject {
      id: ID!
      reviews: [Review!]!
      rating: Float
    }
    type Review {
      id: ID!
      stars: Int!
      media: Media
      author: Person @provides(fields: "name")
    }
    type Person @key(fields: "id") {
      id: ID!
      name: String! @external
      reviews: [Review!]!
    }
  `,
  inventory: `${FEDERATION}, import: ["@key", "@shareable", "@override", "@external", "@requires"])
    type Query {
      restock: [Book!]!
    }
    type Mutation {
      "Reserves a copy: every call gets the next reservation number."
      reserve(isbn: ID!): Reservation!
    }
    type Reservation {
      number: Int!
      book: Book!
    }
    type Book @key(fields: "isbn") {
      isbn: ID!
      title: String! @shareable
      stock: Int @override(from: "catalog")
      weightGrams: Int! @external
      shippingCost: Int! @requires(fields: "weightGrams")
    }
  `,
};
export type LibrarySubgraph = keyof typeof SDL;

interface MediaRow {
  kind: 'Book' | 'Film';
  id: string;
  title: string;
  isbn?: string;
  pages?: number;
  weightGrams?: number;
  minutes?: number;
  creator: string;
  published?: string;
}
export const MEDIA: MediaRow[] = [
  { kind: 'Book', id: 'b1', isbn: '9789046800000', title: 'Max Havelaar', pages: 380, weightGrams: 450, creator: 'p2', published: '1860-05-14T00:00:00' },
  { kind: 'Book', id: 'b2', isbn: '9780000000002', title: 'Notes on the Analytical Engine', pages: 66, weightGrams: 120, creator: 'p1', published: '1843-09-01T00:00:00' },
  { kind: 'Book', id: 'b3', isbn: '9789045100003', title: 'Jip en Janneke', pages: 120, weightGrams: 310, creator: 'p3', published: '1953-01-01T00:00:00' },
  { kind: 'Film', id: 'f1', title: 'Max Havelaar, the film', minutes: 170, creator: 'p2' },
  { kind: 'Film', id: 'f2', title: 'Pluk van de Petteflet', minutes: 95, creator: 'p3' },
];
export const PEOPLE = [
  { id: 'p1', name: 'Ada Lovelace', email: 'ada@example.org', favourites: ['9789046800000', '9780000000002'] },
  { id: 'p2', name: 'Multatuli', email: 'secret', favourites: ['9789045100003'] },
  { id: 'p3', name: 'Annie M.G. Schmidt', email: null, favourites: [] as string[] },
];
export const REVIEWS = [
  { id: 'r1', media: 'b1', stars: 5, author: 'p1' },
  { id: 'r2', media: 'f1', stars: 3, author: 'p3' },
  { id: 'r3', media: 'b2', stars: 4, author: 'p2' },
  { id: 'r4', media: 'b1', stars: 2, author: 'p3' },
  { id: 'r5', media: 'f2', stars: 4, author: 'p1' },
];
export const STOCK: Record<string, number> = { '9789046800000': 3, '9780000000002': 0, '9789045100003': 12 };

/** Shipping: 100 plus 50 per started 100 grams (needs the weight, which catalog owns). */
export const shippingCost = (weightGrams: number) => 100 + 50 * Math.ceil(weightGrams / 100);

/** The catalog's DateTime: 2024-01-31T12:00, seconds and a zone optional. */
function parseLocalDateTime(v: unknown): string {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})?$/.test(v)) throw new GraphQLError('not a date and time');
  return v;
}
const localDateTime = new GraphQLScalarType<string, string>({
  name: 'DateTime',
  serialize: (v) => String(v),
  parseValue: parseLocalDateTime,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('not a date and time');
    return parseLocalDateTime(ast.value);
  },
});

let reservations = 0;

const books = () => MEDIA.filter((m) => m.kind === 'Book');
const mediaById = (id: string) => MEDIA.find((m) => m.id === id);
const bookByKey = (ref: { id?: string; isbn?: string }) => books().find((b) => (ref.id !== undefined ? b.id === ref.id : b.isbn === ref.isbn));
const personById = (id: string) => PEOPLE.find((p) => p.id === id);
const nameOf = (id: string) => personById(id)!.name;

const resolvers: Record<LibrarySubgraph, object> = {
  catalog: {
    Query: {
      media: () => MEDIA,
      books: () => books(),
      book: (_: unknown, { isbn }: { isbn: string }) => bookByKey({ isbn }) ?? null,
      publishedBefore: (_: unknown, { moment }: { moment: string }) => books().filter((b) => b.published! < moment),
      search: (_: unknown, { term }: { term: string }) => {
        const found = MEDIA.filter((m) => m.title.includes(term));
        const creators = [...new Set(found.map((m) => m.creator))].map((id) => ({ kind: 'Person', id }));
        return [...found, ...creators];
      },
    },
    Media: {
      __resolveReference: (ref: { id: string }) => mediaById(ref.id) ?? null,
      __resolveType: (m: MediaRow) => m.kind,
    },
    DateTime: localDateTime,
    SearchResult: { __resolveType: (r: { kind: string }) => r.kind },
    Book: {
      __resolveReference: (ref: { id?: string; isbn?: string }) => bookByKey(ref) ?? null,
      author: (b: MediaRow) => ({ id: b.creator }),
      summary: (b: MediaRow) => {
        if (b.id === 'b3') throw new Error('summary store unreachable');
        return `${b.title}, ${b.pages} pages`;
      },
      // Moved to inventory (@override there): a gateway that still asked catalog would get -1.
      stock: () => -1,
    },
    Film: { director: (f: MediaRow) => ({ id: f.creator }) },
  },
  people: {
    Query: {
      people: () => PEOPLE,
      person: (_: unknown, { id }: { id: string }) => personById(id) ?? null,
    },
    Person: {
      __resolveReference: (ref: { id: string }) => personById(ref.id) ?? null,
      email: (p: (typeof PEOPLE)[number]) => {
        if (p.email === 'secret') throw new GraphQLError('This address is not shown', { extensions: { code: 'FORBIDDEN' } });
        return p.email;
      },
      favouriteBooks: (p: (typeof PEOPLE)[number]) => p.favourites.map((isbn) => ({ isbn })),
    },
  },
  reviews: {
    Query: { latestReviews: () => REVIEWS },
    Media: {
      __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
      reviews: (m: { id: string }) => REVIEWS.filter((r) => r.media === m.id),
      rating: (m: { id: string }) => {
        if (m.id === 'f2') throw new Error('rating computation failed');
        const stars = REVIEWS.filter((r) => r.media === m.id).map((r) => r.stars);
        return stars.length ? stars.reduce((a, b) => a + b, 0) / stars.length : null;
      },
    },
    Review: {
      media: (r: (typeof REVIEWS)[number]) => ({ id: r.media }),
      // The provided name: this subgraph keeps a copy of the author's name.
      author: (r: (typeof REVIEWS)[number]) => ({ id: r.author, name: nameOf(r.author) }),
    },
    Person: {
      __resolveReference: (ref: { id: string }) => {
        if (ref.id === 'p3') throw new Error('the reviews of p3 cannot be loaded');
        return { id: ref.id };
      },
      reviews: (p: { id: string }) => REVIEWS.filter((r) => r.author === p.id),
    },
  },
  inventory: {
    Query: {
      restock: () => books().filter((b) => STOCK[b.isbn!]! < 5).map((b) => ({ isbn: b.isbn })),
    },
    Mutation: {
      reserve: (_: unknown, { isbn }: { isbn: string }) => ({ number: ++reservations, book: { isbn } }),
    },
    Book: {
      __resolveReference: (ref: { isbn: string; weightGrams?: number }) => (ref.isbn in STOCK ? ref : null),
      title: (b: { isbn: string }) => books().find((x) => x.isbn === b.isbn)!.title,
      stock: (b: { isbn: string }) => STOCK[b.isbn],
      shippingCost: (b: { weightGrams?: number }) => {
        if (b.weightGrams === undefined) throw new Error('weightGrams was not provided (@requires)');
        return shippingCost(b.weightGrams);
      },
    },
  },
};

/** The supergraph of the four subgraphs at the given URLs (throws on composition errors). */
export function composeLibrary(urls: Record<LibrarySubgraph, string>, sdl: Record<LibrarySubgraph, string> = SDL): string {
  const result = composeServices(
    (Object.keys(SDL) as LibrarySubgraph[]).map((name) => ({ name, url: urls[name], typeDefs: parse(sdl[name]) })),
  );
  if (result.errors) throw new Error(`composition failed:\n${result.errors.map((e) => e.message).join('\n')}`);
  return result.supergraphSdl;
}

export interface RunningLibrarySubgraph {
  url: string;
  httpServer: http.Server;
  stop(): Promise<void>;
}

export interface RunningLibrary {
  urls: Record<LibrarySubgraph, string>;
  subgraphs: Record<LibrarySubgraph, RunningLibrarySubgraph>;
  supergraphSdl: string;
  stop(): Promise<void>;
}

const logger = createLogger('library', process.env['TEST_LOG_LEVEL'] ?? 'silent');

/**
 * Starts one subgraph on port 0 (GraphQL at /graphql, /health and /ready beside it), with
 * resolvers added or replaced (e.g. one that holds a request) and, for a new version of the
 * subgraph, another SDL.
 */
export async function startLibrarySubgraph(name: LibrarySubgraph, extraResolvers: object = {}, sdl = SDL[name]): Promise<RunningLibrarySubgraph> {
  const schema = buildSubgraphSchema([{ typeDefs: parse(sdl), resolvers: mergeResolvers(resolvers[name], extraResolvers) as never }]);
  const apollo = new ApolloServer({ schema, stopOnTerminationSignals: false });
  await apollo.start();
  const httpServer = createGraphQLHttpServer({ apollo, logger, context: async () => ({}), ready: async () => ({ ok: true }) });
  const url = await listen(httpServer, 0);
  return {
    url,
    httpServer,
    async stop() {
      httpServer.closeAllConnections();
      await closeServer(httpServer);
      await apollo.stop();
    },
  };
}

function mergeResolvers(base: object, extra: object): object {
  const merged: Record<string, object> = { ...(base as Record<string, object>) };
  for (const [type, fields] of Object.entries(extra as Record<string, object>)) merged[type] = { ...merged[type], ...fields };
  return merged;
}

/** Starts the four subgraphs and composes their supergraph. */
export async function startLibrary(extraResolvers: Partial<Record<LibrarySubgraph, object>> = {}): Promise<RunningLibrary> {
  const names = Object.keys(SDL) as LibrarySubgraph[];
  const started = await Promise.all(names.map((n) => startLibrarySubgraph(n, extraResolvers[n])));
  const subgraphs = Object.fromEntries(names.map((n, i) => [n, started[i]!])) as Record<LibrarySubgraph, RunningLibrarySubgraph>;
  const urls = Object.fromEntries(names.map((n) => [n, subgraphs[n].url])) as Record<LibrarySubgraph, string>;
  return {
    urls,
    subgraphs,
    supergraphSdl: composeLibrary(urls),
    async stop() {
      await Promise.all(started.map((s) => s.stop()));
    },
  };
}
