/**
 * npm run oso:migrate -- <export.csv> [--dry-run] [--json] [--batch-size 500] [--columns LAS=SYSTEEM,...]
 * Migrates a Mijn OSO export of aanleverpunten into the mandates subgraph (format in
 * subgraphs/mandates/src/migration.ts and docs/mandates.md). Schools are checked against RIO
 * through the organisations subgraph's API (ORGANISATIONS_URL + OSR_IDENTITY_SECRET of a
 * running system, or one started in-process for this run). Exit codes as every one-off
 * command (cli-outcome.ts): 0 every row taken; 2 some rows rejected or not migrated, the rest
 * written; 1 nothing done (bad arguments or file, database unreachable, every row rejected).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { GraphQLError } from 'graphql';
import { connectDatabase, createLogger, createPeerClient, databaseName, listen } from '@osr/common';
import { migrateOsoExport, parseColumnMap, type MigrationReport } from '@osr/subgraph-mandates/migration';
import { organisationsApi } from '@osr/subgraph-mandates/peers';
import { MandatesRepository } from '@osr/subgraph-mandates/repository';
import { createOrganisationsServer } from '@osr/subgraph-organisations';
import { dbPrefix, progressReporter, withDatabaseServer } from './cli-support.js';
import { commandOutput, messageOf, type ExitCode } from './cli-outcome.js';

const out = commandOutput('oso:migrate');
const USAGE = 'usage: npm run oso:migrate -- <export.csv> [--dry-run] [--json] [--batch-size 1..5000] [--columns EXPECTED=NAME,...]';

let parsed!: ReturnType<typeof parseOptions>;
function parseOptions() {
  return parseArgs({
    allowPositionals: true,
    options: { 'dry-run': { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, 'batch-size': { type: 'string', default: '500' }, columns: { type: 'string' } },
  });
}
try {
  parsed = parseOptions();
} catch (err) {
  out.fail(`${messageOf(err)}\n${USAGE}`);
}
const { values, positionals } = parsed;
const path = positionals[0] ?? '';
const batchSize = Number(values['batch-size']);
if (!path || positionals.length > 1 || !Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000) out.fail(USAGE);
let columns: ReturnType<typeof parseColumnMap> | undefined;
try {
  columns = values.columns === undefined ? undefined : parseColumnMap(values.columns);
} catch (err) {
  out.fail(`${messageOf(err)}\n${USAGE}`);
}
let bytes: Buffer;
try {
  bytes = readFileSync(path);
} catch (err) {
  out.fail(`cannot read ${path}: ${(err as Error).message}`);
}

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

function linesOf(report: MigrationReport): string[] {
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

try {
  await withDatabaseServer(async (uri) => {
    const prefix = dbPrefix();
    const mandatesDb = await connectDatabase(uri, databaseName(prefix, 'mandates'));
    let stopOrganisations = async () => {};
    try {
      let url = process.env['ORGANISATIONS_URL'];
      let secret = process.env['OSR_IDENTITY_SECRET'];
      if (!url || !secret) {
        // No running system named: serve the organisations API in-process for this run.
        secret = randomBytes(32).toString('base64url');
        const organisationsDb = await connectDatabase(uri, databaseName(prefix, 'organisations'));
        const server = await createOrganisationsServer({ database: organisationsDb, logger: createLogger('organisations', 'warn'), identitySecret: secret, peers: {} });
        url = await listen(server.httpServer, 0);
        stopOrganisations = async () => {
          await server.stop();
          await organisationsDb.close();
        };
      }
      const repository = new MandatesRepository(mandatesDb.db);
      await repository.ensureIndexes();
      const organisations = organisationsApi(createPeerClient({ name: 'organisations', url, caller: 'oso-migration', identitySecret: secret, timeoutMs: 30_000 }));
      const report = await migrateOsoExport(bytes, { repository, organisations, dryRun: values['dry-run'], batchSize, columns, progress: progressReporter('migrating') });
      out.finish(exitCodeOf(report), summaryOf(report), report, linesOf(report), { dryRun: report.dryRun });
    } finally {
      await stopOrganisations();
      await mandatesDb.close();
    }
  });
} catch (err) {
  out.fail(`nothing migrated: ${err instanceof GraphQLError || err instanceof Error ? err.message : String(err)}`);
}
