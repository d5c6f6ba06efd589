/**
 * An operator's first day, with the commands as a user runs them: a register loaded from
 * DUO's files (no begin dates), then the OSO migration of a Mijn OSO export that names a
 * supplier the catalogue does not know, then the supplier registered with the command the
 * migration printed (and a catalogue file), then the migration again.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, databaseName, type Database } from '@osr/common';
import { directAccess, type DirectAccess } from '@osr/subgraph-mandates/direct';
import { seedMandates } from '@osr/subgraph-mandates/seed';
import { buildDemoData } from '../../scripts/demo-data.js';
import { repoRoot } from '../../scripts/ferretdb.js';
import { fixture, runCommand } from '../support/commands.js';
import { databaseUri, freshPrefix, graphql, identityHeaders, startSubgraph } from '../support/system.js';

const ESIS_SUPPLIER = '00000003301234560000';
const ASSUMED = 'board taken from the first registration, 2026-11-01';

/** A command line as printed for people, run through the shell (npx osr ... included). */
function shell(command: string, prefix: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], {
      cwd: repoRoot,
      env: { ...process.env, MONGODB_URI: databaseUri(), DB_PREFIX: prefix, ORGANISATIONS_URL: '', OSR_IDENTITY_SECRET: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('OSO migration on a register loaded from DUO files, with an unknown supplier', () => {
  const prefix = freshPrefix();
  let database: Database;
  let repo: DirectAccess;

  beforeAll(async () => {
    // The catalogue as the demo has it (services, two suppliers with one LAS each), no mandates.
    const demo = buildDemoData();
    database = await connectDatabase(databaseUri(), databaseName(prefix, 'mandates'));
    repo = directAccess(database.db);
    await repo.ensureIndexes();
    await seedMandates(repo.maintenance, { ...demo.mandates, mandates: [], aanleverpunten: [] });
    const rio = await runCommand('rio-import', ['--boards', fixture('duo/po-besturen.csv'), fixture('duo/po-vestigingen.csv'), '--sector', 'PO', '--synced-at', '2026-11-01T06:00:00Z'], prefix);
    expect(rio.code, rio.stdout + rio.stderr).toBe(2);
  }, 60_000);
  afterAll(() => database?.close());

  it('takes each school\'s board from its first registration (noted in the report and the mandate history), names the unknown supplier once with the command that registers it, exit 2', async () => {
    const run = await runCommand('oso-migrate', [fixture('mijn-oso/export.csv'), '--json'], prefix);
    expect(run.code, run.stderr).toBe(2);
    const report = run.json!['report'] as Record<string, unknown>;
    expect(report['encoding']).toBe('utf-8');
    expect(report['mandates']).toEqual({ created: 4, alreadyMigrated: 0 });
    expect(report['rejected']).toEqual([
      { line: 5, field: 'LEVERANCIER_OIN', value: ESIS_SUPPLIER, reason: 'unknown supplier: register it (see unknownSuppliers)' },
      { line: 6, field: 'LEVERANCIER_OIN', value: ESIS_SUPPLIER, reason: 'unknown supplier: register it (see unknownSuppliers)' },
    ]);
    expect(report['unknownSuppliers']).toEqual([
      {
        oin: ESIS_SUPPLIER,
        systems: ['Esis'],
        lines: [5, 6],
        command: `npx osr suppliers import --oin ${ESIS_SUPPLIER} --supplier '<supplier name>' --system 'Esis' --kind LAS --services OSO_OV,OSO_SWV`,
      },
    ]);
    expect(report['assumptions']).toEqual([
      { line: 2, brin: '41AA', kind: 'OV', board: '50100', startDate: '2022-08-15', note: ASSUMED },
      { line: 3, brin: '41AA', kind: 'SWV', board: '50100', startDate: '2022-08-15', note: ASSUMED },
      { line: 4, brin: '42BB', kind: 'OV', board: '50100', startDate: '2022-08-15', note: ASSUMED },
      { line: 8, brin: '44DD', kind: 'SWV', board: '50300', startDate: '2023-01-09', note: ASSUMED },
    ]);
    expect(report['schoolsToIssueMandate']).toEqual([{ brin: '44DD', kind: 'OV', board: '50300' }]);

    // Migrated mandates have random ids (issue 17.5): compared by what they are.
    const mandates = await repo.mandates.find({}, { projection: { _id: 0, id: 1, brin: 1, serviceCode: 1, systemId: 1, boardNummer: 1, startDate: 1 } }).toArray();
    const what = (m: { brin?: string | null; serviceCode: string; systemId: string; boardNummer: string; startDate: string }) =>
      `${m.brin}|${m.serviceCode}|${m.systemId}|${m.boardNummer}|${m.startDate}`;
    expect(mandates.map(what).sort()).toEqual([
      '41AA|OSO_OV|voorbeeld-las|50100|2022-08-15',
      '41AA|OSO_SWV|voorbeeld-las|50100|2022-08-15',
      '42BB|OSO_OV|ldd-las|50100|2022-08-15',
      '44DD|OSO_SWV|ldd-las|50300|2023-01-09',
    ]);
    const id = mandates.find((m) => what(m) === '42BB|OSO_OV|ldd-las|50100|2022-08-15')!.id;
    // The mandate's history carries the assumption, also through the API.
    const entry = await repo.history.findOne({ mandateIds: id });
    expect(entry!.changes[0]).toMatchObject({ action: 'CREATED', note: ASSUMED });
    const subgraph = await startSubgraph('mandates', prefix);
    try {
      const res = await graphql(subgraph.url, `{ mandate(id: "${id}") { history { action by note } } }`, undefined, identityHeaders());
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual({ mandate: { history: [{ action: 'CREATED', by: 'OSO migration', note: ASSUMED }] } });
    } finally {
      await subgraph.stop();
    }
  }, 60_000);

  it('the printed command (name filled in) registers the supplier and its system; a catalogue file is re-runnable with a report per line', async () => {
    const printed = `npx osr suppliers import --oin ${ESIS_SUPPLIER} --supplier '<supplier name>' --system 'Esis' --kind LAS --services OSO_OV,OSO_SWV`;
    const refused = await shell(printed, prefix);
    expect(refused.code, refused.output).toBe(1);
    expect(refused.output).toContain(`the supplier ${ESIS_SUPPLIER} is not registered: give its name`);
    const registered = await shell(printed.replace("'<supplier name>'", "'Schoolsoftware Oost B.V.'"), prefix);
    expect(registered.code, registered.output).toBe(0);
    expect(registered.output).toContain('supplier registered as Schoolsoftware Oost B.V.; system Esis added');

    // Windows-1252, `,`-separated; Esis as it is now, a new supplier with a test system, two bad lines.
    const file = await runCommand('suppliers-import', [fixture('mijn-oso/catalogue.csv')], prefix);
    expect(file.code, file.stdout + file.stderr).toBe(2);
    expect(file.stdout).toContain('(windows-1252, 4 lines)');
    expect(file.stdout).toContain(`line 2: ${ESIS_SUPPLIER} Esis: unchanged`);
    expect(file.stdout).toContain('line 3: 00000003409876540000 Toets Één: supplier registered as Toetsbureau Zuid B.V.; system Toets Één added');
    expect(file.stdout).toContain('line 4: rejected: DIENSTEN: not in the service catalogue: DOORSTROOMTOETS');
    expect(file.stdout).toContain('line 5: rejected: OIN "123"');
    expect(file.stdout).toContain('suppliers:import: 4 lines: 1 changed the catalogue, 1 unchanged, 2 rejected (exit 2: some rows rejected, the rest written)');
    const again = await runCommand('suppliers-import', [fixture('mijn-oso/catalogue.csv'), '--json'], prefix);
    expect(again.code).toBe(2);
    const lines = (again.json!['report'] as { lines: { outcome: string }[] }).lines;
    expect(lines.map((l) => l.outcome)).toEqual(['unchanged', 'unchanged', 'rejected', 'rejected']);
    expect(await repo.systems.findOne({ supplierOin: '00000003409876540000' }, { projection: { _id: 0, name: 1, kind: 1, services: 1 } })).toEqual({
      name: 'Toets Één',
      kind: 'TEST_SYSTEM',
      services: ['DOORSTROOMTOETS_PO'],
    });
    const history = await database.db.collection('catalogue_history').find({ supplierOin: ESIS_SUPPLIER }, { projection: { _id: 0, action: 1, by: 1 } }).sort({ at: 1 }).toArray();
    expect(history.map((h) => h['action'])).toEqual(['SUPPLIER_REGISTERED', 'SYSTEM_ADDED']);
    expect(String(history[0]!['by'])).toMatch(/^suppliers:import \(/);
  }, 90_000);

  it('the migration again takes every row (exit 0), and a third run says there is nothing to do', async () => {
    const second = await runCommand('oso-migrate', [fixture('mijn-oso/export.csv')], prefix);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toMatch(/mandates: +2 created, 4 already migrated/);
    expect(second.stdout).toContain('unknown suppliers: 0');
    expect(second.stdout).toContain('(exit 0: every row taken)');
    expect(second.stdout).not.toContain('nothing to do');
    const third = await runCommand('oso-migrate', [fixture('mijn-oso/export.csv')], prefix);
    expect(third.code).toBe(0);
    expect(third.stdout).toContain('nothing to do: everything in this export was migrated before');
  }, 60_000);

  it('an export whose every row is rejected did nothing: exit 1, and it does not claim everything was migrated before', async () => {
    const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'osr-oso-'));
    try {
      const file = join(dir, 'export.csv');
      writeFileSync(file, 'BRIN;AANLEVERPUNT;SOORT;LEVERANCIER_OIN;LAS;STATUS;AANSLUITDATUM\n99ZZ;1;OV;00000003272448340204;Voorbeeld LAS;actief;\n98YY;1;OV;00000003272448340204;Voorbeeld LAS;actief;\n');
      const run = await runCommand('oso-migrate', [file], prefix);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('rejected rows:  2');
      expect(run.stdout).not.toContain('nothing to do');
      const json = await runCommand('oso-migrate', [file, '--json'], prefix);
      expect(json.json).toMatchObject({ command: 'oso:migrate', exitCode: 1, outcome: 'nothing done' });
      const usage = await runCommand('oso-migrate', ['--json'], prefix);
      expect(usage.code).toBe(1);
      expect(usage.json).toMatchObject({ command: 'oso:migrate', exitCode: 1, error: expect.stringContaining('usage: osr oso migrate') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
