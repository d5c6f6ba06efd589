/**
 * The indexes each repository declares are the ones the database uses. On the embedded
 * database (FerretDB over PostgreSQL) that means: every declared index has its GIN
 * expression index in PostgreSQL, the server runs with plan_cache_mode = force_custom_plan
 * (a generic plan has the field name as a parameter and matches no index), and a find by an
 * indexed field, made through FerretDB as the subgraphs make it, is answered by that index.
 * Skipped when the test database is not FerretDB over PostgreSQL (MONGODB_URI on MongoDB).
 */
import { inject, describe, expect, it, afterAll } from 'vitest';
import { connectDatabase, databaseName, ferretdbPostgresOf, type Database } from '@osr/common';
import { OrganisationsRepository, ORGANISATIONS_INDEXES } from '../../subgraphs/organisations/src/repository.js';
import { directAccess } from '../../subgraphs/mandates/src/repositories/direct.js';
import { MANDATES_INDEXES } from '../../subgraphs/mandates/src/repositories/index.js';
import { STORE_INDEXES } from '../../subgraphs/mandates/src/repositories/mandate-store.js';
import { READ_MODEL_INDEXES } from '../../subgraphs/mandates/src/read-model/collections.js';
import { databaseUri, freshPrefix } from '../support/system.js';
import '../support/provided.js';

const postgresUrl = inject('postgresUrl');

describe.skipIf(!postgresUrl)('indexes on FerretDB over PostgreSQL', () => {
  const prefix = freshPrefix();
  const opened: Database[] = [];
  afterAll(async () => {
    for (const database of opened) {
      await database.db.dropDatabase().catch(() => undefined);
      await database.close();
    }
  });

  async function open(subgraph: 'organisations' | 'mandates') {
    const database = await connectDatabase(databaseUri(), databaseName(prefix, subgraph), { ferretdbPostgresUrl: postgresUrl });
    opened.push(database);
    const companion = ferretdbPostgresOf(database.client);
    if (!companion) throw new Error('no PostgreSQL companion');
    return { database, companion };
  }

  it('creates a valid GIN index for every declared index of the organisations and mandates repositories', async () => {
    const org = await open('organisations');
    await new OrganisationsRepository(org.database.db).ensureIndexes();
    const mandates = await open('mandates');
    await directAccess(mandates.database.db).ensureIndexes();

    const rows = await org.companion.listGinIndexes([databaseName(prefix, 'organisations'), databaseName(prefix, 'mandates')]);
    const have = new Set(rows.filter((r) => r.valid).map((r) => `${r.schema}.${r.collection}:${r.fields.join(',')}`));
    const expected: string[] = [];
    const add = (subgraph: string, declared: Record<string, { indexes: readonly { keys: Record<string, number>; gin?: readonly string[] }[]; byId?: boolean }>) => {
      for (const [collection, { indexes, byId }] of Object.entries(declared)) {
        for (const spec of indexes) {
          const fields = spec.gin ? [...spec.gin] : Object.keys(spec.keys);
          if (fields.length > 0) expected.push(`${databaseName(prefix, subgraph as 'mandates')}.${collection}:${fields.join(',')}`);
        }
        if (byId) expected.push(`${databaseName(prefix, subgraph as 'mandates')}.${collection}:_id`);
      }
    };
    add('organisations', ORGANISATIONS_INDEXES);
    add('mandates', MANDATES_INDEXES);
    add('mandates', STORE_INDEXES);
    add('mandates', READ_MODEL_INDEXES);
    expect(expected.length).toBeGreaterThan(10);
    for (const index of expected) expect(have, `GIN index ${index}`).toContain(index);
  });

  it('runs with plan_cache_mode = force_custom_plan, so prepared statements keep using the indexes', async () => {
    const { companion } = await open('organisations');
    expect(await companion.planCacheMode()).toBe('force_custom_plan');
  });

  it('answers finds by brin made through FerretDB with the GIN index, forty in a row', async () => {
    const { database, companion } = await open('organisations');
    const repo = new OrganisationsRepository(database.db);
    await repo.ensureIndexes();
    const docs = Array.from({ length: 3000 }, (_, i) => ({ brin: `${String(i).padStart(4, '0')}`, boardNummer: String(10000 + (i % 50)), name: `school ${i}` }));
    await database.db.collection('schools').insertMany(docs);
    await companion.analyze(databaseName(prefix, 'organisations'), 'schools');

    // The plan PostgreSQL makes for FerretDB's pushed-down equality.
    const plan = await companion.explainEquality(databaseName(prefix, 'organisations'), 'schools', { brin: '0042' });
    expect(plan).toMatch(/Bitmap Index Scan on \S*brin_gin/);

    // Through FerretDB, as the subgraphs query: every find must count as a scan of the GIN
    // index (a prepared statement may turn generic after five executions; plan_cache_mode,
    // checked above, forbids that).
    const before = await companion.indexScans(databaseName(prefix, 'organisations'), 'schools', 'brin');
    for (let i = 0; i < 40; i++) {
      const found = await database.db.collection('schools').findOne({ brin: `${String(100 + i).padStart(4, '0')}` });
      expect(found?.['name']).toBe(`school ${100 + i}`);
    }
    // PostgreSQL publishes its counters within about a second of a backend going idle (at most 10 s).
    let after = before;
    for (let waited = 0; waited < 20_000 && after < before + 40; waited += 250) {
      await new Promise((r) => setTimeout(r, 250));
      after = await companion.indexScans(databaseName(prefix, 'organisations'), 'schools', 'brin');
    }
    expect(after - before).toBeGreaterThanOrEqual(40);
  });
});
