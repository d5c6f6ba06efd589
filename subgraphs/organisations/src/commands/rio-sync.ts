/**
 * osr rio sync [--reference-date <YYYY-MM-DD>] [--json] [--allow-mass-end]   (npm run rio:sync)
 * osr rio sync --board <bevoegd gezag nummer>   (one board, by its relation links, as a delta)
 *
 * One full sync from the RIO API (RIO_API_URL, RIO_API_KEY, RIO_SYNC_* as for the
 * organisations service) into the organisations database (the one the command line names).
 * A sync that stopped early (crash, Ctrl-C, give-up) is continued.
 * Exit codes as every operator command (@osr/common/cli): 0 all records taken; 2 some records
 * rejected (the rest imported); 1 the sync did not finish or nothing was done (see the report;
 * the next run continues from the pages stored). --json: one JSON document on stdout for
 * every outcome, errors included.
 */
import { z } from 'zod';
import { ConfigError, createLogger, isoDateProblem, parseConfig } from '@osr/common';
import { exitCodeOf, messageOf, type CommandContext, type CommandSpec, type ExitCode } from '@osr/common/cli';
import { ImportBusyError, ImportFileError, formatReport } from '../rio/import.js';
import { syncBoard } from '../rio/board-sync.js';
import { RioApiError } from '../rio/api-client.js';
import { RioSyncBusyError, runRioSync, type RioSyncProgress } from '../rio/sync.js';
import { rioSyncConfig, rioSyncEnvSchema } from '../rio/sync-config.js';
import { RioSyncRepository } from '../rio/sync-repository.js';
import { withOrganisations } from './repository.js';

const USAGE = 'usage: osr rio sync [--board 41234] [--reference-date 2026-11-01] [--json] [--allow-mass-end]   (needs RIO_API_URL, RIO_API_KEY)';

const environment = rioSyncEnvSchema.extend({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
});

async function run(options: Record<string, unknown>, ctx: CommandContext): Promise<void> {
  const { out, progress } = ctx;
  const fail: (message: string) => never = (message) => out.fail(message);
  const values = {
    board: options['board'] as string | undefined,
    'reference-date': options['referenceDate'] as string | undefined,
    'allow-mass-end': options['allowMassEnd'] === true,
    json: out.json,
  };
  const board = values.board;
  if (board !== undefined && !/^\d{5}$/.test(board)) fail(`--board ${JSON.stringify(board)} is invalid: a bevoegd gezag nummer has 5 digits`);
  const referenceDate = values['reference-date'];
  if (referenceDate !== undefined && isoDateProblem(referenceDate)) {
    fail(`--reference-date ${JSON.stringify(referenceDate)} is invalid: ${isoDateProblem(referenceDate)}`);
  }
  let config;
  try {
    config = parseConfig(environment);
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

  const fetching = progress('[rio:sync] fetching pages');
  const onProgress = (p: RioSyncProgress) => {
    if (p.phase === 'fetching') fetching(p.done, p.total);
    else if (p.phase === 'importing') console.error('[rio:sync] importing');
  };
  let exitCode = 0;
  await withOrganisations(ctx, async (repository, database) => {
    try {
      if (board) {
        // One board by its relation links, imported as a delta (no lock of its own: the import's).
        try {
          const report = await syncBoard(repository, sync, board, { signal: stop.signal, ...(referenceDate ? { referenceDate } : {}) });
          exitCode = out.finish(
            exitCodeOf(report.recordsRead, report.rejected),
            `board ${board}: ${report.recordsRead} records read, ${report.rejected} rejected; created ${report.created}, updated ${report.updated}, ended ${report.ended}, moved ${report.moved}, unchanged ${report.unchanged}`,
            report,
            formatReport(report),
          );
        } catch (err) {
          if (!(err instanceof RioApiError || err instanceof ImportBusyError || err instanceof ImportFileError)) throw err;
          fail(`Nothing synced: ${err.message}`);
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
      const lines = [
        `Sync ${run.syncId} (attempt ${run.attempts}): ${run.outcome} in ${seconds} s`,
        `  ${run.apiUrl}, datumGeldigOp ${run.referenceDate}; pages ${run.pagesFetched}/${run.pagesTotal ?? '?'}` +
          `${resumedPages ? ` (${resumedPages} from an earlier attempt)` : ''}; ${run.requests} requests, ${run.retries} retries`,
        ...(run.error ? [`  ${run.error}`] : []),
        ...(report ? formatReport(report).map((line) => `  ${line}`) : []),
      ];
      const code: ExitCode = run.outcome === 'SUCCEEDED' ? 0 : run.outcome === 'SUCCEEDED_WITH_REJECTIONS' ? (report ? exitCodeOf(report.recordsRead, report.rejected) : 2) : 1;
      const summary = report
        ? `${run.outcome}: ${report.recordsRead} records read, ${report.rejected} rejected; created ${report.created}, updated ${report.updated}, ended ${report.ended}, moved ${report.moved}, unchanged ${report.unchanged}`
        : `${run.outcome}: ${run.error ?? 'nothing imported'} (pages ${run.pagesFetched}/${run.pagesTotal ?? '?'} kept for the next run)`;
      exitCode = out.finish(code, summary, { run, report }, lines);
    } catch (err) {
      if (err instanceof RioSyncBusyError) fail(`Nothing synced: ${err.message}`);
      throw err;
    }
  }).catch((err: unknown) => fail(`Nothing synced: ${messageOf(err)}`));
  process.exitCode = exitCode;
}

export const rioSync: CommandSpec = {
  group: 'rio',
  name: 'sync',
  alias: 'rio:sync',
  summary: 'one sync from the RIO API (RIO_API_URL, RIO_API_KEY), continuing one that stopped early; or one board',
  help: `Environment: RIO_API_URL, RIO_API_KEY and RIO_SYNC_* as for the organisations service (docs/rio.md).
${USAGE}`,
  options: [
    { flags: '--board <nummer>', description: 'sync one board (bevoegd gezag nummer, 5 digits) by its relation links, as a delta' },
    { flags: '--reference-date <date>', description: 'the RIO date to read (datumGeldigOp, YYYY-MM-DD); default today' },
    { flags: '--allow-mass-end', description: 'allow ending more organisations than the safety limit' },
  ],
  run: (_args, options, ctx) => run(options, ctx).catch((err: unknown) => ctx.out.fail(`Nothing synced: ${messageOf(err)}`)),
};
