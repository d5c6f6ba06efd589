/**
 * npm run agreements:import -- <agreements.csv> [--dry-run] [--json]
 * Imports agreements signed before 15 August 2022 into the agreements subgraph's database
 * (format in subgraphs/agreements/src/import.ts and docs/agreements-and-support.md). Uses MONGODB_URI, else the
 * embedded database of a running `npm start`, else starts the embedded database itself.
 * Exit codes as every one-off command (cli-outcome.ts): 0 every row landed or was there
 * already; 2 some rows rejected, skipped or differing (the good rows still landed); 1 nothing
 * done (usage or file error, database unreachable, every row rejected). --json: one JSON
 * document on stdout for every outcome.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { connectDatabase, databaseName } from '@osr/common';
import { importAgreements, type ImportReport } from '@osr/subgraph-agreements/import';
import { AgreementsRepository } from '@osr/subgraph-agreements/repository';
import { dbPrefix, withDatabaseServer } from './cli-support.js';
import { commandOutput, messageOf } from './cli-outcome.js';

const out = commandOutput('agreements:import');
const USAGE = 'usage: npm run agreements:import -- <agreements.csv> [--dry-run] [--json]';
function parseOptions() {
  return parseArgs({
    allowPositionals: true,
    options: { 'dry-run': { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
  });
}
let parsed!: ReturnType<typeof parseOptions>;
try {
  parsed = parseOptions();
} catch (err) {
  out.fail(`${messageOf(err)}\n${USAGE}`);
}
const { values, positionals } = parsed;
const path = positionals[0] ?? '';
if (!path || positionals.length > 1) out.fail(USAGE);
let bytes!: Buffer;
try {
  bytes = readFileSync(path);
} catch (err) {
  out.fail(`cannot read ${path}: ${(err as Error).message}`);
}

export function formatReport(report: ImportReport): string {
  const ref = (r: { line: number; id: string; board: string; type: string }) => `    line ${r.line}: ${r.id} (board ${r.board}, ${r.type})`;
  return [
    `Import of agreements signed before 15 August 2022${report.dryRun ? ' (dry run: nothing written)' : ''} from ${report.file} (${report.encoding ?? 'unreadable'}, ${report.rows} rows)`,
    `  imported:  ${report.imported.length}`,
    ...report.imported.map(ref),
    `  already imported, unchanged: ${report.unchanged.length}`,
    `  already imported with other data (left as it is): ${report.differing.length}`,
    ...report.differing.map((r) => `${ref(r)}: ${r.reason}`),
    `  skipped (the board already has such an agreement): ${report.skipped.length}`,
    ...report.skipped.map((r) => `${ref(r)}: ${r.reason}`),
    `  rejected rows: ${report.rejected.length}`,
    ...report.rejected.map((r) => `    line ${r.line}: ${r.field} ${JSON.stringify(r.value)}: ${r.reason}`),
  ].join('\n');
}

try {
  const report = await withDatabaseServer(async (uri) => {
    const database = await connectDatabase(uri, databaseName(dbPrefix(), 'agreements'));
    try {
      const repository = new AgreementsRepository(database.db);
      await repository.ensureIndexes();
      return await importAgreements(bytes, { repository, file: path, dryRun: values['dry-run'] });
    } finally {
      await database.close();
    }
  });
  const notTaken = report.rejected.length + report.skipped.length + report.differing.length;
  const exitCode = notTaken === 0 ? 0 : report.imported.length + report.unchanged.length > 0 ? 2 : 1;
  const summary =
    `${report.dryRun ? 'dry run, nothing written: ' : ''}${report.rows} rows: ${report.imported.length} imported, ${report.unchanged.length} unchanged, ` +
    `${report.differing.length} differing, ${report.skipped.length} skipped, ${report.rejected.length} rejected`;
  out.finish(exitCode, summary, report, [formatReport(report)], { dryRun: report.dryRun });
} catch (err) {
  out.fail(`nothing imported: ${messageOf(err)}`);
}
