/**
 * osr agreements import <agreements.csv> [--dry-run] [--json]   (npm run agreements:import)
 * Imports agreements signed before 15 August 2022 into the agreements subgraph's database
 * (format in ../import.ts and docs/agreements-and-support.md). Exit codes: 0 every row landed
 * or was there already; 2 some rows rejected, skipped or differing (the good rows still
 * landed); 1 nothing done (usage or file error, database unreachable, every row rejected).
 */
import { readFileSync } from 'node:fs';
import { formatTable, messageOf, type CommandSpec } from '@osr/common/cli';
import { importAgreements, type ImportReport } from '../import.js';
import { AgreementsRepository } from '../repository.js';

export function formatReport(report: ImportReport): string {
  const ref = (r: { line: number; id: string | null; board: string; type: string }) => `    line ${r.line}: ${r.id ?? 'a new agreement'} (board ${r.board}, ${r.type})`;
  const counts = formatTable(['rows', 'count'], [
    ['imported', report.imported.length],
    ['already imported, unchanged', report.unchanged.length],
    ['already imported with other data (left as it is)', report.differing.length],
    ['skipped (the board already has such an agreement)', report.skipped.length],
    ['rejected', report.rejected.length],
  ]);
  const section = (title: string, lines: string[]) => (lines.length ? [`  ${title}:`, ...lines] : []);
  return [
    `Import of agreements signed before 15 August 2022${report.dryRun ? ' (dry run: nothing written)' : ''} from ${report.file} (${report.encoding ?? 'unreadable'}, ${report.rows} rows)`,
    ...counts.split('\n').map((line) => `  ${line}`),
    ...section('imported', report.imported.map(ref)),
    ...section('already imported with other data', report.differing.map((r) => `${ref(r)}: ${r.reason}`)),
    ...section('skipped', report.skipped.map((r) => `${ref(r)}: ${r.reason}`)),
    ...section('rejected rows', report.rejected.map((r) => `    line ${r.line}: ${r.field} ${JSON.stringify(r.value)}: ${r.reason}`)),
  ].join('\n');
}

export const agreementsImport: CommandSpec = {
  group: 'agreements',
  name: 'import',
  alias: 'agreements:import',
  summary: 'import agreements signed before 15 August 2022 from a CSV file',
  arguments: [{ name: '<agreements.csv>', description: 'the file (format in docs/agreements-and-support.md)' }],
  options: [{ flags: '--dry-run', description: 'report what would be imported, write nothing' }],
  async run(args, options, { out, withSubgraphDatabase }) {
    const path = args[0] ?? '';
    let bytes!: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      out.fail(`cannot read ${path}: ${(err as Error).message}`);
    }
    try {
      const report = await withSubgraphDatabase('agreements', async (database) => {
        const repository = new AgreementsRepository(database.db);
        await repository.ensureIndexes();
        return importAgreements(bytes, { repository, file: path, dryRun: options['dryRun'] === true });
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
  },
};
