import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, databaseName, type Database } from '@osr/common';
import { buildDemoData, SUPPLIER_A, SUPPLIER_B } from '../../../scripts/demo-data.js';
import { seedDemo } from '../../../scripts/seed-lib.js';
import { databaseUri, freshPrefix } from '../../../test/support/system.js';
import { migrateOsoExport, parseColumnMap } from '../src/migration.js';
import { directAccess, type DirectAccess } from '../src/repositories/direct.js';
import { FakeOrganisations, failure } from './fixtures.js';

const A = SUPPLIER_A.oin;
const B = SUPPLIER_B.oin;
export const EXPORT = [
  'BRIN;AANLEVERPUNT;SOORT;LEVERANCIER_OIN;LAS;STATUS;AANSLUITDATUM',
  `00AV;1;OV;${A};Voorbeeld LAS;actief;2019-04-01`,
  `00AV;2;SWV;${A};Voorbeeld LAS;actief;2020-01-15`,
  `00AV;3;OV;${A};Voorbeeld LAS;actief;2021-05-01`,
  `01BC;1;OV;${A};Voorbeeld LAS;inactief;`,
  `03GH;1;OV;${B};LDD Leerlingvolgsysteem;actief;01-10-2022`,
  `03GH;1;OV;${B};LDD Leerlingvolgsysteem;actief;01-10-2022`,
  `99ZZ;1;OV;${A};Voorbeeld LAS;actief;2019-01-01`,
  '12WX;1;OV;00000009999999999999;Onbekend LAS;actief;2019-01-01',
  `12WX;x;OV;${B};LDD Leerlingvolgsysteem;actief;2019-01-01`,
  `12WX;1;OV;${B};LDD Leerlingvolgsysteem;actief`,
  `13YZ;1;SWV;${B};LDD Leerlingvolgsysteem;inactief;`,
  `13YZ;2;OV;${B};ldd leerlingvolgsysteem;actief;2018-06-01`,
  `14AB;1;OV;${B};LDD Leerlingvolgsysteem;actief;2022-13-01`,
  '',
].join('\r\n');

