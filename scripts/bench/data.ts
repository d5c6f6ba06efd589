/**
 * The benchmark's data: the generated national RIO set through the RIO importer, a generated
 * Mijn OSO export for every school through the OSO migration, agreements through the
 * agreements import, support contacts and the supplier catalogue through their seed code.
 * Deterministic: the same options give the same data. Each step is timed.
 */
import { randomBytes } from 'node:crypto';
import {
  connectDatabase,
  createLogger,
  createPeerClient,
  databaseName,
  listen,
  type Database,
  type SubgraphName,
} from '@osr/common';
import { importAgreements } from '@osr/subgraph-agreements/import';
import { AgreementsRepository } from '@osr/subgraph-agreements/repository';
import type { AanleverpuntDocument, SystemDocument } from '@osr/subgraph-mandates/documents';
import { MIGRATION_DATE, migrateOsoExport } from '@osr/subgraph-mandates/migration';
import { organisationsApi } from '@osr/subgraph-mandates/peers';
import { MandatesRepository } from '@osr/subgraph-mandates/repository';
import { seedMandates, type MandatesSeed, type SeedMandate } from '@osr/subgraph-mandates/seed';
import { createOrganisationsServer } from '@osr/subgraph-organisations';
import { OrganisationsRepository } from '@osr/subgraph-organisations/repository';
import { importRio } from '@osr/subgraph-organisations/rio';
import { generateNationalSet } from '@osr/subgraph-organisations/rio/generate';
import { SupportRepository } from '@osr/subgraph-support/repository';
import { seedSupport } from '@osr/subgraph-support/seed';
import { buildDemoData, SUPPLIER_A, SUPPLIER_B } from '../demo-data.js';

export interface DataOptions {
  uri: string;
  prefix: string;
  boards?: number;
  schools?: number;
  seed?: number;
  /**
   * How many schools (besides those of the measured boards) go through the migration code;
   * the rest of the export is written as the same documents in bulk (the migration writes
   * one mandate at a time with its history: ~0.3 s each on this machine, too slow for 7,500
   * schools in a 10-minute benchmark). 'all' migrates every school. Agreements are imported
   * for the measured boards and this many others.
   */
  migrate?: number | 'all';
  log?: (line: string) => void;
}

export interface LoadedData {
  steps: { step: string; seconds: number; detail: string }[];
  largestBoard: { nummer: string; schools: number };
  typicalBoard: { nummer: string; schools: number };
  /** a school of the typical board with an OV and an SWV point */
  school: { brin: string; board: string };
  supplier: string;
  counts: { boards: number; schools: number; aanleverpunten: number; mandates: number; agreements: number };
}

/** A stable number 0..99 from a text and a salt (no randomness: the same data every run). */
function bucket(text: string, salt: number): number {
  let h = 2166136261 ^ salt;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0) % 100;
}

const SYSTEMS = [
  { oin: SUPPLIER_A.oin, las: 'Voorbeeld LAS' },
  { oin: SUPPLIER_B.oin, las: 'LDD Leerlingvolgsysteem' },
];

/**
 * A Mijn OSO export for these schools: most an active OV point, some an inactive one, some
 * an SWV point (active or not); two suppliers; connection dates before and after the switch.
 */
