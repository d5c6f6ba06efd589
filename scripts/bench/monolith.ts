/**
 * The monolith baseline: what a team would build without federation. One plain Apollo Server
 * (startStandaloneServer) with resolvers over the same databases, per-request DataLoaders
 * from the same repositories, the same token verification and the same access rules for the
 * fields the benchmark asks. Environment: PORT, MONGODB_URI, DB_PREFIX, JWT_PUBLIC_KEY_FILE, JWT_MAX_AGE_SECONDS,
 * OSR_COUNT_DB_COMMANDS.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { GraphQLError } from 'graphql';
import {
  canReadBoard,
  countDatabaseCommands,
  databaseCommands,
  DateScalar,
  exitWhenStdinCloses,
  pageSize,
  toConnection,
  todayInNetherlands,
  type Identity,
} from '@osr/common';
import type { AgreementDocument } from '@osr/subgraph-agreements/documents';
import type { MandateDocument, ServiceCode, SystemDocument } from '@osr/subgraph-mandates/documents';
import { createLoaders } from '@osr/subgraph-mandates/loaders';
import type { BoardDocument, SchoolDocument } from '@osr/subgraph-organisations/documents';
import { TokenVerifier } from '@osr/gateway/auth';
import { DEV_AUDIENCE, DEV_ISSUER } from '../dev-keys.js';
import { openStores, type Stores } from './read.js';

if (process.env['OSR_COUNT_DB_COMMANDS'] === '1') countDatabaseCommands();
const stores = await openStores(process.env['MONGODB_URI']!, process.env['DB_PREFIX']!);
const verifier = await TokenVerifier.create({
  issuer: DEV_ISSUER,
  audience: DEV_AUDIENCE,
  algorithms: ['ES256'],
  publicKeyPem: TokenVerifier.readPublicKeyFile(process.env['JWT_PUBLIC_KEY_FILE']!),
  maxLifetimeSeconds: Number(process.env['JWT_MAX_AGE_SECONDS'] ?? 3600),
});

function loaders(s: Stores) {
  return { organisations: s.organisations.createLoaders(), mandates: createLoaders(s.mandates), agreements: s.agreements.createLoaders(), support: s.support.createLoaders() };
}
interface Context {
  identity: Identity;
  today: string;
  loaders: ReturnType<typeof loaders>;
}

const forbidden = (what: string) => new GraphQLError(`You may not see ${what}`, { extensions: { code: 'FORBIDDEN' } });
type Dated = MandateDocument & { asOf: string };

const resolvers = {
  Date: DateScalar,
  Query: {
    board: (_: unknown, { bevoegdGezagNummer }: { bevoegdGezagNummer: string }, c: Context) => c.loaders.organisations.board.load(bevoegdGezagNummer),
    school: (_: unknown, { brin }: { brin: string }, c: Context) => c.loaders.organisations.school.load(brin),
    supportContacts: (_: unknown, { asOf }: { asOf?: string }, c: Context) => c.loaders.support.validOn(asOf ?? c.today),
    supplierMandates: async (_: unknown, args: { service?: ServiceCode; first?: number; after?: string }, c: Context) => {
      if (c.identity.role !== 'SUPPLIER' || !c.identity.supplier) throw forbidden('supplierMandates');
      const size = pageSize(args.first);
      const systems = await stores.mandates.catalogue.findSystemsOfSuppliers([c.identity.supplier]);
      const { items, cursorOf } = await stores.mandates.reads.findChangedMandates({
        systemIds: systems.map((x) => x.id),
        service: args.service ?? null,
        changedSince: null,
        after: args.after ?? null,
        limit: size + 1,
      });
      return toConnection(items.map((m) => ({ ...m, asOf: c.today })), size, cursorOf);
    },
  },
  Board: {
    schools: (b: BoardDocument, _: unknown, c: Context) => c.loaders.organisations.schoolsOfBoard.load(b.bevoegdGezagNummer),
    agreements: async (b: BoardDocument, _: unknown, c: Context) =>
      (await c.loaders.agreements.agreementsOfBoard.load(b.bevoegdGezagNummer)).filter((a: AgreementDocument) => !a.extensionOf),
  },
  School: {
    board: (s: SchoolDocument, _: unknown, c: Context) => c.loaders.organisations.board.load(s.boardNummer),
    aanleverpunten: (s: SchoolDocument, _: unknown, c: Context) => {
      if (!canReadBoard(c.identity, s.boardNummer)) throw forbidden(`the mandates of school ${s.brin}`);
      return c.loaders.mandates.aanleverpuntenOfSchool.load(s.brin);
    },
    mandates: async (s: SchoolDocument, args: { services?: ServiceCode[]; asOf?: string }, c: Context) => {
      if (!canReadBoard(c.identity, s.boardNummer)) throw forbidden(`the mandates of school ${s.brin}`);
      const docs = await c.loaders.mandates.mandatesOfSchool(args.services ?? null).load(s.brin);
      return docs.map((d) => ({ ...d, asOf: args.asOf ?? c.today }));
    },
  },
  Mandate: {
    service: (m: Dated, _: unknown, c: Context) => c.loaders.mandates.service.load(m.serviceCode),
    system: (m: Dated, _: unknown, c: Context) => c.loaders.mandates.system.load(m.systemId),
    school: (m: Dated) => (m.brin === null ? null : { brin: m.brin }),
    status: (m: Dated) => (m.asOf < m.startDate ? 'PLANNED' : m.endDate !== null && m.asOf > m.endDate ? 'ENDED' : 'ACTIVE'),
  },
  System: {
    supplier: (s: SystemDocument, _: unknown, c: Context) => c.loaders.mandates.supplier.load(s.supplierOin),
  },
};

const apollo = new ApolloServer<Context>({
  typeDefs: readFileSync(new URL('./monolith.graphql', import.meta.url), 'utf8'),
  resolvers,
  includeStacktraceInErrorResponses: false,
  stopOnTerminationSignals: false,
});
const { url } = await startStandaloneServer(apollo, {
  listen: { port: Number(process.env['PORT'] ?? 0), host: '127.0.0.1' },
  context: async ({ req }) => {
    const auth = await verifier.authenticate(req);
    if (!auth.ok) throw new GraphQLError(auth.reason, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
    return { identity: auth.identity, today: todayInNetherlands(), loaders: loaders(stores) };
  },
});
// The round-trip count on a port of its own (the standalone server serves GraphQL only).
const side = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ count: databaseCommands.count }));
});
side.listen(Number(process.env['COUNTER_PORT'] ?? 0), '127.0.0.1');
console.log(`monolith listening at ${url}`);
exitWhenStdinCloses(async () => {
  side.close();
  await apollo.stop();
  await stores.close();
  process.exit(0);
});
