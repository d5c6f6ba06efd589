import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@osr/common';
import type { OrganisationsRepository } from '../src/repository.js';
import { importRio, type ImportReport } from '../src/rio/import.js';
import { ImportFileError } from '../src/rio/read-json.js';
import { cp1252, feedRows, freshRepository, storedBoard, storedSchool } from './support.js';

const HEADER =
  'BEVOEGD GEZAG NUMMER;BEVOEGD GEZAG NAAM;ONDERWIJSBESTUURCODE;INSTELLINGSCODE;INSTELLINGSNAAM;SECTOR;SOORT;' +
  'INSTELLING BEGINDATUM;INSTELLING EINDDATUM;BESTUUR BEGINDATUM;VESTIGINGSNUMMER;VESTIGINGSNAAM;POSTCODE;PLAATSNAAM;' +
  'SAMENWERKINGSVERBAND;SAMENWERKINGSVERBAND NAAM;PROVINCIE';

/** January 2026: three boards, seven schools (25BE with two vestigingen, one name holding ; and quotes). */
const FIRST_CSV = [
  HEADER,
  '41234;Stichting Noord;101B584;00AV;Basisschool De Regenboog;PO;BAS;01-08-1990;;01-08-1990;00AV00;;9711 AB;Groningen;PO2001;SWV PO Groningen;Groningen',
  '41234;Stichting Noord;101B584;09UV;Basisschool Øresund;PO;BAS;01-08-1985;;;09UV00;;9934AB;Delfzijl;PO2001;SWV PO Groningen;Groningen',
  '41234;Stichting Noord;101B584;31EW;Sint-Jozefschool;PO;BAS;01-08-1950;;;31EW00;;;Appingedam;PO2001;SWV PO Groningen;Groningen',
  '41234;Stichting Noord;101B584;25BE;Basisschool Één Wereld;PO;BAS;01-08-1980;;;25BE00;;;Groningen;PO2001;SWV PO Groningen;Groningen',
  '41234;Stichting Noord;101B584;25BE;Basisschool Één Wereld;PO;BAS;01-08-1980;;;25BE01;"Één Wereld; locatie ""Noord""";;Groningen;PO2001;SWV PO Groningen;Groningen',
  '43555;Vereniging Midden;103B902;17GH;Christelijk Lyceum Midden;VO;VOS;01-08-1960;;;17GH00;;;Utrecht;VO2507;SWV VO Midden;Utrecht',
  '43555;Vereniging Midden;103B902;18JK;Christelijk College De Vecht;VO;VOS;01-08-1970;;;18JK00;;;Maarssen;VO2507;SWV VO Midden;Utrecht',
  '42001;Stichting Maasland;102B117;14AB;Openbare Basisschool De Linde;PO;BAS;01-08-1975;;;14AB00;;;Maastricht;PO3101;SWV PO Maasland;Limburg',
].join('\r\n');

/** September 2026: 43555 merged into 42001, 00AV moved, 31EW closed, 09UV gone; and bad rows. */
const SECOND_CSV = [
  HEADER,
  /* 2 */ '42001;Stichting Maasland;102B117;00AV;Basisschool De Regenboog;PO;BAS;01-08-1990;;01-08-2026;00AV00;;9711 AB;Groningen;PO3101;SWV PO Maasland;Groningen',
  /* 3 */ '41234;Stichting Noord;101B584;31EW;Sint-Jozefschool;PO;BAS;01-08-1950;31-07-2026;;31EW00;;;Appingedam;PO2001;SWV PO Groningen;Groningen',
  /* 4 */ '41234;Stichting Noord;101B584;25BE;Basisschool Één Wereld;PO;BAS;01-08-1980;;;25BE00;;;Groningen;PO2001;SWV PO Groningen;Groningen',
  /* 5 */ '41234;Stichting Noord;101B584;25BE;Basisschool Één Wereld;PO;BAS;01-08-1980;;;25BE01;"Één Wereld; locatie ""Noord""";;Groningen;PO2001;SWV PO Groningen;Groningen',
  /* 6 duplicate of 5 */ '41234;Stichting Noord;101B584;25BE;Basisschool Één Wereld;PO;BAS;01-08-1980;;;25BE01;"Één Wereld; locatie ""Noord""";;Groningen;PO2001;SWV PO Groningen;Groningen',
  /* 7 merger, board named only */ '42001;;;17GH;Christelijk Lyceum Midden;VO;VOS;01-08-1960;;01-08-2026;17GH00;;;Utrecht;VO2507;SWV VO Midden;Utrecht',
  /* 8 merger */ '42001;;;18JK;Christelijk College De Vecht;VO;VOS;01-08-1970;;01-08-2026;18JK00;;;Maarssen;VO2507;SWV VO Midden;Utrecht',
  /* 9 */ '42001;Stichting Maasland;102B117;14AB;Openbare Basisschool De Linde;PO;BAS;01-08-1975;;;14AB00;;;Maastricht;PO3101;SWV PO Maasland;Limburg',
  /* 10 invalid bevoegd gezag nummer */ '4200A;Stichting Maasland;102B117;55CC;Basisschool Nieuw;PO;BAS;01-08-2026;;;55CC00;;;Maastricht;PO3101;SWV PO Maasland;Limburg',
  /* 11 invalid BRIN */ '42001;Stichting Maasland;102B117;5CCC;Basisschool Fout;PO;BAS;01-08-2026;;;55CC00;;;Maastricht;PO3101;SWV PO Maasland;Limburg',
  /* 12 unknown board */ '49999;;;66DD;Basisschool Zonder Bestuur;PO;BAS;01-08-2026;;;66DD00;;;Venlo;PO3101;SWV PO Maasland;Limburg',
  /* 13 conflicts with 9 */ '42001;Stichting Maasland;102B117;14AB;Openbare Basisschool De Linde Anders;PO;BAS;01-08-1975;;;14AB01;;;Maastricht;PO3101;SWV PO Maasland;Limburg',
].join('\r\n');

