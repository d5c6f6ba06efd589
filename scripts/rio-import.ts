/**
 * npm run rio:import -- <file> [--delta] [--dry-run] [--synced-at <moment>] [--reference-date <date>] [--json] [--allow-mass-end]
 * (a CSV file describes --reference-date, default today; a snapshot not later than the last
 * one imported is refused when it changes anything)
 * npm run rio:import -- --boards besturen.csv vestigingen.csv --sector PO [...]   (DUO's two files of one sector)
 *
 * Imports a RIO JSON bundle (.json), a DUO CSV file (.csv), or DUO's pair of a boards file and
 * a (hoofd)vestigingen file of one sector, into the organisations database: MONGODB_URI when
 * set, else the embedded database of a running `npm start` (it records where it listens),
 * else the embedded database in OSR_DATA_DIR, started for this run. Prints progress and a
 * report. Exit codes as every one-off command (cli-outcome.ts): 0 all records taken; 2 some
 * rejected (the rest was imported); 1 nothing imported (bad file, bad arguments, database
 * unreachable, import running, every record rejected). With --json, stdout is one JSON
 * document for every outcome.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, connectDatabase, databaseName, isoDateProblem, parseConfig, redactUri, todayInNetherlands } from '@osr/common';
import { SECTORS, type Sector } from '@osr/subgraph-organisations/documents';
import { OrganisationsRepository } from '@osr/subgraph-organisations/repository';
import {
  ImportBusyError,
  ImportFileError,
  formatReport,
  importRio,
  type ImportProgress,
} from '@osr/subgraph-organisations/rio';
import { withDatabaseServer } from './cli-support.js';
import { commandOutput, exitCodeOf, messageOf } from './cli-outcome.js';
import { SetupError, repoRoot } from './ferretdb.js';

const USAGE =
  'usage: npm run rio:import -- <file.json|file.csv> [--delta] [--dry-run] [--synced-at 2026-11-01T06:00:00Z] [--reference-date 2026-11-01] [--json] [--allow-mass-end]\n' +
  '       npm run rio:import -- --boards besturen.csv vestigingen.csv --sector PO|SO|VO|MBO [same options]';

const out = commandOutput('rio:import');

const env = z.object({
  MONGODB_URI: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// connection string').optional(),
  ),
  OSR_DATA_DIR: z.string().default(join(repoRoot, '.data')),
  DB_PREFIX: z.string().regex(/^[a-z0-9_]{1,20}$/, 'lower-case letters, digits and _ only, at most 20').default('osr_'),
});

function fail(message: string): never {
  return out.fail(message);
}

/** A progress bar on a terminal; plain lines (per phase and every 10%) otherwise. */
function progressPrinter(tty: boolean) {
  let lastPhase = '';
  let lastTenth = -1;
  return (p: ImportProgress) => {
    if (p.phase === 'done') {
      if (tty) process.stderr.write('\n');
      return;
    }
    const fraction = p.total ? p.done / p.total : 1;
    if (tty) {
      const width = 30;
      const filled = Math.round(fraction * width);
      process.stderr.write(`\r${p.phase.padEnd(9)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}% ${p.done}/${p.total}   `);
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (p.phase !== lastPhase || tenth !== lastTenth) {
      console.error(`[rio:import] ${p.phase} ${Math.round(fraction * 100)}% (${p.done}/${p.total})`);
      lastPhase = p.phase;
      lastTenth = tenth;
    }
  };
}

async function main() {
  let args;
  try {
    args = parseArgs({
      allowPositionals: true,
      options: {
        delta: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        'synced-at': { type: 'string' },
        'reference-date': { type: 'string' },
        json: { type: 'boolean' },
        'allow-mass-end': { type: 'boolean' },
        boards: { type: 'string' },
        sector: { type: 'string' },
        help: { type: 'boolean' },
      },
    });
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = args;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (positionals.length !== 1) fail(`give one file\n${USAGE}`);
  const read = (file: string) => {
    const path = resolve(file);
    try {
      return { bytes: readFileSync(path) };
    } catch (err) {
      return fail(`Cannot read ${path}: ${(err as Error).message}`);
    }
  };
  const { bytes } = read(positionals[0]!);
  const boardsFile = values.boards === undefined ? undefined : { name: values.boards, ...read(values.boards) };
  let sector: Sector | undefined;
  if (values.sector !== undefined) {
    const upper = values.sector.toUpperCase();
    if (!(SECTORS as readonly string[]).includes(upper)) fail(`--sector ${JSON.stringify(values.sector)} is invalid: one of ${SECTORS.join(', ')}`);
    sector = upper as Sector;
  }
  if ((boardsFile || sector) && positionals[0]!.toLowerCase().endsWith('.json')) fail(`--boards and --sector are for DUO's CSV files, not a JSON bundle\n${USAGE}`);
  let syncedAt: Date | undefined;
  if (values['synced-at'] !== undefined) {
    syncedAt = new Date(values['synced-at']);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(values['synced-at']) || Number.isNaN(syncedAt.getTime())) {
      fail(`--synced-at ${JSON.stringify(values['synced-at'])} is invalid: an ISO moment such as 2026-11-01T06:00:00Z`);
    }
  }
  let referenceDate = values['reference-date'];
  if (referenceDate !== undefined && isoDateProblem(referenceDate)) {
    fail(`--reference-date ${JSON.stringify(referenceDate)} is invalid: ${isoDateProblem(referenceDate)}`);
  }
  // A CSV file does not say which day it describes: --reference-date does, else today (said).
  const csv = boardsFile !== undefined || !positionals[0]!.toLowerCase().endsWith('.json');
  if (csv && referenceDate === undefined && syncedAt === undefined) {
    referenceDate = todayInNetherlands();
    console.error(`[rio:import] the files are taken to describe today, ${referenceDate}: give --reference-date for the day they describe`);
  }

  let config;
  try {
    config = parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  let exitCode = 0;
  // MONGODB_URI, else the embedded database of a running `npm start`, else one of its own.
  await withDatabaseServer(async (uri) => {
    const database = await connectDatabase(uri, databaseName(config.DB_PREFIX, 'organisations')).catch((err: Error) =>
      fail(`Cannot reach the database at ${redactUri(uri)}: ${err.message}`),
    );
    try {
      const repository = new OrganisationsRepository(database.db);
      await repository.ensureIndexes();
      const report = await importRio(
        repository,
        { name: positionals[0]!, bytes, ...(boardsFile ? { boards: { name: boardsFile.name, bytes: boardsFile.bytes } } : {}) },
        {
          ...(sector ? { sector } : {}),
          mode: values.delta ? 'delta' : 'full',
          dryRun: values['dry-run'] ?? false,
          ...(values['allow-mass-end'] ? { maxEnded: Infinity } : {}),
          ...(syncedAt ? { syncedAt } : {}),
          // A CSV file does not say when its data was taken: the moment of this run stands in.
          fileModifiedAt: new Date(),
          ...(referenceDate ? { referenceDate } : {}),
          onProgress: progressPrinter(process.stderr.isTTY === true),
        },
      );
      exitCode = out.finish(
        exitCodeOf(report.recordsRead, report.rejected),
        `${report.dryRun ? 'dry run, nothing written: ' : ''}${report.recordsRead} records read, ${report.rejected} rejected; ` +
          `created ${report.created}, updated ${report.updated}, ended ${report.ended}, moved ${report.moved}, unchanged ${report.unchanged}; ${report.changes} change-feed entries`,
        report,
        formatReport(report),
        { dryRun: report.dryRun },
      );
    } catch (err) {
      if (err instanceof ImportFileError || err instanceof ImportBusyError || err instanceof SetupError) {
        fail(`Nothing imported: ${err.message}`);
      } else throw err;
    } finally {
      await database.close();
    }
  }, (line) => console.error(`[rio:import] ${line}`)).catch((err: unknown) => fail(`Nothing imported: ${messageOf(err)}`));
  process.exitCode = exitCode;
}

await main().catch((err: unknown) => fail(`Nothing imported: ${messageOf(err)}`));