export function osoExport(brins: readonly string[]): string {
  const lines = ['BRIN;AANLEVERPUNT;SOORT;LEVERANCIER_OIN;LAS;STATUS;AANSLUITDATUM'];
  for (const brin of brins) {
    const system = SYSTEMS[bucket(brin, 1) < 65 ? 0 : 1]!;
    const ov = bucket(brin, 2);
    const connected = ov % 4 === 0 ? '' : ov % 4 === 1 ? '2019-04-01' : ov % 4 === 2 ? '01-09-2020' : '2023-02-01';
    if (ov < 90) lines.push(`${brin};1;OV;${system.oin};${system.las};${ov < 84 ? 'actief' : 'inactief'};${connected}`);
    const swv = bucket(brin, 3);
    if (swv < 35) lines.push(`${brin};2;SWV;${system.oin};${system.las};${swv < 30 ? 'actief' : 'inactief'};2021-03-01`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** Agreements signed before the switch: an OSO agreement for most boards, OSR_USER for many. */
export function agreementsCsv(boards: readonly string[]): string {
  const lines = ['BEVOEGD GEZAG NUMMER;TYPE;SERVICES;SIGNED DATE;SIGNER NAME'];
  for (const nummer of boards) {
    const b = bucket(nummer, 4);
    if (b < 92) lines.push(`${nummer};OSO;${b < 40 ? 'OSO_OV OSO_SWV' : 'OSO_OV'};2019-0${1 + (b % 9)}-01;Bestuurder ${nummer}`);
    if (b % 3 === 0) lines.push(`${nummer};OSR_USER;;2020-01-15;Bestuurder ${nummer}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * What the migration makes of the export rows of these schools, as seed documents: one
 * mandate per school + kind + system for the active points (from 15 August 2022 or the later
 * connection date), every point stored and linked to its mandate.
 */
function bulkMandates(schools: readonly { brin: string; boardNummer: string }[], systems: readonly SystemDocument[]): Pick<MandatesSeed, 'mandates' | 'aanleverpunten'> {
  const boardOf = new Map(schools.map((s) => [s.brin, s.boardNummer]));
  const at = new Date('2022-08-15T06:00:00Z');
  const mandates = new Map<string, SeedMandate>();
  const aanleverpunten: AanleverpuntDocument[] = [];
  const lines = osoExport(schools.map((s) => s.brin)).trim().split('\r\n').slice(1);
  for (const line of lines) {
    const [brin, index, kind, oin, las, status, connected] = line.split(';') as [string, string, 'OV' | 'SWV', string, string, string, string];
    const system = systems.find((s) => s.supplierOin === oin && s.name === las)!;
    const service = kind === 'OV' ? 'OSO_OV' : 'OSO_SWV';
    const iso = /^(\d{2})-(\d{2})-(\d{4})$/.exec(connected);
    const connectedOn = iso ? `${iso[3]}-${iso[2]}-${iso[1]}` : connected;
    const startDate = connectedOn > MIGRATION_DATE ? connectedOn : MIGRATION_DATE;
    const id = `oso-${brin}-${service}-${system.id}`;
    const active = status === 'actief';
    if (active && !mandates.has(id)) {
      mandates.set(id, {
        id, serviceCode: service, systemId: system.id, brin, boardNummer: boardOf.get(brin)!, startDate, endDate: null,
        origin: 'OSO_MIGRATION', version: 1, createdAt: at, createdBy: 'OSO migration', updatedAt: at,
        lastReviewedAt: null, lastReviewedBy: null,
      });
    }
    aanleverpunten.push({ brin, index: Number(index), kind, systemId: system.id, active, mandateId: active ? id : null });
  }
  return { mandates: [...mandates.values()], aanleverpunten };
}

export async function timed<T>(steps: LoadedData['steps'], step: string, work: () => Promise<[T, string]>, log: (line: string) => void): Promise<T> {
  const started = performance.now();
  const [result, detail] = await work();
  const seconds = (performance.now() - started) / 1000;
  steps.push({ step, seconds, detail });
  log(`${step}: ${seconds.toFixed(1)} s (${detail})`);
  return result;
}

const SUBGRAPHS: SubgraphName[] = ['organisations', 'mandates', 'agreements', 'support'];

/** Loads the whole data set into fresh databases under `prefix`. */
export async function loadBenchData(options: DataOptions): Promise<LoadedData> {
  const log = options.log ?? (() => undefined);
  const steps: LoadedData['steps'] = [];
  const dbs = {} as Record<SubgraphName, Database>;
  let stopOrganisations = async () => {};
  try {
    for (const name of SUBGRAPHS) dbs[name] = await connectDatabase(options.uri, databaseName(options.prefix, name));

    const set = await timed(steps, 'generate RIO set', async () => {
      const s = generateNationalSet({
        ...(options.boards ? { boards: options.boards } : {}),
        ...(options.schools ? { schools: options.schools } : {}),
        ...(options.seed ? { seed: options.seed } : {}),
      });
      return [s, `${s.stats.boards} boards, ${s.stats.schools} schools, ${s.stats.vestigingen} vestigingen`];
    }, log);

    const organisations = new OrganisationsRepository(dbs.organisations.db);
    await organisations.ensureIndexes();
    await timed(steps, 'RIO import', async () => {
      // As a delta (the same into fresh databases): only rio:import and rio:sync full snapshots end organisations.
      const report = await importRio(organisations, { name: 'rio-national.json', bytes: Buffer.from(JSON.stringify(set.bundle)) }, { mode: 'delta' });
      return [report, `${report.rejected} rejected`];
    }, log);

    const schools = await dbs.organisations.db
      .collection<{ brin: string; boardNummer: string }>('schools')
      .find({}, { projection: { _id: 0, brin: 1, boardNummer: 1 } })
      .sort({ brin: 1 })
      .toArray();
    const boards = [...new Set(schools.map((s) => s.boardNummer))].sort();

    const mandates = new MandatesRepository(dbs.mandates.db);
    await mandates.ensureIndexes();
    const demo = buildDemoData();
    await timed(steps, 'catalogue seed', async () => {
      await seedMandates(mandates, { ...demo.mandates, mandates: [], aanleverpunten: [] });
      return [null, `${demo.mandates.services.length} services, ${demo.mandates.suppliers.length} suppliers, ${demo.mandates.systems.length} systems`];
    }, log);

    // The migration checks schools against RIO through the organisations API, as in production.
    const secret = randomBytes(32).toString('base64url');
    const server = await createOrganisationsServer({ database: dbs.organisations, logger: createLogger('organisations', 'warn'), identitySecret: secret, peers: {} });
    const url = await listen(server.httpServer, 0);
    stopOrganisations = () => server.stop();
    const perBoard = new Map<string, string[]>();
    for (const s of schools) perBoard.set(s.boardNummer, [...(perBoard.get(s.boardNummer) ?? []), s.brin]);
    const bySize = [...perBoard].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
    const [largestNummer, largestSchools] = bySize[0]!;
    const typical = bySize.find(([, brins]) => brins.length === 5) ?? bySize[Math.floor(bySize.length / 2)]!;

    const migrate = options.migrate ?? 10;
    const migrated = new Set(migrate === 'all' ? schools.map((s) => s.brin) : [...typical[1], ...schools.slice(0, migrate).map((s) => s.brin)]);
    const bulk = schools.filter((s) => !migrated.has(s.brin));
    if (bulk.length) {
      await timed(steps, 'OSO export, bulk part', async () => {
        const seed = bulkMandates(bulk, demo.mandates.systems);
        // A fresh store: plain inserts of what the migration (and seedMandates) would write.
        // (seedMandates upserts one document at a time: minutes for the national set.)
        const docs = seed.mandates.map((m) => ({ reviewReasons: [], reviewBoards: [], ...m, slotKey: `school:${m.brin}|${m.serviceCode}` }));
        await mandates.insertLoaded(docs);
        const history = docs.map((d) => ({
          slotKey: d.slotKey, slotSeq: 1, at: d.createdAt, by: 'data load', bySub: 'seed', byRole: 'SERVICE' as const,
          mandateIds: [d.id], changes: [{ mandateId: d.id, action: 'CREATED' as const, before: null, after: d }], applied: true,
        }));
        for (let i = 0; i < history.length; i += 1000) await mandates.history.insertMany(history.slice(i, i + 1000));
        for (let i = 0; i < seed.aanleverpunten.length; i += 1000) await mandates.aanleverpunten.insertMany(seed.aanleverpunten.slice(i, i + 1000));
        return [null, `${bulk.length} schools: ${seed.mandates.length} mandates, ${seed.aanleverpunten.length} aanleverpunten`];
      }, log);
    }
    const exportText = osoExport([...migrated].sort());
    await timed(steps, 'OSO migration', async () => {
      const report = await migrateOsoExport(Buffer.from(exportText), {
        repository: mandates,
        progress: (done, total) => {
          if (done % 100 < 2 || done === total) log(`  migrated ${done}/${total} rows`);
        },
        organisations: organisationsApi(createPeerClient({ name: 'organisations', url, caller: 'bench', identitySecret: secret, timeoutMs: 60_000 })),
      });
      return [report, `${report.rows} rows, ${report.mandates.created} mandates, ${report.aanleverpunten.created} aanleverpunten, ${report.rejected.length} rejected, ${report.schoolsToIssueMandate.length} schools to issue a mandate`];
    }, log);
    await stopOrganisations();
    stopOrganisations = async () => {};

    const agreements = new AgreementsRepository(dbs.agreements.db);
    await agreements.ensureIndexes();
    await timed(steps, 'agreements import', async () => {
      // The measured boards and as many others as schools migrated (the import writes one
      // agreement at a time with its history: minutes for all 1,100 boards on this machine).
      const measured = new Set([largestNummer, typical[0], ...(migrate === 'all' ? boards : boards.slice(0, migrate))]);
      const report = await importAgreements(Buffer.from(agreementsCsv(boards.filter((b) => measured.has(b)))), { repository: agreements, file: 'agreements.csv' });
      return [report, `${measured.size} boards: ${report.imported.length} imported, ${report.rejected.length} rejected`];
    }, log);

    const support = new SupportRepository(dbs.support.db);
    await support.ensureIndexes();
    await timed(steps, 'support seed', async () => {
      await seedSupport(support, demo.support);
      return [null, `${demo.support.contacts.length} contacts`];
    }, log);

    const points = await dbs.mandates.db
      .collection<{ brin: string; kind: string }>('aanleverpunten')
      .find({ brin: { $in: typical[1] } }, { projection: { _id: 0, brin: 1, kind: 1 } })
      .toArray();
    const both = typical[1].find((brin) => points.some((p) => p.brin === brin && p.kind === 'SWV')) ?? typical[1][0]!;
    return {
      steps,
      largestBoard: { nummer: largestNummer, schools: largestSchools.length },
      typicalBoard: { nummer: typical[0], schools: typical[1].length },
      school: { brin: both, board: typical[0] },
      supplier: SUPPLIER_A.oin,
      counts: {
        boards: boards.length,
        schools: schools.length,
        aanleverpunten: await dbs.mandates.db.collection('aanleverpunten').countDocuments(),
        mandates: await dbs.mandates.db.collection('mandates').countDocuments(),
        agreements: await dbs.agreements.db.collection('agreements').countDocuments(),
      },
    };
  } finally {
    await stopOrganisations();
    await Promise.all(Object.values(dbs).map((d) => d.close()));
  }
}
