/**
 * The national data set (npm run data:national, the benchmarks, the round-trip test): the
 * generated national RIO set through the RIO importer, a generated Mijn OSO export through
 * the OSO migration, agreements through the agreements import, support contacts and the
 * supplier catalogue through their seed code, generated mandates of the other services up to
 * a total, and a later RIO delta (schools that moved board or closed) that the mandates and
 * agreements subgraphs' feed followers turn into review flags and review items.
 * Deterministic: the same options give the same data. Each step is timed. Loading again
 * adds nothing twice (each step skips or upserts what is there), so it can load into a
 * database that holds other data (the demo data) and be run again after an interruption.
 */
import { randomBytes } from 'node:crypto';
import {
  connectDatabase,
  createLogger,
  createPeerClient,
  databaseName,
  listen,
  todayInNetherlands,
  type Database,
  type SubgraphName,
} from '@osr/common';
import { importAgreements } from '@osr/subgraph-agreements/import';
import { AgreementsRepository } from '@osr/subgraph-agreements/repository';
import { MandatesBulkLoad } from '@osr/subgraph-mandates/bulk';
import type { AanleverpuntDocument, SystemDocument } from '@osr/subgraph-mandates/documents';
import { MIGRATION_DATE, migrateOsoExport } from '@osr/subgraph-mandates/migration';
import { openRepositories } from '@osr/subgraph-mandates/open';
import { changeFeedApi, organisationsApi } from '@osr/subgraph-mandates/peers';
import type { SeedMandate } from '@osr/subgraph-mandates/seed';
import { createOrganisationsServer } from '@osr/subgraph-organisations';
import { OrganisationsRepository } from '@osr/subgraph-organisations/repository';
import { importRio } from '@osr/subgraph-organisations/rio';
import { generateNationalSet } from '@osr/subgraph-organisations/rio/generate';
import { SupportRepository } from '@osr/subgraph-support/repository';
import { seedSupport } from '@osr/subgraph-support/seed';
import { ChangeFollower } from '@osr/subgraph-agreements/review';
import { FeedFollower } from '@osr/subgraph-mandates/feed-follower';
import { buildDemoData, SUPPLIER_A, SUPPLIER_B } from '../demo-data.js';
import { addGeneratedMandates } from './analytics-data.js';

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
  /** Generated mandates of every service are added until the mandates collection holds this many (0: none). */
  mandates?: number;
  /** Schools that move to another board (and a fifth as many that close) in a RIO delta after the load; followed by both feed followers. */
  moves?: number;
  log?: (line: string) => void;
  /** Progress of a long step (rows, mandates): a bar on a terminal (cli-support.ts), or nothing. */
  progress?: (step: string) => (done: number, total: number) => void;
}

