/**
 * npm run mandates:repair [-- --json]
 * After mandates were written around the mandate store (a fix by hand, a bulk load): brings
 * `mandate_facts` (what the aggregates read) in step with `mandates` and records a change that
 * is not known exactly, so every running mandates replica computes its kept aggregates again.
 * Uses MONGODB_URI (production) or the embedded database, like the other scripts. Run it
 * while no mandate is being written (or run it again afterwards).
 */
import { parseArgs } from 'node:util';
import { connectDatabase, databaseName } from '@osr/common';
import { MandatesRepository } from '@osr/subgraph-mandates/repository';
import { dbPrefix, withDatabaseServer } from './cli-support.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
if (positionals.length) {
  console.error('usage: npm run mandates:repair [-- --json]');
  process.exit(2);
}

try {
  await withDatabaseServer(async (uri) => {
    const database = await connectDatabase(uri, databaseName(dbPrefix(), 'mandates'));
    try {
      const repository = new MandatesRepository(database.db);
      await repository.ensureIndexes();
      const started = Date.now();
      const result = await repository.repairDerived();
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (values.json) console.log(JSON.stringify({ ...result, seconds: Number(seconds) }));
      else console.log(`mandates:repair: facts ${result.inserted} added, ${result.replaced} replaced, ${result.removed} removed (${seconds} s); kept aggregates will be computed again`);
    } finally {
      await database.close();
    }
  });
} catch (err) {
  console.error(`mandates:repair: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
