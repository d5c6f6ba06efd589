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
    expect(report.imported.map((r) => [r.line, r.board, r.type])).toEqual([
      [2, '50100', 'OSO'],
      [3, '50101', 'OSO'],
      [4, '50102', 'OSR_USER'],
    ]);
    // random ids, nothing in them of the board or type
    for (const r of report.imported) expect(r.id).toMatch(/^a-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(report.imported.map((r) => r.id)).size).toBe(3);
    // the demo's a-41234-oso was imported before with other services
    expect(report.differing).toEqual([{ line: 10, id: 'a-41234-oso', board: '41234', type: 'OSO', reason: 'imported before as OSO_OV OSO_SWV, signed 2019-03-01 by J. de Vries; left as it is' }]);
    expect(report.skipped).toEqual([]);
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

    const id = report.imported.find((r) => r.board === '50101')!.id!;
    const a = (await repository.findAgreement(id))!;
    expect(a).toMatchObject({ boardNummer: '50101', type: 'OSO', status: 'SIGNED', imported: true, services: ['OSO_OV', 'OSO_SWV'], validFrom: '2021-01-10', signedBy: 'B. Smit' });
    expect(servicesOn(a, '2021-01-10')).toEqual(['OSO_OV', 'OSO_SWV']);
    expect(servicesOn(a, '2021-01-09')).toEqual([]);
    const history = await repository.findHistory([id]);
    expect(history.map((h) => [h.action, h.to, h.note])).toEqual([['IMPORTED', 'SIGNED', 'old.csv line 3']]);
  });

  it('is idempotent: a second run imports nothing and says so; changed data is reported, not overwritten', async () => {
    const idsOf = async (boards: string[]) => (await repository.findAgreementsOfBoards(boards)).filter((a) => a.imported).map((a) => a.id).sort();
    const before = await idsOf(['50100', '50101', '50102']);
    expect(before).toHaveLength(3);
    const again = await importAgreements(Buffer.from(CSV), { repository, file: 'old.csv' });
    expect(again.imported).toEqual([]);
    expect(again.unchanged.map((r) => r.line)).toEqual([2, 3, 4, 11]);
    expect([...again.unchanged.map((r) => r.id!)].sort()).toEqual([...before, 'a-42001-oso'].sort());
    expect(await idsOf(['50100', '50101', '50102'])).toEqual(before);

    const changed = await importAgreements(Buffer.from('BEVOEGD GEZAG NUMMER,TYPE,SERVICES,SIGNED DATE,SIGNER NAME\n50100,OSO,OSO_OV,2019-05-01,Someone Else\n'), { repository, file: 'new.csv' });
    expect(changed.differing).toHaveLength(1);
    expect(changed.differing[0]!.reason).toContain('left as it is');
    expect((await repository.findAgreement(changed.differing[0]!.id!))!.signedBy).toBe('A. Bakker');
  });

  it('finds an agreement imported before under an id built from its board and type, and one ended since: nothing imported twice', async () => {
    // what imports before random ids wrote (imp-<board>-<type>), and an imported agreement terminated since
    const old = { boardNummer: '50300', type: 'OSO' as const, status: 'SIGNED' as const, services: ['OSO_OV' as const], validFrom: '2019-04-01', validUntil: null, signedAt: new Date('2019-04-01T12:00:00.000Z'), signedBy: 'E. Mulder', imported: true, version: 1, createdAt: new Date(), updatedAt: new Date(), serviceStarts: [], extensionOf: null, documents: [], signing: null, signature: null };
    expect(await repository.insertAgreement({ ...old, id: 'imp-50300-oso', liveKey: '50300:OSO' })).toBe(true);
    expect(await repository.insertAgreement({ ...old, id: 'a-ended-50301', boardNummer: '50301', status: 'TERMINATED', liveKey: 'closed:a-ended-50301' })).toBe(true);
    const csv = 'BEVOEGD GEZAG NUMMER;TYPE;SERVICES;SIGNED DATE;SIGNER NAME\n50300;OSO;OSO_OV;2019-04-01;E. Mulder\n50301;OSO;OSO_OV;2019-04-01;E. Mulder\n';
    const report = await importAgreements(Buffer.from(csv), { repository, file: 'legacy.csv' });
    expect(report.imported).toEqual([]);
    expect(report.unchanged.map((r) => r.id)).toEqual(['imp-50300-oso', 'a-ended-50301']);
    expect((await repository.findAgreementsOfBoards(['50300', '50301'])).map((a) => a.id).sort()).toEqual(['a-ended-50301', 'imp-50300-oso']);
  });

  it('a dry run names no id for what it would create', async () => {
    const report = await importAgreements(Buffer.from('BEVOEGD GEZAG NUMMER;TYPE;SERVICES;SIGNED DATE;SIGNER NAME\n50400;OSO;OSO_OV;2019-04-01;F. Jansen\n'), { repository, file: 'dry.csv', dryRun: true });
    expect(report.imported).toEqual([{ line: 2, id: null, board: '50400', type: 'OSO' }]);
    expect(await repository.findAgreementsOfBoards(['50400'])).toEqual([]);
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
    expect(first.stdout).toMatch(/line 2: a-[0-9a-f-]{36} \(board 50200, OSO\)/);
    const second = await run();
    expect(second.stdout).toMatch(/│ imported +│ +0 │/);
    expect(second.stdout).toMatch(/│ already imported, unchanged +│ +1 │/);
  }, 60_000);
});
