/**
 * The benchmark's queries, and the floor: the same answers read straight from the databases
 * with the repositories' driver calls (no GraphQL, no loaders), shaped as the JSON the graph
 * returns. The mandates' come from the package's repositories as its documented `open` entry
 * makes them, with no collection name or filter restated here: with the read model the
 * subgraph uses on this store (on FerretDB, `memory`: one equality find per school, as `$in`
 * batches are scans there) keeping no school's lists, so every answer is read from the
 * database when asked. The benchmark's expected answers come from here, and every target
 * (gateway, monolith, Hive Gateway, the floor server) is checked against them.
 */
import { readFileSync } from 'node:fs';
import { canReadBoard, connectDatabase, databaseName, todayInNetherlands, type Database, type Identity } from '@osr/common';
import { AgreementsRepository } from '@osr/subgraph-agreements/repository';
import type { Db } from 'mongodb';
import { answeringReads, readModelKind, repositoriesFor } from '@osr/subgraph-mandates/open';
import type { Repositories } from '@osr/subgraph-mandates/repository';
import { OrganisationsRepository } from '@osr/subgraph-organisations/repository';
import { SupportRepository } from '@osr/subgraph-support/repository';
import { encodeCursor } from '@osr/common';

export const HEADLINE = readFileSync(new URL('../../test/queries/board-overview.graphql', import.meta.url), 'utf8');
export const FEED = `query SupplierFeed($first: Int!) {
  supplierMandates(first: $first) {
    edges { node { id status startDate endDate service { code } system { id name } school { brin } } }
    pageInfo { endCursor hasNextPage }
  }
}`;
export const SCHOOL = `query SchoolOverview($brin: ID!) {
  school(brin: $brin) {
    brin name sector
    board { bevoegdGezagNummer name }
    aanleverpunten { index kind active }
    mandates(services: [OSO_OV, OSO_SWV]) { service { code } status startDate system { name } }
  }
}`;

export type QueryKind = 'headline' | 'feed' | 'school';
export const OPERATION: Record<QueryKind, { name: string; query: string }> = {
  headline: { name: 'BoardOverview', query: HEADLINE },
  feed: { name: 'SupplierFeed', query: FEED },
  school: { name: 'SchoolOverview', query: SCHOOL },
};

const OSO = ['OSO_OV', 'OSO_SWV'] as const;

export interface Stores {
  organisations: OrganisationsRepository;
  mandates: Repositories;
  agreements: AgreementsRepository;
  support: SupportRepository;
  close(): Promise<void>;
}

export async function openStores(uri: string, prefix: string): Promise<Stores> {
  const dbs: Database[] = [];
  const open = async (name: 'organisations' | 'mandates' | 'agreements' | 'support') => {
    const db = await connectDatabase(uri, databaseName(prefix, name));
    dbs.push(db);
    return db.db;
  };
  return {
    organisations: new OrganisationsRepository(await open('organisations')),
    mandates: await uncachedReads(await open('mandates')),
    agreements: new AgreementsRepository(await open('agreements')),
    support: new SupportRepository(await open('support')),
    close: async () => {
      await Promise.all(dbs.map((d) => d.close()));
    },
  };
}

async function uncachedReads(db: Db): Promise<Repositories> {
  const repositories = repositoriesFor(db, undefined, await readModelKind(db));
  answeringReads(repositories, { maxSchools: 0 });
  return repositories;
}

function status(m: { startDate: string; endDate: string | null }, asOf: string): string {
  if (asOf < m.startDate) return 'PLANNED';
  if (m.endDate !== null && asOf > m.endDate) return 'ENDED';
  return 'ACTIVE';
}

class Forbidden extends Error {}

