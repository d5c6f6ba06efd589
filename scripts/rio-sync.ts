/**
 * npm run rio:sync -- [--reference-date <YYYY-MM-DD>] [--json] [--allow-mass-end]
 * npm run rio:sync -- --board <bevoegd gezag nummer>   (one board, by its relation links, as a delta)
 *
 * One full sync from the RIO API (RIO_API_URL, RIO_API_KEY, RIO_SYNC_* as for the
 * organisations service) into the organisations database: MONGODB_URI when set, else the
 * embedded database of a running `npm start`, else the embedded database in OSR_DATA_DIR,
 * started for this run. A sync that stopped early (crash, Ctrl-C, give-up) is continued.
 * Exit code 0: all records taken; 2: some records rejected (the rest imported); 1: the sync
 * did not finish (see the report; the next run continues from the pages stored).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, connectDatabase, createLogger, databaseName, isoDateProblem, parseConfig, redactUri } from '@osr/common';
import { OrganisationsRepository } from '@osr/subgraph-organisations/repository';
import { ImportBusyError, ImportFileError, formatReport } from '@osr/subgraph-organisations/rio';
import { syncBoard } from '@osr/subgraph-organisations/rio/board-sync';
import { RioApiError } from '@osr/subgraph-organisations/rio/api-client';
import { RioSyncBusyError, runRioSync, type RioSyncProgress } from '@osr/subgraph-organisations/rio/sync';
import { rioSyncConfig, rioSyncEnvSchema } from '@osr/subgraph-organisations/rio/sync-config';
import { RioSyncRepository } from '@osr/subgraph-organisations/rio/sync-repository';
import { progressReporter, withDatabaseServer } from './cli-support.js';
import { SetupError, repoRoot } from './ferretdb.js';

const USAGE =
  'usage: npm run rio:sync -- [--board 41234] [--reference-date 2026-11-01] [--json] [--allow-mass-end]   (needs RIO_API_URL, RIO_API_KEY)';

const env = rioSyncEnvSchema.extend({
  MONGODB_URI: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// connection string').optional(),
  ),
  OSR_DATA_DIR: z.string().default(join(repoRoot, '.data')),
  DB_PREFIX: z.string().regex(/^[a-z0-9_]{1,20}$/, 'lower-case letters, digits and _ only, at most 20').default('osr_'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
});

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

async function main() {
  let args;
  try {
    args = parseArgs({
      options: {
        'reference-date': { type: 'string' },
        board: { type: 'string' },
        json: { type: 'boolean' },
        'allow-mass-end': { type: 'boolean' },
        help: { type: 'boolean' },
      },
    });
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`);
  }
  const { values } = args;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const board = values.board;
  if (board !== undefined && !/^\d{5}$/.test(board)) fail(`--board ${JSON.stringify(board)} is invalid: a bevoegd gezag nummer has 5 digits`);
  const referenceDate = values['reference-date'];
  if (referenceDate !== undefined && isoDateProblem(referenceDate)) {
    fail(`--reference-date ${JSON.stringify(referenceDate)} is invalid: ${isoDateProblem(referenceDate)}`);
  }
  let config;
  try {
    config = parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const sync = rioSyncConfig(config);
  if (!sync) fail(`RIO_API_URL is not set: the RIO API to sync from\n${USAGE}`);
  if (values['allow-mass-end']) sync.maxEnded = Infinity;
  // Logs go to stdout (pino): none with --json, whose stdout is the report.
  const logger = createLogger('rio:sync', values.json ? 'silent' : config.LOG_LEVEL);

  // Ctrl-C stops the sync cleanly: the pages fetched so far are kept for the next run.
  const stop = new AbortController();
  process.once('SIGINT', () => {
    console.error('[rio:sync] stopping (the pages fetched so far are kept; run again to continue)');
    stop.abort();
  });
  process.once('SIGTERM', () => stop.abort());

  const fetching = progressReporter('[rio:sync] fetching pages');
  const onProgress = (p: RioSyncProgress) => {
    if (p.phase === 'fetching') fetching(p.done, p.total);
    else if (p.phase === 'importing') console.error('[rio:sync] importing');
  };
  let exitCode = 0;
  await withDatabaseServer(async (uri) => {
    const database = await connectDatabase(uri, databaseName(config.DB_PREFIX, 'organisations')).catch((err: Error) =>
      fail(`Cannot reach the database at ${redactUri(uri)}: ${err.message}`),
    );
    try {
      const repository = new OrganisationsRepository(database.db);
      await repository.ensureIndexes();
      if (board) {
        // One board by its relation links, imported as a delta (no lock of its own: the import's).
        try {
          const report = await syncBoard(repository, sync, board, { signal: stop.signal, ...(referenceDate ? { referenceDate } : {}) });
          if (values.json) console.log(JSON.stringify(report, null, 2));
          else for (const line of formatReport(report)) console.log(line);
          exitCode = report.rejected > 0 ? 2 : 0;
        } catch (err) {
          if (!(err instanceof RioApiError || err instanceof ImportBusyError || err instanceof ImportFileError)) throw err;
          console.error(`Nothing synced: ${err.message}`);
          exitCode = 1;
        }
        return;
      }
      const syncs = new RioSyncRepository(database.db);
      await syncs.ensureIndexes();
      const started = Date.now();
      const { run, report, resumedPages } = await runRioSync(repository, syncs, sync, {
        trigger: 'COMMAND',
        signal: stop.signal,
        logger,
        onProgress,
        ...(referenceDate ? { referenceDate } : {}),
      });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (values.json) {
        console.log(JSON.stringify({ run, report }, null, 2));
      } else {
        console.log(`Sync ${run.syncId} (attempt ${run.attempts}): ${run.outcome} in ${seconds} s`);
        console.log(
          `  ${run.apiUrl}, datumGeldigOp ${run.referenceDate}; pages ${run.pagesFetched}/${run.pagesTotal ?? '?'}` +
            `${resumedPages ? ` (${resumedPages} from an earlier attempt)` : ''}; ${run.requests} requests, ${run.retries} retries`,
        );
        if (run.error) console.log(`  ${run.error}`);
        if (report) for (const line of formatReport(report)) console.log(`  ${line}`);
      }
      exitCode = run.outcome === 'SUCCEEDED' ? 0 : run.outcome === 'SUCCEEDED_WITH_REJECTIONS' ? 2 : 1;
    } catch (err) {
      if (err instanceof RioSyncBusyError) {
        console.error(`Nothing synced: ${err.message}`);
        exitCode = 1;
      } else throw err;
    } finally {
      await database.close();
    }
  }, (line) => console.error(`[rio:sync] ${line}`)).catch((err: unknown) => {
    if (err instanceof SetupError) fail(err.message);
    throw err;
  });
  process.exitCode = exitCode;
}

await main();