export interface LoadedData {
  steps: { step: string; seconds: number; detail: string }[];
  largestBoard: { nummer: string; schools: number };
  typicalBoard: { nummer: string; schools: number };
  /** a school of the typical board with an OV and an SWV point */
  school: { brin: string; board: string };
  supplier: string;
  /** 100 boards (or all, when fewer) spread over the size distribution, the largest first: the "different boards" load. */
  sample: { nummer: string; schools: number }[];
  /** schools (with their board) for the write benchmark: grant then end a mandate of `service` by `systemId`, which has none there that runs after today */
  writable: { brin: string; board: string; service: string; systemId: string }[];
  /** aanleverpunten, mandates and flagged mandates: of the set's schools and boards (the store may hold the demo data besides) */
  counts: { boards: number; schools: number; aanleverpunten: number; mandates: number; agreements: number; reviewItems: number; flaggedMandates: number };
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
function bulkMandates(schools: readonly { brin: string; boardNummer: string }[], systems: readonly SystemDocument[]): { mandates: SeedMandate[]; aanleverpunten: AanleverpuntDocument[] } {
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

/**
 * A RIO delta of the set a year on: `moves` schools (every so many, deterministic) belong to
 * the next board from `MOVE_DATE`, and a fifth as many others close on that day.
 */
export function organisationChangesDelta(bundle: Record<string, unknown>, moves: number): { bytes: Buffer; moved: number; closed: number } {
  const copy = structuredClone(bundle) as {
    peilmoment: string;
    peildatum: string;
    onderwijsbesturen: { bevoegdGezagNummer: string }[];
    onderwijsinstellingserkenningen: { bRIN4: string; bevoegdGezagNummer: string; begindatum: string }[];
    onderwijsaanbieders: { bRIN4: string; uitBedrijfdatum: string | null }[];
  };
  copy.peilmoment = `${MOVE_DATE}T06:00:00.000Z`;
  copy.peildatum = MOVE_DATE;
  // The largest board (the first) keeps its schools and gets none: the benchmark's 85-school board.
  const boards = copy.onderwijsbesturen.map((b) => b.bevoegdGezagNummer).slice(1);
  const open = new Set(copy.onderwijsaanbieders.filter((a) => a.uitBedrijfdatum === null).map((a) => a.bRIN4));
  const candidates = copy.onderwijsinstellingserkenningen.filter((e) => open.has(e.bRIN4) && e.begindatum < MOVE_DATE && boards.includes(e.bevoegdGezagNummer));
  const closes = Math.floor(moves / 5);
  const step = Math.max(1, Math.floor(candidates.length / Math.max(1, moves + closes)));
  let moved = 0;
  let closed = 0;
  for (let i = step - 1; i < candidates.length && moved + closed < moves + closes; i += step) {
    const erkenning = candidates[i]!;
    if (closed < closes && (moved + closed) % 6 === 5) {
      copy.onderwijsaanbieders.find((a) => a.bRIN4 === erkenning.bRIN4)!.uitBedrijfdatum = MOVE_DATE;
      closed++;
      continue;
    }
    const to = boards[(boards.indexOf(erkenning.bevoegdGezagNummer) + 1) % boards.length]!;
    if (to === erkenning.bevoegdGezagNummer) continue;
    erkenning.bevoegdGezagNummer = to;
    erkenning.begindatum = MOVE_DATE;
    moved++;
  }
  return { bytes: Buffer.from(JSON.stringify(copy)), moved, closed };
}

/** The day the generated schools move or close: after the set's peilmoment, before today. */
export const MOVE_DATE = '2026-11-16';

/** `count` boards spread evenly over the size order (largest first, the largest always in). */
export function sampleBoards(bySize: readonly { nummer: string; schools: number }[], count: number): { nummer: string; schools: number }[] {
  if (bySize.length <= count) return [...bySize];
  return Array.from({ length: count }, (_, i) => bySize[Math.floor((i * bySize.length) / count)]!);
}

/** Loads the whole data set under `prefix` (into fresh databases, or again: nothing twice). */
export async function loadBenchData(options: DataOptions): Promise<LoadedData> {
  const log = options.log ?? (() => undefined);
  const progress = options.progress ?? (() => () => undefined);
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
    const nationalBoards = new Set((set.bundle['onderwijsbesturen'] as { bevoegdGezagNummer: string }[]).map((b) => b.bevoegdGezagNummer));

    const organisations = new OrganisationsRepository(dbs.organisations.db);
    await organisations.ensureIndexes();
    await timed(steps, 'RIO import', async () => {
      // Imported before (an earlier run: every board is there): importing the set again would
      // undo the later moves of the organisation-changes delta, so it is left as it is.
      const found = await organisations.findBoards([...nationalBoards]);
      if (found.length === nationalBoards.size) return [null, 'every board of the set is there already: not imported again'];
      // As a delta (the same into fresh databases): only `osr rio import` and `osr rio sync` full snapshots end organisations.
      const report = await importRio(organisations, { name: 'rio-national.json', bytes: Buffer.from(JSON.stringify(set.bundle)) }, { mode: 'delta' });
      return [report, `${report.rejected} rejected`];
    }, log);

    // The set's schools as the import wrote them, by BRIN (the database may hold others: the demo data).
    const schools = (await organisations.schoolDirectory()).schools.filter((s) => nationalBoards.has(s.boardNummer));
    const boards = [...nationalBoards].sort();

    const mandates = await MandatesBulkLoad.open(dbs.mandates.db);
    const demo = buildDemoData();
    await timed(steps, 'catalogue seed', async () => {
      await mandates.seed({ ...demo.mandates, mandates: [], aanleverpunten: [] });
      return [null, `${demo.mandates.services.length} services, ${demo.mandates.suppliers.length} suppliers, ${demo.mandates.systems.length} systems`];
    }, log);

    // The migration checks schools against RIO through the organisations API, as in production.
    const secret = randomBytes(32).toString('base64url');
    const server = await createOrganisationsServer({ database: dbs.organisations, logger: createLogger('organisations', 'warn'), identitySecret: secret, peers: {} });
    const url = await listen(server.httpServer, 0);
    stopOrganisations = () => server.stop();
    const peer = createPeerClient({ name: 'organisations', url, caller: 'national-data', identitySecret: secret, timeoutMs: 60_000 });
    const perBoard = new Map<string, string[]>();
    for (const s of schools) perBoard.set(s.boardNummer, [...(perBoard.get(s.boardNummer) ?? []), s.brin]);
    const bySize = [...perBoard].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
    const typical = bySize.find(([, brins]) => brins.length === 5) ?? bySize[Math.floor(bySize.length / 2)]!;

    const migrate = options.migrate ?? 10;
    const migrated = new Set(migrate === 'all' ? schools.map((s) => s.brin) : [...typical[1], ...schools.slice(0, migrate).map((s) => s.brin)]);
    // A school with aanleverpunten was loaded before (an earlier run): the bulk part skips it.
    const loaded = new Set((await mandates.aanleverpuntenOfSchools(schools.map((s) => s.brin))).map((p) => p.brin));
    const bulk = schools.filter((s) => !migrated.has(s.brin) && !loaded.has(s.brin));
    if (bulk.length) {
      await timed(steps, 'OSO export, bulk part', async () => {
        const seed = bulkMandates(bulk, demo.mandates.systems);
        // In batches, as the migration would write them (it writes one slot at a time: minutes for the national set).
        const bar = progress('OSO export, bulk part');
        await mandates.loadMandates(seed, { by: 'data load', bySub: 'seed' }, (written, total) => bar(written, total));
        return [null, `${bulk.length} schools: ${seed.mandates.length} mandates, ${seed.aanleverpunten.length} aanleverpunten`];
      }, log);
    }
    const exportText = osoExport([...migrated].sort());
    // The migration and the feed follower write through the repositories, as the system does.
    const repositories = await openRepositories(dbs.mandates.db);
    await timed(steps, 'OSO migration', async () => {
      const bar = progress('OSO migration');
      const report = await migrateOsoExport(Buffer.from(exportText), {
        repository: repositories,
        progress: (done, total) => bar(done, total),
        organisations: organisationsApi(peer),
      });
      return [report, `${report.rows} rows, ${report.mandates.created} mandates created, ${report.mandates.alreadyMigrated} already there, ${report.aanleverpunten.created} aanleverpunten, ${report.rejected.length} rejected, ${report.schoolsToIssueMandate.length} schools to issue a mandate`];
    }, log);

    const agreements = new AgreementsRepository(dbs.agreements.db);
    await agreements.ensureIndexes();
    await timed(steps, 'agreements import', async () => {
      // The measured boards and as many others as schools migrated (the import writes one
      // agreement at a time with its history).
      const measured = new Set([bySize[0]![0], typical[0], ...(migrate === 'all' ? boards : boards.slice(0, migrate))]);
      const report = await importAgreements(Buffer.from(agreementsCsv(boards.filter((b) => measured.has(b)))), { repository: agreements, file: 'agreements.csv' });
      return [report, `${measured.size} boards: ${report.imported.length} imported, ${report.rejected.length} rejected`];
    }, log);

    const support = new SupportRepository(dbs.support.db);
    await support.ensureIndexes();
    await timed(steps, 'support seed', async () => {
      await seedSupport(support, demo.support);
      return [null, `${demo.support.contacts.length} contacts`];
    }, log);

    if (options.mandates) {
      const total = options.mandates;
      await timed(steps, 'mandates of the other services', async () => {
        const bar = progress('mandates of the other services');
        const added = await addGeneratedMandates(mandates, schools, {
          total,
          seed: options.seed ?? 20261101,
          today: GENERATED_TODAY,
          progress: (done, all) => bar(done, all),
        });
        return [added, `${added.added} added (${added.slots} slots, ${added.switches} switches): ${added.after} mandates in all`];
      }, log);
    }

    if (options.moves) {
      const moves = options.moves;
      await timed(steps, 'organisation changes (RIO delta)', async () => {
        const delta = organisationChangesDelta(set.bundle, moves);
        const report = await importRio(organisations, { name: `rio-delta-${MOVE_DATE}.json`, bytes: delta.bytes }, { mode: 'delta' });
        return [null, `${delta.moved} schools moved and ${delta.closed} closed on ${MOVE_DATE}, ${report.rejected} rejected`];
      }, log);
      // What the running subgraphs do every minute, done now: both followers read the feed
      // (from its start on a fresh database: every school the national import created).
      log('  the mandates and agreements subgraphs follow the organisation change feed (minutes on a fresh database: every change of the national import is read)');
      await timed(steps, 'mandates follow the feed', async () => {
        const followed = await new FeedFollower(changeFeedApi(peer), repositories.mandates).follow();
        return [null, `${followed.changesRead} changes read, ${followed.mandatesFlagged} mandates flagged for review`];
      }, log);
      await timed(steps, 'agreements follow the feed', async () => {
        const review = await new ChangeFollower(agreements, peer, createLogger('agreements', 'warn')).follow(Number.MAX_SAFE_INTEGER);
        return [null, `${review.processed} changes read, ${review.itemsCreated} review items created`];
      }, log);
    }
    // The derived data made once for the whole load (as `osr mandates repair` does), and the
    // mandate check's rows stored, so the system's first start answers from them instead of
    // reading every mandate's facts.
    await timed(steps, 'derived data', async () => {
      const done = await mandates.finish();
      return [null, `facts ${done.inserted} inserted, ${done.replaced} replaced; check rows ${done.checkRows ? 'stored' : 'not stored: a write ran meanwhile (the system computes them at its start)'}`];
    }, log);
    await stopOrganisations();
    stopOrganisations = async () => {};

    // The boards as they are now (after the moves).
    const now = (await organisations.schoolDirectory()).schools.filter((s) => nationalBoards.has(s.boardNummer));
    const sizes = new Map<string, string[]>();
    for (const s of now) sizes.set(s.boardNummer, [...(sizes.get(s.boardNummer) ?? []), s.brin]);
    const ordered = [...sizes].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0])).map(([nummer, brins]) => ({ nummer, schools: brins.length, brins }));
    const largest = ordered[0]!;
    const typicalNow = ordered.find((b) => b.nummer === typical[0]) ?? ordered.find((b) => b.schools === 5) ?? ordered[Math.floor(ordered.length / 2)]!;

    const points = await mandates.aanleverpuntenOfSchools(typicalNow.brins);
    const stored = await agreements.counts();
    // What the set holds now (the store may hold the demo data besides): every mandate its boards gave, every point of its schools.
    const setMandates = await mandates.mandatesOfBoards(boards);
    const both = typicalNow.brins.find((brin) => points.some((p) => p.brin === brin && p.kind === 'SWV')) ?? typicalNow.brins[0]!;
    return {
      steps,
      largestBoard: { nummer: largest.nummer, schools: largest.schools },
      typicalBoard: { nummer: typicalNow.nummer, schools: typicalNow.schools },
      school: { brin: both, board: typicalNow.nummer },
      supplier: SUPPLIER_A.oin,
      sample: sampleBoards(ordered.map(({ nummer, schools: n }) => ({ nummer, schools: n })), 100),
      writable: await writableSchools(mandates, largest.nummer, largest.brins, demo.mandates.systems),
      counts: {
        boards: boards.length,
        schools: now.length,
        aanleverpunten: (await mandates.aanleverpuntenOfSchools(now.map((s) => s.brin))).length,
        mandates: setMandates.length,
        agreements: stored.agreements,
        reviewItems: stored.reviewItems,
        flaggedMandates: setMandates.filter((m) => m.reviewReasons?.length).length,
      },
    };
  } finally {
    await stopOrganisations();
    await Promise.all(Object.values(dbs).map((d) => d.close()));
  }
}

/** The day the generated mandates take as today (fixed, so the same options give the same data). */
const GENERATED_TODAY = '2026-11-01';

/**
 * For the write benchmark: per school of the board, an OSO OV system (the LAS systems of the
 * catalogue) with no mandate there that runs past today, so granting it from a later day
 * never overlaps; schools without one are left out.
 */
async function writableSchools(mandates: MandatesBulkLoad, board: string, brins: readonly string[], systems: readonly SystemDocument[]): Promise<LoadedData['writable']> {
  const today = todayInNetherlands();
  const ov = systems.filter((s) => s.services.includes('OSO_OV')).map((s) => s.id).sort();
  const out: LoadedData['writable'] = [];
  const ofSchools = await mandates.mandatesOfSchools(brins, ['OSO_OV']);
  for (const brin of [...brins].sort()) {
    const running = ofSchools.filter((m) => m.brin === brin);
    const free = ov.find((id) => !running.some((m) => m.systemId === id && (m.endDate === null || m.endDate >= today)));
    if (free) out.push({ brin, board, service: 'OSO_OV', systemId: free });
  }
  return out;
}