/** The headline query's data, read with one query per collection. */
async function headline(s: Stores, identity: Identity, nummer: string, today: string) {
  const [[board], schools, agreements, contacts] = await Promise.all([
    s.organisations.findBoards([nummer]),
    s.organisations.findSchoolsOfBoards([nummer]),
    s.agreements.findAgreementsOfBoards([nummer]),
    s.support.findValidOn(today),
  ]);
  const supportContacts = contacts.map((c) => ({ channel: c.channel, value: c.value, validFrom: c.validFrom, validUntil: c.validUntil }));
  if (!board) return { board: null, supportContacts };
  if (!canReadBoard(identity, nummer)) throw new Forbidden(`board ${nummer}`);
  const brins = schools.map((x) => x.brin);
  const [points, mandates] = await Promise.all([
    s.mandates.reads.aanleverpuntenOfSchools(brins),
    s.mandates.reads.findMandatesOfSchools(brins, [...OSO]),
  ]);
  const [services, systems] = await Promise.all([
    s.mandates.catalogue.findServices([...new Set(mandates.map((m) => m.serviceCode))]),
    s.mandates.catalogue.findSystems([...new Set(mandates.map((m) => m.systemId))]),
  ]);
  const suppliers = await s.mandates.catalogue.findSuppliers([...new Set(systems.map((x) => x.supplierOin))]);
  const serviceOf = new Map(services.map((x) => [x.code, x]));
  const systemOf = new Map(systems.map((x) => [x.id, x]));
  const supplierOf = new Map(suppliers.map((x) => [x.oin, x]));
  return {
    board: {
      bevoegdGezagNummer: board.bevoegdGezagNummer,
      name: board.name,
      schools: schools.map((school) => ({
        brin: school.brin,
        name: school.name,
        sector: school.sector,
        aanleverpunten: points.filter((p) => p.brin === school.brin).map((p) => ({ index: p.index, kind: p.kind, active: p.active })),
        mandates: mandates
          .filter((m) => m.brin === school.brin)
          .map((m) => {
            const system = systemOf.get(m.systemId)!;
            const supplier = supplierOf.get(system.supplierOin)!;
            return {
              service: { code: m.serviceCode, name: serviceOf.get(m.serviceCode)!.name },
              status: status(m, today),
              startDate: m.startDate,
              endDate: m.endDate,
              system: { name: system.name, supplier: { oin: supplier.oin, name: supplier.name } },
            };
          }),
      })),
      agreements: agreements.filter((a) => !a.extensionOf).map((a) => ({ type: a.type, status: a.status, services: a.services })),
    },
    supportContacts,
  };
}

async function feed(s: Stores, identity: Identity, first: number, today: string) {
  if (identity.role !== 'SUPPLIER' || !identity.supplier) throw new Forbidden('supplierMandates');
  const systems = await s.mandates.catalogue.findSystemsOfSuppliers([identity.supplier]);
  const { items } = await s.mandates.reads.findChangedMandates({ systemIds: systems.map((x) => x.id), service: null, changedSince: null, after: null, limit: first + 1 });
  const systemOf = new Map(systems.map((x) => [x.id, x]));
  const page = items.slice(0, first);
  return {
    supplierMandates: {
      edges: page.map((m) => ({
        node: {
          id: m.id,
          status: status(m, today),
          startDate: m.startDate,
          endDate: m.endDate,
          service: { code: m.serviceCode },
          system: { id: m.systemId, name: systemOf.get(m.systemId)!.name },
          school: m.brin === null ? null : { brin: m.brin },
        },
      })),
      pageInfo: {
        endCursor: page.length ? encodeCursor({ t: page.at(-1)!.updatedAt.getTime(), id: page.at(-1)!.id }) : null,
        hasNextPage: items.length > first,
      },
    },
  };
}

async function school(s: Stores, identity: Identity, brin: string, today: string) {
  const [found] = await s.organisations.findSchools([brin]);
  if (!found) return { school: null };
  if (!canReadBoard(identity, found.boardNummer)) throw new Forbidden(`school ${brin}`);
  const [[board], points, mandates] = await Promise.all([
    s.organisations.findBoards([found.boardNummer]),
    s.mandates.reads.aanleverpuntenOfSchools([brin]),
    s.mandates.reads.findMandatesOfSchools([brin], [...OSO]),
  ]);
  const systems = await s.mandates.catalogue.findSystems([...new Set(mandates.map((m) => m.systemId))]);
  const systemOf = new Map(systems.map((x) => [x.id, x]));
  return {
    school: {
      brin: found.brin,
      name: found.name,
      sector: found.sector,
      board: { bevoegdGezagNummer: board!.bevoegdGezagNummer, name: board!.name },
      aanleverpunten: points.map((p) => ({ index: p.index, kind: p.kind, active: p.active })),
      mandates: mandates.map((m) => ({ service: { code: m.serviceCode }, status: status(m, today), startDate: m.startDate, system: { name: systemOf.get(m.systemId)!.name } })),
    },
  };
}

/** The JSON body the graph answers for an operation of the benchmark. */
export async function answer(s: Stores, identity: Identity, operationName: string, variables: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
  const today = todayInNetherlands();
  try {
    if (operationName === 'BoardOverview') return { status: 200, body: { data: await headline(s, identity, String(variables['nummer']), today) } };
    if (operationName === 'SupplierFeed') return { status: 200, body: { data: await feed(s, identity, Number(variables['first']), today) } };
    if (operationName === 'SchoolOverview') return { status: 200, body: { data: await school(s, identity, String(variables['brin']), today) } };
    return { status: 400, body: { errors: [{ message: `The floor answers only the benchmark's operations, not ${operationName}` }] } };
  } catch (err) {
    if (err instanceof Forbidden) return { status: 200, body: { data: null, errors: [{ message: `You may not see ${err.message}`, extensions: { code: 'FORBIDDEN' } }] } };
    throw err;
  }
}

/** JSON with object keys sorted: two answers are the same data when these strings are equal. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
