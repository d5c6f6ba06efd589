import { connectDatabase, databaseName, type Database, type SubgraphName } from '@osr/common';
import { AgreementsRepository } from '@osr/subgraph-agreements/repository';
import { seedAgreements } from '@osr/subgraph-agreements/seed';
import { MandatesRepository } from '@osr/subgraph-mandates/repository';
import { seedMandates } from '@osr/subgraph-mandates/seed';
import { OrganisationsRepository } from '@osr/subgraph-organisations/repository';
import { importRio } from '@osr/subgraph-organisations/rio';
import { SupportRepository } from '@osr/subgraph-support/repository';
import { seedSupport } from '@osr/subgraph-support/seed';
import { readFileSync } from 'node:fs';
import { buildDemoData, type DemoData } from './demo-data.js';

/** The demo organisations, as a RIO file: they enter the store through the RIO import. */
export const DEMO_RIO_FILE = new URL('./demo/rio-demo.json', import.meta.url);

const SEED_MARK = 'demo-seed';
const SUBGRAPHS: SubgraphName[] = ['organisations', 'mandates', 'agreements', 'support'];

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
      SUBGRAPHS.map((n) => dbs[n].db.collection<{ _id: string }>('meta').findOne({ _id: SEED_MARK })),
    );
    return marks.every((m) => m !== null);
  });
}

/**
 * Loads the demo data into each subgraph's own database (through each subgraph's own seed
 * code) and marks each database as seeded. Idempotent: documents are replaced by key.
 */
export function seedDemo(uri: string, prefix: string, data: DemoData = buildDemoData()): Promise<void> {
  return withDatabases(uri, prefix, async (dbs) => {
    const organisations = new OrganisationsRepository(dbs.organisations.db);
    await organisations.ensureIndexes();
    // Organisations come from RIO only: the demo RIO file, which holds exactly
    // data.organisations (checked by subgraphs/organisations/test/demo-rio-file.test.ts).
    const rio = await importRio(
      organisations,
      { name: 'scripts/demo/rio-demo.json', bytes: readFileSync(DEMO_RIO_FILE) },
      { mode: 'full' },
    );
    if (rio.rejected > 0) throw new Error(`The demo RIO file has ${rio.rejected} rejected record(s): ${JSON.stringify(rio.rejections)}`);
    const mandates = new MandatesRepository(dbs.mandates.db);
    await mandates.ensureIndexes();
    await seedMandates(mandates, data.mandates);
    const agreements = new AgreementsRepository(dbs.agreements.db);
    await agreements.ensureIndexes();
    await seedAgreements(agreements, data.agreements);
    const support = new SupportRepository(dbs.support.db);
    await support.ensureIndexes();
    await seedSupport(support, data.support);
    const at = new Date();
    for (const name of SUBGRAPHS) {
      await dbs[name].db
        .collection<{ _id: string; at: Date }>('meta')
        .replaceOne({ _id: SEED_MARK }, { at }, { upsert: true });
    }
  });
}
