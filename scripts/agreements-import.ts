/**
 * npm run agreements:import -- <agreements.csv> [--dry-run] [--json]
 * Imports agreements signed before 15 August 2022 into the agreements subgraph's database
 * (format in subgraphs/agreements/src/import.ts and the README). Uses MONGODB_URI, else the
 * embedded database of a running `npm start`, else starts the embedded database itself.
 * Exit code 0 when every row landed or was there already, 1 when some rows were rejected or
 * skipped (the good rows still landed), 2 for a usage or file error.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { connectDatabase, databaseName } from '@osr/common';
import { importAgreements, type ImportReport } from '@osr/subgraph-agreements/import';
import { AgreementsRepository } from '@osr/subgraph-agreements/repository';
import { dbPrefix, withDatabaseServer } from './cli-support.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'dry-run': { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
});
const path = positionals[0];
if (!path || positionals.length > 1) {
  console.error('usage: npm run agreements:import -- <agreements.csv> [--dry-run] [--json]');
  process.exit(2);
}
let bytes: Buffer;
try {
  bytes = readFileSync(path);
} catch (err) {
  console.error(`agreements:import: cannot read ${path}: ${(err as Error).message}`);
  process.exit(2);
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
  console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
  process.exit(report.rejected.length + report.skipped.length + report.differing.length > 0 ? 1 : 0);
} catch (err) {
  console.error(`agreements:import: ${(err as Error).message}`);
  process.exit(2);
}
