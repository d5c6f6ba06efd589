/**
 * DUO's open-data files as DUO publishes them (a boards file and a vestigingen file of one
 * sector, Windows-1252 and UTF-8, `;`), imported with `npm run rio:import` as a user runs it;
 * and the exit codes and --json output every one-off command shares (0 / 2 / 1).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, databaseName, type Database } from '@osr/common';
import { OrganisationsRepository } from '@osr/subgraph-organisations/repository';
import { fixture, runCommand } from '../support/commands.js';
import { freshPrefix } from '../support/system.js';
import { databaseUri } from '../support/system.js';

const PAIR = ['--boards', fixture('duo/po-besturen.csv'), fixture('duo/po-vestigingen.csv'), '--sector', 'PO', '--synced-at', '2026-11-01T06:00:00Z'];

describe('rio:import of DUO\'s two files of one sector', () => {
  const prefix = freshPrefix();
  let database: Database;
  let repo: OrganisationsRepository;
  const dir = mkdtempSync(join(tmpdir(), 'osr-duo-'));

  beforeAll(async () => {
    database = await connectDatabase(databaseUri(), databaseName(prefix, 'organisations'));
    repo = new OrganisationsRepository(database.db);
  });
  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 90_000);

  it('takes the pair as downloaded: boards from the boards file, sector from the flag, kind from ONDERWIJSSTRUCTUUR; exit 2 for the two bad rows, with --json on stdout', async () => {
    const run = await runCommand('rio-import', [...PAIR, '--json'], prefix);
    expect(run.code, run.stderr).toBe(2);
    expect(run.json).toMatchObject({ command: 'rio:import', exitCode: 2, outcome: 'some rows rejected, the rest written' });
    const report = run.json!['report'] as Record<string, unknown>;
    expect(report).toMatchObject({
      format: 'csv',
      encoding: 'utf-8',
      referenceDate: '2026-11-01',
      recordsRead: 3 + 7,
      rejected: 2,
      boards: { created: 3 },
      schools: { created: 4 },
      vestigingen: { created: 5 },
    });
    const rejections = report['rejections'] as { record: string; field: string; reason: string }[];
    expect(rejections.map((r) => [r.record, r.field])).toEqual([
      [`${fixture('duo/po-vestigingen.csv')} line 7`, 'ONDERWIJSSTRUCTUUR'],
      [`${fixture('duo/po-vestigingen.csv')} line 8`, 'BEVOEGD GEZAG NUMMER'],
    ]);
    expect(rejections[1]!.reason).toContain('unknown board');

    // The boards file is Windows-1252: its names arrive intact, its KVK-NUMMER column is KVK NUMMER.
    expect(await repo.boards.findOne({ bevoegdGezagNummer: '50200' }, { projection: { _id: 0, name: 1, kvkNummer: 1 } })).toEqual({
      name: 'Vereniging voor Christelijk Onderwijs Ölst-Wijhe',
      kvkNummer: '05123456',
    });
    const schools = await repo.schools.find({}, { projection: { _id: 0, brin: 1, name: 1, sector: 1, kindCode: 1, boardNummer: 1, startDate: 1, boardHistory: 1 } }).sort({ brin: 1 }).toArray();
    expect(schools.map((s) => [s.brin, s.sector, s.kindCode, s.boardNummer])).toEqual([
      ['41AA', 'PO', 'BAS', '50100'],
      ['42BB', 'PO', 'SBAS', '50100'],
      ['43CC', 'PO', 'BAS', '50200'],
      ['44DD', 'PO', 'BAS', '50300'],
    ]);
    expect(schools.find((s) => s.brin === '43CC')!.name).toBe('CBS Het Kompas Één');
    // The quoted name with a ';' inside stays whole.
    expect(schools.find((s) => s.brin === '44DD')!.name).toBe('RKBS De Ark; locatie Noord');
    // No begin dates in DUO's files: the register knows each school from the reference date.
    expect(schools[0]!.startDate).toBeNull();
    expect(schools[0]!.boardHistory).toEqual([{ boardNummer: '50100', from: '2026-11-01', until: null }]);
    const eshof = await repo.schools.findOne({ brin: '41AA' });
    expect(eshof!.vestigingen.map((v) => [v.vestigingsnummer, v.name, v.address?.postcode])).toEqual([
      ['41AA00', 'OBS De Eshof', '9401AA'],
      ['41AA01', 'OBS De Eshof, dependance Kloosterveen', '9408BB'],
    ]);
  }, 90_000);

  it('the same pair again takes everything as unchanged; a full snapshot of one sector ends no school of another sector, no board', async () => {
    // A VO school of another file, imported before: a PO pair must not end it.
    const vo = join(dir, 'vo-vestigingen.csv');
    writeFileSync(vo, 'bevoegd_gezag_nummer;Instellingscode;vestigingsnummer;INSTELLINGSNAAM;Onderwijsstructuur\n50300;47GG;47GG00;Katholiek Lyceum Sticht;VWO/HAVO/VMBO\n');
    const voRun = await runCommand('rio-import', [vo, '--sector', 'VO', '--delta', '--synced-at', '2026-11-01T06:00:00Z'], prefix);
    expect(voRun.code, voRun.stdout + voRun.stderr).toBe(0);
    expect(await repo.schools.findOne({ brin: '47GG' }, { projection: { _id: 0, sector: 1, kindCode: 1 } })).toEqual({ sector: 'VO', kindCode: 'VOS' });

    const again = await runCommand('rio-import', [...PAIR, '--json'], prefix);
    expect(again.code, again.stderr).toBe(2);
    const report = again.json!['report'] as Record<string, number>;
    expect([report['created'], report['updated'], report['ended'], report['changes']]).toEqual([0, 0, 0, 0]);
    expect(await repo.schools.findOne({ brin: '47GG' }, { projection: { _id: 0, endDate: 1 } })).toEqual({ endDate: null });
  }, 90_000);

  it('exit 1 with the error as JSON on stdout: a missing column, a bad sector, an unreadable file, arguments it does not know', async () => {
    const bad = join(dir, 'no-structure.csv');
    writeFileSync(bad, 'BEVOEGD GEZAG NUMMER;INSTELLINGSCODE;VESTIGINGSNUMMER;INSTELLINGSNAAM\n50100;41AA;41AA00;OBS De Eshof\n');
    const cases = [
      { args: [bad, '--sector', 'PO', '--json'], error: 'SOORT or ONDERWIJSSTRUCTUUR' },
      { args: [bad, '--json'], error: 'SECTOR (or give the sector: --sector PO)' },
      { args: [bad, '--sector', 'HO', '--json'], error: '--sector "HO" is invalid' },
      { args: [join(dir, 'absent.csv'), '--json'], error: 'Cannot read' },
      { args: [bad, '--jsn', '--json'], error: "unknown option '--jsn'" },
    ];
    for (const c of cases) {
      const run = await runCommand('rio-import', c.args, prefix);
      expect(run.code, JSON.stringify(c.args)).toBe(1);
      expect(run.json, run.stdout).toMatchObject({ command: 'rio:import', exitCode: 1, outcome: 'nothing done' });
      expect(run.json!['error']).toContain(c.error);
    }
    // Without --json: the message for people on stderr, nothing on stdout.
    const plain = await runCommand('rio-import', [bad, '--sector', 'PO'], prefix);
    expect(plain.code).toBe(1);
    expect(plain.stdout).toBe('');
    expect(plain.stderr).toContain('lacks the column(s) SOORT or ONDERWIJSSTRUCTUUR');
  }, 90_000);

  it('every row rejected is "nothing done": exit 1; the one-file form with SECTOR and SOORT still works (exit 0)', async () => {
    const allBad = join(dir, 'all-bad.csv');
    writeFileSync(allBad, 'BEVOEGD GEZAG NUMMER;INSTELLINGSCODE;VESTIGINGSNUMMER;INSTELLINGSNAAM;SECTOR;SOORT\n5010;41AA;41AA00;OBS De Eshof;PO;BAS\n');
    const rejected = await runCommand('rio-import', [allBad, '--delta', '--synced-at', '2026-11-01T06:00:00Z'], prefix);
    expect(rejected.code).toBe(1);
    expect(rejected.stdout).toContain('rio:import: 1 records read, 1 rejected');
    const oneFile = join(dir, 'one-file.csv');
    writeFileSync(oneFile, 'BEVOEGD GEZAG NUMMER;BEVOEGD GEZAG NAAM;INSTELLINGSCODE;VESTIGINGSNUMMER;INSTELLINGSNAAM;SECTOR;SOORT\n50400;Stichting Een Bestand;48HH;48HH00;Basisschool Een Bestand;PO;BAS\n');
    const ok = await runCommand('rio-import', [oneFile, '--delta', '--synced-at', '2026-11-01T06:00:00Z'], prefix);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain('(exit 0: every row taken)');
    expect(await repo.schools.findOne({ brin: '48HH' }, { projection: { _id: 0, boardNummer: 1, kindCode: 1 } })).toEqual({ boardNummer: '50400', kindCode: 'BAS' });
    // A hoofdvestigingen file without VESTIGINGSNUMMER: each row is the school's main vestiging.
    const hoofd = join(dir, 'hoofdvestigingen.csv');
    writeFileSync(hoofd, 'BEVOEGD GEZAG NUMMER;INSTELLINGSCODE;INSTELLINGSNAAM;ONDERWIJSSTRUCTUUR\n50400;49JJ;SBO Het Hoofd;SBO\n');
    const main = await runCommand('rio-import', [hoofd, '--sector', 'PO', '--delta', '--synced-at', '2026-11-01T06:00:00Z'], prefix);
    expect(main.code, main.stdout + main.stderr).toBe(0);
    const school = await repo.schools.findOne({ brin: '49JJ' });
    expect([school!.kindCode, school!.vestigingen.map((v) => [v.vestigingsnummer, v.name])]).toEqual(['SBAS', [['49JJ00', 'SBO Het Hoofd']]]);
  }, 90_000);
});
