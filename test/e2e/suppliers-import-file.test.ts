/**
 * `osr suppliers import` with files that are not what they should be, as an operator runs
 * it: every line is checked before anything is written, a line beyond the bound or a file
 * that is not text writes nothing and is not echoed, names that a spreadsheet would run as a
 * formula or that hold control characters are refused, the database's own messages never
 * reach the output; and a database failure halfway says what was written and what was not.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, databaseName, type Database } from '@osr/common';
import { SupplierCatalogue } from '@osr/subgraph-mandates/catalogue';
import { importCatalogueLines, readCatalogueFile } from '@osr/subgraph-mandates/catalogue-import';
import { directAccess, type DirectAccess } from '@osr/subgraph-mandates/direct';
import { runCommand } from '../support/commands.js';
import { databaseUri, freshPrefix } from '../support/system.js';

const HEADER = 'OIN;LEVERANCIER;SYSTEEM;SOORT;DIENSTEN';
const GOOD = '00000003301234560000;Schoolsoftware Oost B.V.;Esis;LAS;OSO_OV,OSO_SWV';

describe('suppliers:import with files that are not what they should be', () => {
  const dir = mkdtempSync(join(tmpdir(), 'osr-suppliers-'));
  const prefix = freshPrefix();
  let database: Database;
  let repository: DirectAccess;
  const file = (name: string, content: string | Uint8Array) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const suppliers = () => repository.suppliers.countDocuments();

  beforeAll(async () => {
    database = await connectDatabase(databaseUri(), databaseName(prefix, 'mandates'));
    repository = directAccess(database.db);
    await repository.ensureIndexes();
  });
  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a line beyond the length bound writes nothing, even the good lines before it, and is not echoed', async () => {
    const long = `00000003409876540000;Toetsbureau;${'x'.repeat(200_000)};LAS;OSO_OV`;
    const run = await runCommand('suppliers-import', [file('long.csv', [HEADER, GOOD, long].join('\n'))], prefix);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('nothing imported: line 3 is longer than 4000 bytes: not a catalogue line');
    expect(run.stdout.length + run.stderr.length).toBeLessThan(2_000);
    expect(await suppliers()).toBe(0);
  }, 60_000);

  it('a UTF-16 file is named as such, not as lacking columns', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from([HEADER, GOOD].join('\r\n'), 'utf16le')]);
    const run = await runCommand('suppliers-import', [file('utf16.csv', utf16)], prefix);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the file is not UTF-8 or Windows-1252 text (UTF-16, or not text at all)');
    expect(run.stderr).not.toContain('lacks the column');
  }, 60_000);

  it('refuses names a spreadsheet would run as a formula or that hold control characters; the rest lands; the known services are listed', async () => {
    const lines = [
      HEADER,
      GOOD,
      '00000003409876540000;=HYPERLINK("http://x");Toets;LAS;OSO_OV',
      '00000003409876540001;Toetsbureau;+Toets;LAS;OSO_OV',
      '00000003409876540002;Toetsbureau;@Toets;LAS;OSO_OV',
      '00000003409876540003;-Toetsbureau;Toets;LAS;OSO_OV',
      '00000003409876540004;"Toets\u0007bureau";Toets;LAS;OSO_OV',
      '00000003409876540005;Toetsbureau;Toets;LAS;DOORSTROOMTOETS',
    ];
    const run = await runCommand('suppliers-import', [file('names.csv', lines.join('\n')), '--json'], prefix);
    expect(run.code, run.stdout + run.stderr).toBe(2);
    const report = (run.json!['report'] as { lines: { record: string; outcome: string; reason?: string }[] }).lines;
    expect(report.map((l) => l.outcome)).toEqual(['changed', 'rejected', 'rejected', 'rejected', 'rejected', 'rejected', 'rejected']);
    expect(report[1]!.reason).toBe('LEVERANCIER "=HYPERLINK(\\"http://x\\")": may not start with =, +, - or @ (a spreadsheet would run it as a formula)');
    expect(report[2]!.reason).toContain('SYSTEEM "+Toets": may not start with');
    expect(report[5]!.reason).toBe('LEVERANCIER "Toets\\u0007bureau": may not hold control characters (tabs, line breaks and the like)');
    expect(report[6]!.reason).toBe(
      'DIENSTEN: not in the service catalogue: DOORSTROOMTOETS (known: CENTRAAL_EXAMEN_VO, DOORSTROOMTOETS_PO, OSO_OV, OSO_SWV, RIO, ROD_PO, ROD_VO, VERZUIM, VVA)',
    );
    expect(await suppliers()).toBe(1);
  }, 60_000);

  it('an unreachable database: nothing imported, without the database\'s own message', async () => {
    const run = await runCommand('suppliers-import', [file('good.csv', [HEADER, GOOD].join('\n'))], prefix, {
      MONGODB_URI: 'mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=500&connectTimeoutMS=500',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('nothing imported: the database could not be used');
    expect(run.stderr).not.toMatch(/ECONNREFUSED|MongoServerSelectionError|127\.0\.0\.1:9/);
  }, 60_000);

  it('a database failure halfway: the lines written are reported as such, the rest as not done (never "nothing done")', async () => {
    const { lines } = readCatalogueFile(
      new TextEncoder().encode(
        [HEADER, '00000003500000000001;Een B.V.;Een LAS;LAS;OSO_OV', '00000003500000000002;Twee B.V.;Twee LAS;LAS;OSO_OV', '00000003500000000003;Drie B.V.;Drie LAS;LAS;OSO_OV'].join('\n'),
      ),
    );
    const catalogue = new SupplierCatalogue(repository.repositories);
    let calls = 0;
    const failing = Object.create(catalogue) as SupplierCatalogue;
    failing.addSystem = async (...args) => {
      if (++calls === 2) throw new Error('connection reset by the database server 10.0.0.7');
      return catalogue.addSystem(...args);
    };
    const known = new Set((await repository.findServices()).map((s) => s.code));
    const result = await importCatalogueLines(failing, lines, { known, actor: { sub: 't', name: 't', role: 'SUPPORT' }, today: '2026-12-07' });
    expect(result.lines.map((l) => [l.record, l.outcome])).toEqual([
      ['line 2', 'changed'],
      ['line 3', 'not done'],
      ['line 4', 'not done'],
    ]);
    expect(result.stopped).toBe('the database failed at line 3; run the command again to finish (what is written stays)');
    expect(JSON.stringify(result)).not.toContain('10.0.0.7');
    expect(await repository.systems.countDocuments({ supplierOin: { $in: ['00000003500000000001', '00000003500000000003'] } })).toBe(1);
  });
});
