/**
 * npm run mandates:repair [-- --json]
 * After mandates were written around the mandate store (a fix by hand, a bulk load): gives
 * mandates without series keys their keys, brings `mandate_facts` (what the aggregates read)
 * in step with `mandates` and records a change that is not known exactly, so every running
 * mandates replica computes its kept aggregates again; then stores the yearly mandate check's
 * rows (check-rows.ts), so a replica that starts need not read every mandate's facts for them.
 * Uses MONGODB_URI (production) or the embedded database, like the other scripts. Run it
 * while no mandate is being written (or run it again afterwards). Exit code 0 when done, 1
 * when nothing was done (cli-outcome.ts); --json: one JSON document on stdout either way.
 */
import { parseArgs } from 'node:util';
import { connectDatabase, databaseName } from '@osr/common';
import { MandatesRepository } from '@osr/subgraph-mandates/repository';
import { dbPrefix, withDatabaseServer } from './cli-support.js';
import { commandOutput, messageOf } from './cli-outcome.js';

const out = commandOutput('mandates:repair');
let positionals: string[] = [];
try {
  ({ positionals } = parseArgs({ allowPositionals: true, options: { json: { type: 'boolean', default: false } } }));
} catch (err) {
  out.fail(`${messageOf(err)}\nusage: npm run mandates:repair [-- --json]`);
}
if (positionals.length) out.fail('usage: npm run mandates:repair [-- --json]');

try {
  await withDatabaseServer(async (uri) => {
    const database = await connectDatabase(uri, databaseName(dbPrefix(), 'mandates'));
    try {
      const repository = new MandatesRepository(database.db);
      await repository.ensureIndexes();
      const started = Date.now();
      const result = await repository.repairDerived();
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      out.finish(
        0,
        `series keys ${result.seriesKeys} filled in; facts ${result.inserted} added, ${result.replaced} replaced, ${result.removed} removed (${seconds} s); ${result.checkRows ? 'mandate check rows stored' : 'mandate check rows not stored (a mandate was written meanwhile: run it again)'}; kept aggregates will be computed again`,
        { ...result, seconds: Number(seconds) },
      );
    } finally {
      await database.close();
    }
  });
} catch (err) {
  out.fail(messageOf(err));
}
