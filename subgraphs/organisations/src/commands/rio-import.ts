/**
 * osr rio import <file> [--delta] [--dry-run] [--synced-at <moment>] [--reference-date <date>] [--json] [--allow-mass-end]   (npm run rio:import)
 * osr rio import --boards besturen.csv vestigingen.csv --sector PO [...]   (DUO's two files of one sector)
 *
 * Imports a RIO JSON bundle (.json), a DUO CSV file (.csv), or DUO's pair of a boards file and
 * a (hoofd)vestigingen file of one sector, into the organisations database (the one the
 * command line names). Prints progress and a report. Exit codes as every operator command
 * (@osr/common/cli): 0 all records taken; 2 some
 * rejected (the rest was imported); 1 nothing imported (bad file, bad arguments, database
 * unreachable, import running, every record rejected). With --json, stdout is one JSON
 * document for every outcome.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isoDateProblem, todayInNetherlands } from '@osr/common';
import { exitCodeOf, messageOf, type CommandContext, type CommandSpec, type Progress } from '@osr/common/cli';
import { SECTORS, type Sector } from '../documents.js';
import { ImportBusyError, ImportFileError, formatReport, importRio, type ImportProgress } from '../rio/import.js';
import { withOrganisations } from './repository.js';

const USAGE =
  'usage: osr rio import <file.json|file.csv> [--delta] [--dry-run] [--synced-at 2026-11-01T06:00:00Z] [--reference-date 2026-11-01] [--json] [--allow-mass-end]\n' +
  '       osr rio import --boards besturen.csv vestigingen.csv --sector PO|SO|VO|MBO [same options]';

/** Progress per phase: a bar on a terminal, a line per 10% otherwise. */
function progressPrinter(progress: CommandContext['progress']) {
  let phase = '';
  let current: (Progress & { stop(): void }) | null = null;
  return (p: ImportProgress) => {
    if (p.phase === 'done') {
      current?.stop();
      return;
    }
    if (p.phase !== phase) {
      current?.stop();
      phase = p.phase;
      current = progress(`[rio:import] ${p.phase.padEnd(9)}`);
    }
    current?.(p.done, p.total);
  };
}

async function run(positionals: string[], options: Record<string, unknown>, ctx: CommandContext): Promise<void> {
  const { out, progress } = ctx;
  const fail: (message: string) => never = (message) => out.fail(message);
  const values = {
    delta: options['delta'] === true,
    'dry-run': options['dryRun'] === true,
    'synced-at': options['syncedAt'] as string | undefined,
    'reference-date': options['referenceDate'] as string | undefined,
    'allow-mass-end': options['allowMassEnd'] === true,
    boards: options['boards'] as string | undefined,
    sector: options['sector'] as string | undefined,
  };
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

  let exitCode = 0;
  // MONGODB_URI, else the embedded database of a running `osr start`, else one of its own.
  await withOrganisations(ctx, async (repository) => {
    try {
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
          onProgress: progressPrinter(progress),
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
      if (err instanceof ImportFileError || err instanceof ImportBusyError) {
        fail(`Nothing imported: ${err.message}`);
      } else throw err;
    }
  }).catch((err: unknown) => fail(`Nothing imported: ${messageOf(err)}`));
  process.exitCode = exitCode;
}

export const rioImport: CommandSpec = {
  group: 'rio',
  name: 'import',
  alias: 'rio:import',
  summary: "import boards, schools and samenwerkingsverbanden from a RIO JSON bundle, a DUO CSV file, or DUO's two files of one sector",
  help: `Formats and what a delta, a dry run and the mass-end limit do: docs/rio.md.
${USAGE}`,
  arguments: [{ name: '<file>', description: "the RIO bundle (.json), DUO's CSV file, or DUO's (hoofd)vestigingen file with --boards" }],
  options: [
    { flags: '--delta', description: 'the file holds changes only: what it does not name stays' },
    { flags: '--dry-run', description: 'report what would change, write nothing' },
    { flags: '--synced-at <moment>', description: 'when the data was taken from RIO (ISO moment); default the file\'s own, or its modification time' },
    { flags: '--reference-date <date>', description: 'the day the files describe (YYYY-MM-DD); default today, said on stderr; a snapshot not later than the last one imported is refused when it changes anything' },
    { flags: '--allow-mass-end', description: 'allow ending more organisations than the safety limit' },
    { flags: '--boards <file>', description: "DUO's boards file (besturen) of the same sector" },
    { flags: '--sector <sector>', description: 'the sector of DUO\'s two files: PO, SO, VO or MBO' },
  ],
  run: (args, options, ctx) => run(args, options, ctx).catch((err: unknown) => ctx.out.fail(`Nothing imported: ${messageOf(err)}`)),
};
