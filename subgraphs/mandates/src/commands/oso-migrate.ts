/**
 * osr oso migrate <export.csv> [--dry-run] [--json] [--batch-size 500] [--columns LAS=SYSTEEM,...]   (npm run oso:migrate)
 * Migrates a Mijn OSO export of aanleverpunten into the mandates subgraph (format in
 * ../migration.ts and docs/mandates.md). Schools are checked against RIO through the
 * organisations subgraph's API (ORGANISATIONS_URL + OSR_IDENTITY_SECRET of a running system,
 * or one served in-process for this run by the command line). Exit codes: 0 every row taken;
 * 2 some rows rejected or not migrated, the rest written; 1 nothing done (bad arguments or
 * file, database unreachable, every row rejected).
 */
import { readFileSync } from 'node:fs';
import { GraphQLError } from 'graphql';
import { createPeerClient } from '@osr/common';
import { wholeNumberOption, type CommandSpec, type ExitCode } from '@osr/common/cli';
import { migrateOsoExport, parseColumnMap, type MigrationReport } from '../migration.js';
import { organisationsApi } from '../peers.js';
import { openRepositories } from '../open.js';

/** 0: every row taken; 2: some rows rejected or not migrated, the rest written; 1: every row rejected. */
function exitCodeOf(report: MigrationReport): ExitCode {
  if (report.rejected.length === 0 && report.notMigrated.length === 0) return 0;
  return report.rejected.length >= report.rows ? 1 : 2;
}

function summaryOf(report: MigrationReport): string {
  const parts = [
    `${report.rows} rows`,
    `${report.mandates.created} mandates ${report.dryRun ? 'to create' : 'created'}`,
    `${report.mandates.alreadyMigrated} already migrated`,
    `${report.rejected.length} rows rejected`,
    `${report.notMigrated.length} not migrated (overlap)`,
    `${report.assumptions.length} boards assumed`,
    `aanleverpunten ${report.aanleverpunten.created} created, ${report.aanleverpunten.updated} updated, ${report.aanleverpunten.unchanged} unchanged`,
  ];
  return `${report.dryRun ? 'dry run, nothing written: ' : ''}${parts.join(', ')}`;
}

function linesOf(report: MigrationReport, path: string): string[] {
  const lines = [
    `OSO → OSR migration${report.dryRun ? ' (dry run: nothing written)' : ''} of ${path} (${report.encoding}, ${report.rows} rows)`,
    `  mandates:       ${report.mandates.created} created, ${report.mandates.alreadyMigrated} already migrated`,
    `  aanleverpunten: ${report.aanleverpunten.created} created, ${report.aanleverpunten.updated} updated, ${report.aanleverpunten.unchanged} unchanged`,
    `  rejected rows:  ${report.rejected.length}`,
    ...report.rejected.map((r) => `    line ${r.line}: ${r.field} ${JSON.stringify(r.value)}: ${r.reason}`),
    ...(report.duplicates.length ? [`  duplicate rows, taken once: ${report.duplicates.length}`, ...report.duplicates.map((d) => `    line ${d.line}: the same as line ${d.of}`)] : []),
    `  unknown suppliers: ${report.unknownSuppliers.length}`,
    ...report.unknownSuppliers.flatMap((u) => [
      `    ${u.oin} (systems ${u.systems.map((n) => JSON.stringify(n)).join(', ')}; lines ${u.lines.join(', ')}); register it with:`,
      `      ${u.command}`,
    ]),
    `  unknown systems: ${report.unknownSystems.length}`,
    ...report.unknownSystems.flatMap((u) => [
      `    ${JSON.stringify(u.system)} of ${u.supplier} (${u.oin}): ${u.reason} (lines ${u.lines.join(', ')}); register it with:`,
      `      ${u.command}`,
    ]),
    `  boards assumed: ${report.assumptions.length}`,
    ...report.assumptions.map((a) => `    line ${a.line}: ${a.brin} ${a.kind} from ${a.startDate}: board ${a.board} (${a.note})`),
    `  ${report.dryRun ? 'to be flagged' : 'flagged'} for the review of the board that holds the school now: ${report.flaggedForReview.length}`,
    ...report.flaggedForReview.map((f) => `    ${f.brin} ${f.kind}: given by board ${f.givenBy}, held by board ${f.heldBy} today`),
    `  not migrated (overlapping mandate): ${report.notMigrated.length}`,
    ...report.notMigrated.map((n) => `    ${n.brin} ${n.kind} ${n.systemId}: ${n.reason}`),
    `  schools that must issue a mandate themselves (inactive aanleverpunt only): ${report.schoolsToIssueMandate.length}`,
    ...report.schoolsToIssueMandate.map((s) => `    ${s.brin} ${s.kind === 'OV' ? 'OSO Overstap' : 'OSO Samenwerkingsverbanden'}${s.board ? ` (board ${s.board})` : ''}`),
  ];
  const nothingNew = report.mandates.created === 0 && report.aanleverpunten.created + report.aanleverpunten.updated === 0;
  if (nothingNew && report.rejected.length === 0 && report.notMigrated.length === 0 && report.rows > 0) {
    lines.push('  nothing to do: everything in this export was migrated before');
  }
  return lines;
}

export const osoMigrate: CommandSpec = {
  group: 'oso',
  name: 'migrate',
  alias: 'oso:migrate',
  summary: 'migrate a Mijn OSO export of aanleverpunten into mandates',
  arguments: [{ name: '<export.csv>', description: 'the Mijn OSO export (format in docs/mandates.md)' }],
  options: [
    { flags: '--dry-run', description: 'report what would be migrated, write nothing' },
    { flags: '--batch-size <rows>', description: 'rows written per batch (1..5000)', default: '500' },
    { flags: '--columns <map>', description: "the file's own column names where they differ from the expected ones, as EXPECTED=NAME,... (e.g. LAS=SYSTEEM)" },
  ],
  async run(args, options, ctx) {
    const { out } = ctx;
    const path = args[0] ?? '';
    const batchSize = wholeNumberOption(out, '--batch-size', options['batchSize'], 1, 5000);
    let columns: ReturnType<typeof parseColumnMap> | undefined;
    try {
      columns = typeof options['columns'] === 'string' ? parseColumnMap(options['columns']) : undefined;
    } catch (err) {
      out.fail(`--columns: ${(err as Error).message}`);
    }
    let bytes!: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      out.fail(`cannot read ${path}: ${(err as Error).message}`);
    }
    try {
      await ctx.withSubgraphDatabase('mandates', async (database, uri) => {
        const peer = await ctx.peer('organisations', uri);
        try {
          const repository = await openRepositories(database.db);
          const client = createPeerClient({ name: 'organisations', url: peer.url, caller: 'oso-migration', identitySecret: peer.identitySecret, timeoutMs: 30_000 });
          const report = await migrateOsoExport(bytes, { repository, organisations: organisationsApi(client), dryRun: options['dryRun'] === true, batchSize, columns, progress: ctx.progress('migrating') });
          out.finish(exitCodeOf(report), summaryOf(report), report, linesOf(report, path), { dryRun: report.dryRun });
        } finally {
          await peer.close();
        }
      });
    } catch (err) {
      out.fail(`nothing migrated: ${err instanceof GraphQLError || err instanceof Error ? err.message : String(err)}`);
    }
  },
};