describe('the OSO → OSR migration', () => {
  let database: Database;
  let repository: DirectAccess;
  const demo = buildDemoData();
  const organisations = new FakeOrganisations(demo);

  beforeAll(async () => {
    // Before the switch: the catalogue and suppliers exist, no aanleverpunten or mandates yet.
    const prefix = freshPrefix();
    await seedDemo(databaseUri(), prefix, { ...demo, mandates: { ...demo.mandates, mandates: [], aanleverpunten: [] } });
    database = await connectDatabase(databaseUri(), databaseName(prefix, 'mandates'));
    repository = directAccess(database.db);
    await repository.ensureIndexes();
  });
  afterAll(() => database?.close());

  const bytes = new TextEncoder().encode(EXPORT);
  // Named once, with the command that registers it (the export does not give the supplier's name).
  const UNKNOWN_SUPPLIER = {
    oin: '00000009999999999999',
    systems: ['Onbekend LAS'],
    lines: [9],
    command: "npx osr suppliers import --oin 00000009999999999999 --supplier '<supplier name>' --system 'Onbekend LAS' --kind LAS --services OSO_OV",
  };
  const expectedReport = {
    encoding: 'utf-8',
    rows: 13,
    // line 7 repeats line 6 exactly: taken once, not rejected
    duplicates: [{ line: 7, of: 6 }],
    flaggedForReview: [],
    rejected: [
      { line: 8, field: 'BRIN', value: '99ZZ', reason: 'unknown BRIN: the school is not in RIO' },
      { line: 9, field: 'LEVERANCIER_OIN', value: '00000009999999999999', reason: 'unknown supplier: register it (see unknownSuppliers)' },
      { line: 10, field: 'AANLEVERPUNT', value: 'x', reason: 'an aanleverpunt is numbered 1 to 99' },
      { line: 11, field: '(row)', value: '', reason: 'has 6 fields, the header has 7' },
      { line: 14, field: 'AANSLUITDATUM', value: '2022-13-01', reason: 'no such calendar date (use YYYY-MM-DD or DD-MM-YYYY)' },
    ],
    notMigrated: [],
    schoolsToIssueMandate: [
      { brin: '01BC', kind: 'OV', board: '41234' },
      { brin: '13YZ', kind: 'SWV', board: '41234' },
    ],
    assumptions: [],
    unknownSuppliers: [UNKNOWN_SUPPLIER],
    unknownSystems: [],
  };

  it('a dry run reports what it would do and writes nothing', async () => {
    const report = await migrateOsoExport(bytes, { repository: repository.repositories, organisations, dryRun: true });
    expect(report).toEqual({ ...expectedReport, dryRun: true, aanleverpunten: { created: 7, updated: 0, unchanged: 0 }, mandates: { created: 4, alreadyMigrated: 0 } });
    expect(await repository.mandates.countDocuments()).toBe(0);
    expect(await repository.aanleverpunten.countDocuments()).toBe(0);
    expect(await repository.history.countDocuments()).toBe(0);
  });

  it('turns active aanleverpunten into exactly these mandates, stores inactive ones without, and reports every row', async () => {
    const progress: number[] = [];
    const report = await migrateOsoExport(bytes, { repository: repository.repositories, organisations, progress: (done) => progress.push(done) });
    expect(report).toEqual({ ...expectedReport, dryRun: false, aanleverpunten: { created: 7, updated: 0, unchanged: 0 }, mandates: { created: 4, alreadyMigrated: 0 } });
    expect(progress.at(-1)).toBe(7);

    const stored = await repository.mandates.find({}, { projection: { _id: 0, id: 1, serviceCode: 1, systemId: 1, brin: 1, boardNummer: 1, startDate: 1, endDate: 1, origin: 1 } }).sort({ brin: 1, serviceCode: 1 }).toArray();
    // Ids are random (issue 17.5): nothing of the school, service, system or date is in them.
    for (const m of stored) expect(m.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const idOf = (brin: string, service: string) => stored.find((m) => m.brin === brin && m.serviceCode === service)!.id;
    expect(stored.map(({ id: _id, ...m }) => m)).toEqual([
      { serviceCode: 'OSO_OV', systemId: 'voorbeeld-las', brin: '00AV', boardNummer: '41234', startDate: '2022-08-15', endDate: null, origin: 'OSO_MIGRATION' },
      { serviceCode: 'OSO_SWV', systemId: 'voorbeeld-las', brin: '00AV', boardNummer: '41234', startDate: '2022-08-15', endDate: null, origin: 'OSO_MIGRATION' },
      // connected after the switch: the mandate starts on the connection date
      { serviceCode: 'OSO_OV', systemId: 'ldd-las', brin: '03GH', boardNummer: '41234', startDate: '2022-10-01', endDate: null, origin: 'OSO_MIGRATION' },
      { serviceCode: 'OSO_OV', systemId: 'ldd-las', brin: '13YZ', boardNummer: '41234', startDate: '2022-08-15', endDate: null, origin: 'OSO_MIGRATION' },
    ]);
    const points = await repository.aanleverpunten.find({}, { projection: { _id: 0 } }).sort({ brin: 1, index: 1 }).toArray();
    expect(points).toEqual([
      { brin: '00AV', index: 1, kind: 'OV', systemId: 'voorbeeld-las', active: true, mandateId: idOf('00AV', 'OSO_OV') },
      { brin: '00AV', index: 2, kind: 'SWV', systemId: 'voorbeeld-las', active: true, mandateId: idOf('00AV', 'OSO_SWV') },
      // a second point on the same system and kind shares the one mandate
      { brin: '00AV', index: 3, kind: 'OV', systemId: 'voorbeeld-las', active: true, mandateId: idOf('00AV', 'OSO_OV') },
      { brin: '01BC', index: 1, kind: 'OV', systemId: 'voorbeeld-las', active: false, mandateId: null },
      { brin: '03GH', index: 1, kind: 'OV', systemId: 'ldd-las', active: true, mandateId: idOf('03GH', 'OSO_OV') },
      { brin: '13YZ', index: 1, kind: 'SWV', systemId: 'ldd-las', active: false, mandateId: null },
      { brin: '13YZ', index: 2, kind: 'OV', systemId: 'ldd-las', active: true, mandateId: idOf('13YZ', 'OSO_OV') },
    ]);
    const history = await repository.store.historyOf([idOf('00AV', 'OSO_OV')]);
    expect(history.map((h) => [h.by, h.changes.map((c) => c.action)])).toEqual([['OSO migration', ['CREATED']]]);
  });

  it('a second run creates nothing and says so: it finds the mandates it migrated by school, service and system', async () => {
    const before = { mandates: await repository.mandates.countDocuments(), history: await repository.history.countDocuments() };
    const points = await repository.aanleverpunten.find({}, { projection: { _id: 0 } }).sort({ brin: 1, index: 1 }).toArray();
    const report = await migrateOsoExport(bytes, { repository: repository.repositories, organisations });
    expect(report.mandates).toEqual({ created: 0, alreadyMigrated: 4 });
    expect(report.aanleverpunten).toEqual({ created: 0, updated: 0, unchanged: 7 });
    expect({ mandates: await repository.mandates.countDocuments(), history: await repository.history.countDocuments() }).toEqual(before);
    // the points still link to the same mandates
    expect(await repository.aanleverpunten.find({}, { projection: { _id: 0 } }).sort({ brin: 1, index: 1 }).toArray()).toEqual(points);
  });

  it('refuses a file that is not an export at all, naming the problem', async () => {
    const wrong = await failure(migrateOsoExport(new TextEncoder().encode('BRIN,AANLEVERPUNT\n00AV,1\n'), { repository: repository.repositories, organisations }));
    expect(wrong).toEqual({ code: 'BAD_USER_INPUT', message: 'The export cannot be read: line 1: expected columns separated by ";"; found one column: "BRIN,AANLEVERPUNT"' });
    const missing = await failure(migrateOsoExport(new TextEncoder().encode('BRIN;AANLEVERPUNT\n00AV;1\n'), { repository: repository.repositories, organisations }));
    expect(missing.message).toBe(
      'The export cannot be read: line 1: missing column(s): SOORT, LEVERANCIER_OIN, LAS, STATUS, AANSLUITDATUM; the file has BRIN, AANLEVERPUNT; ' +
        'expected BRIN, AANLEVERPUNT, SOORT, LEVERANCIER_OIN, LAS, STATUS, AANSLUITDATUM',
    );
  });

  it('matches column names as the RIO importer does, takes the known synonyms (SYSTEEM for LAS), and the operator names the rest', async () => {
    const row = `00AV;1;OV;${A};Voorbeeld LAS;actief;2019-04-01`;
    const read = (header: string, columns?: Record<string, string>) =>
      migrateOsoExport(new TextEncoder().encode(`${header}\n${row}\n`), { repository: repository.repositories, organisations, dryRun: true, ...(columns ? { columns: parseColumnMap(Object.entries(columns).map(([k, v]) => `${k}=${v}`).join(',')) } : {}) });
    for (const header of ['brin;Aanleverpunt;soort;Leverancier-OIN;SYSTEEM;status;aansluitdatum', 'BRIN;AANLEVERPUNT;SOORT;LEVERANCIER OIN;Systeemnaam;STATUS;Datum aansluiting']) {
      const report = await read(header);
      // (00AV's OV mandate was migrated by an earlier test: found, not created again)
      expect([report.rejected, report.mandates.created + report.mandates.alreadyMigrated], header).toEqual([[], 1]);
    }
    const own = 'BRIN;AANLEVERPUNT;SOORT;LEVERANCIER_OIN;Mijn pakket;STATUS;AANSLUITDATUM';
    expect((await failure(read(own))).message).toContain('missing column(s): LAS; the file has BRIN, AANLEVERPUNT, SOORT, LEVERANCIER_OIN, Mijn pakket, STATUS, AANSLUITDATUM');
    expect((await read(own, { LAS: 'mijn_pakket' })).rejected).toEqual([]);
    expect((await failure(read(own, { LAS: 'Ander pakket' }))).message).toContain('missing column(s): LAS (given as Ander pakket)');
    expect(() => parseColumnMap('PAKKET=LAS')).toThrow('--columns: "PAKKET=LAS" is not EXPECTED=NAME with EXPECTED one of BRIN, AANLEVERPUNT');
  });

  it('names each unknown system once (a name the supplier lacks, a system without the OSO service), with the command that registers it', async () => {
    await repository.systems.insertOne({ id: 'voorbeeld-toets', name: 'Voorbeeld Toets', kind: 'TEST_SYSTEM', supplierOin: A, services: ['DOORSTROOMTOETS_PO'] });
    const rows = [
      'BRIN;AANLEVERPUNT;SOORT;LEVERANCIER_OIN;LAS;STATUS;AANSLUITDATUM',
      `02DF;1;OV;${A};Voorbeeld LAS Nieuw;actief;`,
      `02DF;2;SWV;${A};voorbeeld las nieuw;actief;`,
      `04JK;1;OV;${A};Voorbeeld Toets;actief;`,
      `06NP;1;OV;${A};Voorbeeld LAS Nieuw;inactief;`,
    ];
    const report = await migrateOsoExport(new TextEncoder().encode(rows.join('\n')), { repository: repository.repositories, organisations, dryRun: true });
    expect(report.unknownSuppliers).toEqual([]);
    expect(report.unknownSystems).toEqual([
      {
        oin: A, supplier: SUPPLIER_A.name, system: 'Voorbeeld LAS Nieuw', reason: `supplier ${A} has no system of that name`, lines: [2, 3, 5],
        command: `npx osr suppliers import --oin ${A} --supplier 'Voorbeeld Schoolsoftware B.V.' --system 'Voorbeeld LAS Nieuw' --kind LAS --services OSO_OV,OSO_SWV`,
      },
      {
        oin: A, supplier: SUPPLIER_A.name, system: 'Voorbeeld Toets', reason: 'Voorbeeld Toets does not support OSO_OV', lines: [4],
        command: `npx osr suppliers import --oin ${A} --supplier 'Voorbeeld Schoolsoftware B.V.' --system 'Voorbeeld Toets' --kind TEST_SYSTEM --services DOORSTROOMTOETS_PO,OSO_OV`,
      },
    ]);
    expect(report.rejected.map((r) => r.line)).toEqual([2, 3, 4, 5]);
  });
});
