import { connectDatabase, databaseName, type Database, type SubgraphName } from '@osr/common';
import { AgreementsRepository } from '@osr/subgraph-agreements/repository';
import { seedAgreements } from '@osr/subgraph-agreements/seed';
import { MandatesBulkLoad } from '@osr/subgraph-mandates/bulk';
import { OrganisationsRepository } from '@osr/subgraph-organisations/repository';
import { importRio } from '@osr/subgraph-organisations/rio';
import { SupportRepository } from '@osr/subgraph-support/repository';
import { seedSupport } from '@osr/subgraph-support/seed';
import { readFileSync } from 'node:fs';
import type { Db } from 'mongodb';
import { buildDemoData, type DemoData } from './demo-data.js';

/** The demo organisations, as a RIO file: they enter the store through the RIO import. */
export const DEMO_RIO_FILE = new URL('./demo/rio-demo.json', import.meta.url);

/**
 * The seed's marks, in a collection `meta` of every database. That collection is the seed's,
 * not a package's: no package reads or writes it (no package's list of collections holds it:
 * test/scripts-imports.test.ts), so the seed names it; the packages' data it asks of their
 * repositories (holdsData), never of their collections.
 */
const MARKS = 'meta';
const SEED_MARK = 'demo-seed';
/** Written into every database before the demo data goes in: an interrupted seed may be resumed. */
const SEEDING_MARK = 'demo-seed-started';
const SUBGRAPHS: SubgraphName[] = ['organisations', 'mandates', 'agreements', 'support'];

/**
 * What of each subgraph's data a store holds, as each package says for itself (not
 * bookkeeping such as marks, locks, counters, nor reference data such as the service
 * catalogue, which every start puts in place). Reads only.
 */
const HOLDS_DATA: Record<SubgraphName, (db: Db) => Promise<string[]>> = {
  organisations: (db) => new OrganisationsRepository(db).holdsData(),
  mandates: (db) => MandatesBulkLoad.holdsData(db),
  agreements: (db) => new AgreementsRepository(db).holdsData(),
  support: (db) => new SupportRepository(db).holdsData(),
};

export type DemoDecision =
  | { action: 'kept'; reason: 'demo data already loaded' }
  | { action: 'loaded' }
  | { action: 'skipped'; holdingData: string[] };

async function withDatabases<T>(uri: string, prefix: string, work: (dbs: Record<SubgraphName, Database>) => Promise<T>) {
  const dbs = {} as Record<SubgraphName, Database>;
  try {
    for (const name of SUBGRAPHS) dbs[name] = await connectDatabase(uri, databaseName(prefix, name));
    return await work(dbs);
  } finally {
    await Promise.all(Object.values(dbs).map((d) => d.close()));
  }
}

/** True when the demo data was loaded into these databases before. */
export function isSeeded(uri: string, prefix: string): Promise<boolean> {
  return withDatabases(uri, prefix, async (dbs) => {
    const marks = await Promise.all(
      SUBGRAPHS.map((n) => dbs[n].db.collection<{ _id: string }>(MARKS).findOne({ _id: SEED_MARK })),
    );
    return marks.every((m) => m !== null);
  });
}

/**
 * Where data that is not (only) the demo's already lies: "<database>.<collection>" of every
 * data collection holding a document in a database without a demo mark. One findOne per
 * collection (no counting).
 */
export function foreignData(uri: string, prefix: string): Promise<string[]> {
  return withDatabases(uri, prefix, async (dbs) => {
    const found: string[] = [];
    for (const name of SUBGRAPHS) {
      const meta = dbs[name].db.collection<{ _id: string }>(MARKS);
      const marked = (await meta.findOne({ _id: SEED_MARK })) ?? (await meta.findOne({ _id: SEEDING_MARK }));
      if (marked) continue;
      const held = await HOLDS_DATA[name](dbs[name].db);
      found.push(...held.map((what) => `${databaseName(prefix, name)}.${what}`));
    }
    return found;
  });
}

/**
 * The start sequence's decision: demo data goes only into an empty store (or one whose only
 * data is an earlier, possibly interrupted, demo seed). A store holding anything else is left
 * exactly as it is: nothing loaded, nothing ended.
 */
export async function loadDemoIfEmpty(uri: string, prefix: string, log: (line: string) => void = () => {}): Promise<DemoDecision> {
  if (await isSeeded(uri, prefix)) return { action: 'kept', reason: 'demo data already loaded' };
  const holdingData = await foreignData(uri, prefix);
  if (holdingData.length) return { action: 'skipped', holdingData };
  log('loading the demo data (first start)...');
  await seedDemo(uri, prefix);
  return { action: 'loaded' };
}

/**
 * Loads the demo data into each subgraph's own database (through each subgraph's own seed
 * code) and marks each database as seeded. Idempotent: documents are replaced by key. Call it
 * through loadDemoIfEmpty, which refuses a store holding other data.
 */
export function seedDemo(uri: string, prefix: string, data: DemoData = buildDemoData()): Promise<void> {
  return withDatabases(uri, prefix, async (dbs) => {
    const started = new Date();
    for (const name of SUBGRAPHS) {
      await dbs[name].db.collection<{ _id: string; at: Date }>(MARKS).replaceOne({ _id: SEEDING_MARK }, { at: started }, { upsert: true });
    }
    const organisations = new OrganisationsRepository(dbs.organisations.db);
    await organisations.ensureIndexes();
    // Organisations come from RIO only: the demo RIO file, which holds exactly
    // data.organisations (checked by subgraphs/organisations/test/demo-rio-file.test.ts).
    // As a delta: the seed adds and updates, it never ends an organisation (only an explicit
    // `osr rio import` or `osr rio sync` full snapshot may).
    const rio = await importRio(
      organisations,
      { name: 'scripts/demo/rio-demo.json', bytes: readFileSync(DEMO_RIO_FILE) },
      { mode: 'delta' },
    );
    if (rio.rejected > 0) throw new Error(`The demo RIO file has ${rio.rejected} rejected record(s): ${JSON.stringify(rio.rejections)}`);
    const mandates = await MandatesBulkLoad.open(dbs.mandates.db);
    await mandates.seed(data.mandates);
    const agreements = new AgreementsRepository(dbs.agreements.db);
    await agreements.ensureIndexes();
    await seedAgreements(agreements, data.agreements);
    const support = new SupportRepository(dbs.support.db);
    await support.ensureIndexes();
    await seedSupport(support, data.support);
    const at = new Date();
    for (const name of SUBGRAPHS) {
      await dbs[name].db
        .collection<{ _id: string; at: Date }>(MARKS)
        .replaceOne({ _id: SEED_MARK }, { at }, { upsert: true });
    }
  });
}

/**
 * The board with the most open schools in the store (ties: the lowest number), for the token
 * hint `osr start` prints; null when the store has no schools. One aggregation at start.
 */
export function largestBoard(uri: string, prefix: string): Promise<string | null> {
  return withDatabases(uri, prefix, (dbs) => new OrganisationsRepository(dbs.organisations.db).largestBoard());
}
