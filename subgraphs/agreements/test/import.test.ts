import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, databaseName, type Database } from '@osr/common';
import { buildDemoData } from '../../../scripts/demo-data.js';
import { seedDemo } from '../../../scripts/seed-lib.js';
import { repoRoot } from '../../../scripts/ferretdb.js';
import { databaseUri, freshPrefix } from '../../../test/support/system.js';
import { importAgreements } from '../src/import.js';
import { servicesOn } from '../src/lifecycle.js';
import { AgreementsRepository } from '../src/repository.js';

const CSV = [
  'BEVOEGD GEZAG NUMMER;TYPE;SERVICES;SIGNED DATE;SIGNER NAME',
  '50100;OSO;OSO_OV;2019-05-01;A. Bakker',
  '50101;oso;OSO_OV OSO_SWV;2021-01-10;B. Smit',
  '50102;OSR_USER;;2022-06-01;C. de Boer',
  '5010;OSO;OSO_OV;2019-01-01;X',
  '50103;OSO;OSO_XX;2019-01-01;X',
  '50104;OSO;OSO_OV;2022-08-15;X',
  '50105;LEASE;;2019-01-01;X',
  '50100;OSO;OSO_OV;2019-05-01;A. Bakker',
  '41234;OSO;OSO_OV;2019-03-01;J. de Vries',
  '42001;OSO;OSO_OV;2020-09-15;M. Janssen',
  '50106;OSO;OSO_OV;2019-02-30;X',
  '50107;OSO;OSO_OV;2019-01-01;',
  '50108;OSO',
].join('\n');

describe('importing agreements signed before 15 August 2022', () => {
  let prefix: string;
  let db: Database;
  let repository: AgreementsRepository;
  beforeAll(async () => {
    prefix = freshPrefix();
    await seedDemo(databaseUri(), prefix, buildDemoData());
    db = await connectDatabase(databaseUri(), databaseName(prefix, 'agreements'));
    repository = new AgreementsRepository(db.db);
    await repository.ensureIndexes();
  });
  afterAll(() => db?.close());

  it('imports the good rows as SIGNED and imported, and reports every bad row with line, field and reason', async () => {
    const report = await importAgreements(Buffer.from(CSV), { repository, file: 'old.csv' });
    expect(report.rows).toBe(13);
    // the demo's a-42001-oso is this very agreement, imported before under another id
    expect(report.unchanged).toEqual([{ line: 11, id: 'a-42001-oso', board: '42001', type: 'OSO' }]);
    expect(report.imported.map((r) => [r.line, r.id])).toEqual([
      [2, 'imp-50100-oso'],
      [3, 'imp-50101-oso'],
      [4, 'imp-50102-osr-user'],
    ]);
    expect(report.skipped).toEqual([{ line: 10, id: 'imp-41234-oso', board: '41234', type: 'OSO', reason: 'board 41234 already has OSO agreement a-41234-oso (SIGNED); not imported' }]);
    expect(report.rejected.map((r) => [r.line, r.field])).toEqual([
      [14, '(row)'],
      [5, 'BEVOEGD GEZAG NUMMER'],
      [6, 'SERVICES'],
      [7, 'SIGNED DATE'],
      [8, 'TYPE'],
      [9, 'BEVOEGD GEZAG NUMMER'],
      [12, 'SIGNED DATE'],
      [13, 'SIGNER NAME'],
    ]);
    expect(report.rejected.find((r) => r.line === 7)!.reason).toContain('only agreements signed before 2022-08-15');
    expect(report.rejected.find((r) => r.line === 9)!.reason).toContain('on line 2 of this file');

    const a = (await repository.findAgreement('imp-50101-oso'))!;
    expect(a).toMatchObject({ boardNummer: '50101', type: 'OSO', status: 'SIGNED', imported: true, services: ['OSO_OV', 'OSO_SWV'], validFrom: '2021-01-10', signedBy: 'B. Smit' });
    expect(servicesOn(a, '2021-01-10')).toEqual(['OSO_OV', 'OSO_SWV']);
    expect(servicesOn(a, '2021-01-09')).toEqual([]);
    const history = await repository.findHistory(['imp-50101-oso']);
    expect(history.map((h) => [h.action, h.to, h.note])).toEqual([['IMPORTED', 'SIGNED', 'old.csv line 3']]);
  });

  it('is idempotent: a second run imports nothing and says so; changed data is reported, not overwritten', async () => {
    const again = await importAgreements(Buffer.from(CSV), { repository, file: 'old.csv' });
    expect(again.imported).toEqual([]);
    expect(again.unchanged.map((r) => r.id)).toEqual(['imp-50100-oso', 'imp-50101-oso', 'imp-50102-osr-user', 'a-42001-oso']);
    expect(await repository.agreements.countDocuments({ imported: true, boardNummer: { $in: ['50100', '50101', '50102'] } })).toBe(3);

    const changed = await importAgreements(Buffer.from('BEVOEGD GEZAG NUMMER,TYPE,SERVICES,SIGNED DATE,SIGNER NAME\n50100,OSO,OSO_OV,2019-05-01,Someone Else\n'), { repository, file: 'new.csv' });
    expect(changed.differing).toHaveLength(1);
    expect(changed.differing[0]!.reason).toContain('left as it is');
    expect((await repository.findAgreement('imp-50100-oso'))!.signedBy).toBe('A. Bakker');
  });

  it('rejects a file that is not such a table, naming the missing columns', async () => {
    const report = await importAgreements(Buffer.from('board;type\n41234;OSO\n'), { repository, file: 'bad.csv' });
    expect(report.rejected).toEqual([{ line: 1, field: '(file)', value: '', reason: 'missing column(s): BEVOEGD GEZAG NUMMER, SERVICES, SIGNED DATE, SIGNER NAME; the file has board, type; expected BEVOEGD GEZAG NUMMER, TYPE, SERVICES, SIGNED DATE, SIGNER NAME' }]);
  });

  it('osr agreements import (npm run agreements:import) runs as a command: report, exit code, idempotent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'osr-import-'));
    const file = join(dir, 'agreements.csv');
    writeFileSync(file, 'BEVOEGD GEZAG NUMMER;TYPE;SERVICES;SIGNED DATE;SIGNER NAME\n50200;OSO;OSO_OV;2020-02-02;D. Visser\n');
    const run = () =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts/osr.ts'), 'agreements', 'import', file], {
        cwd: repoRoot,
        env: { ...process.env, MONGODB_URI: databaseUri(), DB_PREFIX: prefix },
      });
    const first = await run();
    expect(first.stdout).toMatch(/│ imported +│ +1 │/);
    expect(first.stdout).toContain('line 2: imp-50200-oso (board 50200, OSO)');
    const second = await run();
    expect(second.stdout).toMatch(/│ imported +│ +0 │/);
    expect(second.stdout).toMatch(/│ already imported, unchanged +│ +1 │/);
  }, 60_000);
});