const JANUARY = { syncedAt: new Date('2026-01-05T06:00:00.000Z') };
const SEPTEMBER = { syncedAt: new Date('2026-09-01T06:00:00.000Z') };
const utf8 = (text: string) => new TextEncoder().encode(text);
const withBom = (bytes: Uint8Array) => new Uint8Array([0xef, 0xbb, 0xbf, ...bytes]);

describe('RIO import of DUO CSV files', () => {
  let database: Database;
  let repo: OrganisationsRepository;
  let first: ImportReport;
  let second: ImportReport;

  beforeAll(async () => {
    ({ database, repo } = await freshRepository());
    first = await importRio(repo, { name: 'jan.csv', bytes: withBom(utf8(FIRST_CSV)) }, { mode: 'full', ...JANUARY });
    second = await importRio(repo, { name: 'sep.csv', bytes: utf8(SECOND_CSV) }, { mode: 'full', ...SEPTEMBER });
  });
  afterAll(() => database?.close());

  it('reads a UTF-8 file with a BOM: quoted fields with ; and "", Dutch dates, names with Één and Ø', async () => {
    expect(first.encoding).toBe('utf-8');
    expect(first.rejections).toEqual([]);
    expect(first.recordsRead).toBe(8);
    expect(first.boards.created).toBe(3);
    expect(first.schools.created).toBe(7);
    expect(first.samenwerkingsverbanden.created).toBe(3);
    expect(first.vestigingen.created).toBe(8);
    const school = await storedSchool(repo, '25BE');
    expect(school!.name).toBe('Basisschool Één Wereld');
    expect(school!.startDate).toBe('1980-08-01');
    expect(school!.vestigingen.map((v) => v.name)).toEqual(['Basisschool Één Wereld', 'Één Wereld; locatie "Noord"']);
    expect((await storedSchool(repo, '09UV'))!.vestigingen[0]!.address).toEqual({ street: null, houseNumber: null, postcode: '9934AB', city: 'Delfzijl' });
  });

  it('the second file: moves, the merger, a closure, and each bad row reported by line, field and reason', async () => {
    expect(second.rejections).toEqual([
      { record: 'line 10', field: 'BEVOEGD GEZAG NUMMER', value: '4200A', reason: 'a bevoegd gezag nummer is 5 digits, e.g. 41234' },
      { record: 'line 11', field: 'INSTELLINGSCODE', value: '5CCC', reason: 'a BRIN is 2 digits followed by 2 capital letters or digits, e.g. 25BE' },
      { record: 'line 13', field: 'INSTELLINGSNAAM', value: 'Openbare Basisschool De Linde Anders', reason: 'differs from line 9 for the same INSTELLINGSCODE' },
      { record: 'line 12', field: 'BEVOEGD GEZAG NUMMER', value: '49999', reason: 'unknown board: no row gives its BEVOEGD GEZAG NAAM and it is not in the register' },
    ]);
    expect(second.rejected).toBe(4);
    // An exact repeat of a row is taken once, not rejected.
    expect(second.duplicates).toEqual([{ record: 'line 6', of: 'line 5' }]);
    expect(second.boards).toEqual({ created: 0, updated: 1, ended: 1, unchanged: 2 });
    expect(second.schools).toEqual({ created: 0, updated: 5, ended: 2, unchanged: 2, moved: 3 });
    expect((await feedRows(repo, second.importId)).map((f) => f.description)).toEqual([
      'School 00AV moved from board 41234 to 42001',
      'School 00AV joined samenwerkingsverband PO3101',
      'School 00AV left samenwerkingsverband PO2001',
      'School 17GH moved from board 43555 to 42001',
      'School 18JK moved from board 43555 to 42001',
      'School 31EW closed on 2026-07-31',
      'School 09UV closed on 2026-08-31 (no longer in RIO)',
      'Board 43555 closed on 2026-08-31 (no longer in RIO)',
    ]);
    // Bad rows wrote nothing: no new schools, no second vestiging for 14AB, the name kept.
    expect(await repo.schools.countDocuments()).toBe(7);
    expect(await storedSchool(repo, '14AB')).toMatchObject({ name: 'Openbare Basisschool De Linde', vestigingen: [{ vestigingsnummer: '14AB00' }] });
    expect(await storedBoard(repo, '43555')).toMatchObject({ endDate: '2026-08-31' });
    expect(await storedSchool(repo, '17GH')).toMatchObject({
      boardNummer: '42001',
      boardHistory: [
        { boardNummer: '43555', from: '1960-08-01', until: '2026-07-31' },
        { boardNummer: '42001', from: '2026-08-01', until: null },
      ],
    });
  });

  it('re-importing the same file changes nothing and adds no feed entry', async () => {
    const feed = await repo.changes.countDocuments();
    const again = await importRio(repo, { name: 'sep.csv', bytes: utf8(SECOND_CSV) }, { mode: 'full', ...SEPTEMBER });
    expect([again.created, again.updated, again.ended, again.moved, again.changes, again.rejected]).toEqual([0, 0, 0, 0, 0, 4]);
    expect(await repo.changes.countDocuments()).toBe(feed);
  });

  it('a delta file changes only the rows it holds: a new vestiging for 14AB, nothing ended', async () => {
    const delta = [
      HEADER,
      '42001;;;14AB;Openbare Basisschool De Linde;PO;BAS;01-08-1975;;;14AB00;;;Maastricht;PO3101;;Limburg',
      '42001;;;14AB;Openbare Basisschool De Linde;PO;BAS;01-08-1975;;;14AB01;De Linde locatie Oost;6221 AB;Maastricht;PO3101;;Limburg',
    ].join('\n');
    const report = await importRio(repo, { name: 'delta.csv', bytes: utf8(delta) }, { mode: 'delta', syncedAt: new Date('2026-10-01T06:00:00.000Z') });
    expect(report.rejections).toEqual([]);
    expect(report.schools).toEqual({ created: 0, updated: 1, ended: 0, unchanged: 0, moved: 0 });
    expect(report.boards).toEqual({ created: 0, updated: 0, ended: 0, unchanged: 0 });
    expect(report.vestigingen).toEqual({ created: 1, updated: 0, ended: 0 });
    expect((await feedRows(repo, report.importId)).map((f) => f.description)).toEqual(['School 14AB changed: vestigingen']);
    expect((await storedSchool(repo, '14AB'))!.vestigingen.map((v) => [v.vestigingsnummer, v.name, v.address?.postcode])).toEqual([
      ['14AB00', 'Openbare Basisschool De Linde', null],
      ['14AB01', 'De Linde locatie Oost', '6221AB'],
    ]);
    expect(await storedSchool(repo, '25BE')).toMatchObject({ endDate: null, rioSyncedAt: new Date('2026-09-01T06:00:00.000Z') });
  });

  it('a Windows-1252 file reads the same as the UTF-8 one', async () => {
    const other = await freshRepository();
    try {
      const report = await importRio(other.repo, { name: 'jan-cp1252.csv', bytes: cp1252(FIRST_CSV) }, { mode: 'full', ...JANUARY });
      expect(report.encoding).toBe('windows-1252');
      expect(report.rejections).toEqual([]);
      const fromCp1252 = await other.repo.schools.find({}, { projection: { _id: 0 } }).sort({ brin: 1 }).toArray();
      const reference = await freshRepository();
      try {
        await importRio(reference.repo, { name: 'jan.csv', bytes: utf8(FIRST_CSV) }, { mode: 'full', ...JANUARY });
        const fromUtf8 = await reference.repo.schools.find({}, { projection: { _id: 0 } }).sort({ brin: 1 }).toArray();
        expect(fromCp1252).toEqual(fromUtf8);
        expect(fromCp1252.map((s) => s.name)).toContain('Basisschool Øresund');
      } finally {
        await reference.database.close();
      }
    } finally {
      await other.database.close();
    }
  });

  it('refuses a file without the required columns, and a CSV without a moment, before writing anything', async () => {
    const feed = await repo.changes.countDocuments();
    await expect(
      importRio(repo, { name: 'bad.csv', bytes: utf8('BEVOEGD GEZAG NUMMER,INSTELLINGSCODE\n41234,25BE\n') }, { mode: 'full', ...SEPTEMBER }),
    ).rejects.toThrow(new ImportFileError('the CSV header lacks the column(s) BEVOEGD GEZAG NUMMER, INSTELLINGSCODE, INSTELLINGSNAAM, SECTOR (or give the sector: --sector PO), SOORT or ONDERWIJSSTRUCTUUR (is it ;-separated?)'));
    await expect(importRio(repo, { name: 'sep.csv', bytes: utf8(SECOND_CSV) }, { mode: 'full' })).rejects.toThrow(ImportFileError);
    expect(await repo.changes.countDocuments()).toBe(feed);
  });
});
