/**
 * npm run oso:migrate -- <export.csv> [--dry-run] [--json] [--batch-size 500]
 * Migrates a Mijn OSO export of aanleverpunten into the mandates subgraph (format in
 * subgraphs/mandates/src/migration.ts and the README). Schools are checked against RIO
 * through the organisations subgraph's API (ORGANISATIONS_URL + OSR_IDENTITY_SECRET of a
 * running system, or one started in-process for this run).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { GraphQLError } from 'graphql';
import { connectDatabase, createLogger, createPeerClient, databaseName, listen } from '@osr/common';
import { migrateOsoExport, type MigrationReport } from '@osr/subgraph-mandates/migration';
import { organisationsApi } from '@osr/subgraph-mandates/peers';
import { MandatesRepository } from '@osr/subgraph-mandates/repository';
import { createOrganisationsServer } from '@osr/subgraph-organisations';
import { dbPrefix, progressReporter, withDatabaseServer } from './cli-support.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'dry-run': { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, 'batch-size': { type: 'string', default: '500' } },
});
const path = positionals[0];
const batchSize = Number(values['batch-size']);
if (!path || positionals.length > 1 || !Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000) {
  console.error('usage: npm run oso:migrate -- <export.csv> [--dry-run] [--json] [--batch-size 1..5000]');
  process.exit(2);
}
let bytes: Buffer;
try {
  bytes = readFileSync(path);
} catch (err) {
  console.error(`oso:migrate: cannot read ${path}: ${(err as Error).message}`);
  process.exit(2);
}

function print(report: MigrationReport): void {
  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  const lines = [
    `OSO → OSR migration${report.dryRun ? ' (dry run: nothing written)' : ''} of ${path} (${report.encoding}, ${report.rows} rows)`,
    `  mandates:       ${report.mandates.created} created, ${report.mandates.alreadyMigrated} already migrated`,
    `  aanleverpunten: ${report.aanleverpunten.created} created, ${report.aanleverpunten.updated} updated, ${report.aanleverpunten.unchanged} unchanged`,
    `  rejected rows:  ${report.rejected.length}`,
    ...report.rejected.map((r) => `    line ${r.line}: ${r.field} ${JSON.stringify(r.value)}: ${r.reason}`),
    `  not migrated (overlapping mandate): ${report.notMigrated.length}`,
    ...report.notMigrated.map((n) => `    ${n.brin} ${n.kind} ${n.systemId}: ${n.reason}`),
    `  schools that must issue a mandate themselves (inactive aanleverpunt only): ${report.schoolsToIssueMandate.length}`,
    ...report.schoolsToIssueMandate.map((s) => `    ${s.brin} ${s.kind === 'OV' ? 'OSO Overstap' : 'OSO Samenwerkingsverbanden'}${s.board ? ` (board ${s.board})` : ''}`),
  ];
  if (report.mandates.created === 0 && report.aanleverpunten.created + report.aanleverpunten.updated === 0) {
    lines.push('  nothing to do: everything in this export was migrated before');
  }
  console.log(lines.join('\n'));
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
      const report = await migrateOsoExport(bytes, { repository, organisations, dryRun: values['dry-run'], batchSize, progress: progressReporter('migrating') });
      print(report);
    } finally {
      await stopOrganisations();
      await mandatesDb.close();
    }
  });
} catch (err) {
  console.error(`oso:migrate: ${err instanceof GraphQLError || err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
