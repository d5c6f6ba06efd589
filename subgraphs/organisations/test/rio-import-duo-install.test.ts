/**
 * DUO's two files of a sector as a real install imports them, one rule per test, each on its
 * own fresh database: locations named by INSTELLINGSNAAM (no VESTIGINGSNAAM), exact duplicate
 * rows, a merger closing the absorbed board (and not a board with schools in another sector),
 * snapshot dates and their refusals, a closed school's locations.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '@osr/common';
import type { OrganisationsRepository } from '../src/repository.js';
import { importRio, type ImportOptions } from '../src/rio/import.js';
import { ImportFileError } from '../src/rio/read-json.js';
import { feedRows, freshRepository, storedBoard, storedSchool } from './support.js';

const BOARDS_HEADER = 'BEVOEGD GEZAG NUMMER;BEVOEGD GEZAG NAAM';
const LOCATIONS_HEADER = 'BEVOEGD GEZAG NUMMER;INSTELLINGSCODE;VESTIGINGSNUMMER;INSTELLINGSNAAM;ONDERWIJSSTRUCTUUR';
const bytes = (lines: string[]) => new TextEncoder().encode(`${lines.join('\r\n')}\r\n`);

let opened: Database[] = [];
afterEach(async () => {
  await Promise.all(opened.map((d) => d.close()));
  opened = [];
});

async function fresh(): Promise<OrganisationsRepository> {
  const { database, repo } = await freshRepository();
  opened.push(database);
  return repo;
}

function pair(repo: OrganisationsRepository, boards: string[], locations: string[], options: Partial<ImportOptions> & { referenceDate: string }) {
  return importRio(
    repo,
    { name: 'vestigingen.csv', bytes: bytes([LOCATIONS_HEADER, ...locations]), boards: { name: 'besturen.csv', bytes: bytes([BOARDS_HEADER, ...boards]) } },
    { mode: 'full', sector: 'PO', fileModifiedAt: new Date('2026-12-01T08:00:00Z'), ...options },
  );
}

describe('DUO files of a real install', () => {
  it('without VESTIGINGSNAAM: every location keeps its own INSTELLINGSNAAM, the school is named after its main location, said as a notice', async () => {
    const repo = await fresh();
    const report = await pair(
      repo,
      ['70100;Stichting Noorderlicht'],
      ['70100;51AA;51AA01;OBS Het Noorderlicht, locatie Paddepoel;BAS', '70100;51AA;51AA00;OBS Het Noorderlicht;BAS', '70100;52BB;52BB00;CBS De Wadden;BAS'],
      { referenceDate: '2026-09-01' },
    );
    expect(report.rejections).toEqual([]);
    expect(report.notices).toEqual([
      'school 51AA: the file has no VESTIGINGSNAAM and its 2 locations have different INSTELLINGSNAAMs; each location keeps its own, the school is named after its main location 51AA00 (OBS Het Noorderlicht)',
    ]);
    const school = await storedSchool(repo, '51AA');
    expect(school!.name).toBe('OBS Het Noorderlicht');
    expect(school!.vestigingen.map((v) => [v.vestigingsnummer, v.name])).toEqual([
      ['51AA00', 'OBS Het Noorderlicht'],
      ['51AA01', 'OBS Het Noorderlicht, locatie Paddepoel'],
    ]);
    // With VESTIGINGSNAAM, differing INSTELLINGSNAAMs of one school are still a conflict.
    const strict = await importRio(
      await fresh(),
      {
        name: 'v.csv',
        bytes: bytes([`${LOCATIONS_HEADER};VESTIGINGSNAAM`, '70100;51AA;51AA00;OBS A;BAS;Hoofd', '70100;51AA;51AA01;OBS B;BAS;Dependance']),
        boards: { name: 'b.csv', bytes: bytes([BOARDS_HEADER, '70100;Stichting Noorderlicht']) },
      },
      { mode: 'full', sector: 'PO', fileModifiedAt: new Date(), referenceDate: '2026-09-01' },
    );
    expect(strict.rejections.map((r) => `${r.record} ${r.field}`)).toEqual(['v.csv line 3 INSTELLINGSNAAM']);
  });

  it('an exact duplicate row is taken once and listed, not rejected; a row of the same location with other values is rejected', async () => {
    const repo = await fresh();
    const report = await pair(
      repo,
      ['70100;Stichting Noorderlicht'],
      ['70100;51AA;51AA00;OBS Het Noorderlicht;BAS', '70100;51AA;51AA00;OBS Het Noorderlicht;BAS', '70100;51AA;51AA00;OBS Het Noorderlicht;SBO'],
      { referenceDate: '2026-09-01' },
    );
    expect(report.duplicates).toEqual([{ record: 'vestigingen.csv line 3', of: 'vestigingen.csv line 2' }]);
    expect(report.rejections.map((r) => r.record)).toEqual(['vestigingen.csv line 4']);
    expect(report.rejected).toBe(1);
    expect((await storedSchool(repo, '51AA'))!.vestigingen).toHaveLength(1);
  });

  it('a merger closes the absorbed board (BOARD_CLOSED); a board absent from one sector\'s file that holds schools of another sector stays open', async () => {
    const repo = await fresh();
    await pair(repo, ['70100;Stichting Noorderlicht', '70200;Vereniging De Wadden', '70300;Stichting Twee Sectoren'], ['70100;51AA;51AA00;OBS Noord;BAS', '70200;52BB;52BB00;CBS De Wadden;BAS', '70300;53CC;53CC00;OBS Twee;BAS'], { referenceDate: '2026-09-01' });
    await pair(repo, ['70300;Stichting Twee Sectoren'], ['70300;54DD;54DD00;Lyceum Twee;VWO'], { referenceDate: '2026-09-01', sector: 'VO' });
    // October: 70200's school moved to 70100, 70200 left the boards file; 70300 left PO altogether.
    const report = await pair(repo, ['70100;Stichting Noorderlicht'], ['70100;51AA;51AA00;OBS Noord;BAS', '70100;52BB;52BB00;CBS De Wadden;BAS'], { referenceDate: '2026-10-01' });
    expect(report.boards.ended).toBe(1);
    const feed = await feedRows(repo, report.importId);
    expect(feed.map((f) => `${f.kind} ${f.brin ?? f.bevoegdGezagNummer} ${f.effectiveDate}`)).toEqual([
      'SCHOOL_MOVED 52BB 2026-10-01',
      'SCHOOL_CLOSED 53CC 2026-09-30',
      'BOARD_CLOSED 70200 2026-09-30',
    ]);
    expect(await storedBoard(repo, '70200')).toMatchObject({ endDate: '2026-09-30' });
    expect(await storedBoard(repo, '70300')).toMatchObject({ endDate: null });
  });

  it('dates: a snapshot not later than the last one is refused when it changes anything, the same file again is not; a delta may share the day', async () => {
    const repo = await fresh();
    await pair(repo, ['70100;Stichting Noorderlicht', '70200;Vereniging De Wadden'], ['70100;51AA;51AA00;OBS Noord;BAS'], { referenceDate: '2026-09-01' });
    const same = await pair(repo, ['70100;Stichting Noorderlicht', '70200;Vereniging De Wadden'], ['70100;51AA;51AA00;OBS Noord;BAS'], { referenceDate: '2026-09-01' });
    expect([same.created, same.updated, same.ended, same.changes]).toEqual([0, 0, 0, 0]);
    const feed = (await feedRows(repo)).length;
    const moved = ['70200;51AA;51AA00;OBS Noord;BAS'];
    for (const referenceDate of ['2026-09-01', '2026-08-01']) {
      await expect(pair(repo, ['70100;Stichting Noorderlicht', '70200;Vereniging De Wadden'], moved, { referenceDate })).rejects.toThrow(
        new ImportFileError(
          `this snapshot describes ${referenceDate}, which is not later than the last one imported (2026-09-01, import ${(await repo.imports.findOne({}, { sort: { startedAt: 1 } }))!.importId}), and it changes the register: give the date the data describes with --reference-date (nothing was written)`,
        ),
      );
    }
    expect((await feedRows(repo)).length).toBe(feed);
    expect(await storedSchool(repo, '51AA')).toMatchObject({ boardNummer: '70100' });
    // A delta of the same day adds to it; an earlier one is refused.
    const delta = await pair(repo, [], ['70100;52BB;52BB00;CBS Nieuw;BAS'], { referenceDate: '2026-09-01', mode: 'delta' });
    expect(delta.schools.created).toBe(1);
    await expect(pair(repo, [], ['70100;53CC;53CC00;CBS Eerder;BAS'], { referenceDate: '2026-08-31', mode: 'delta' })).rejects.toThrow(/describes 2026-08-31, which is before the last one imported/);
    // A later day moves the school: the old period ends the day before the new one starts.
    await pair(repo, ['70100;Stichting Noorderlicht', '70200;Vereniging De Wadden'], [...moved, '70100;52BB;52BB00;CBS Nieuw;BAS'], { referenceDate: '2026-10-01' });
    expect((await storedSchool(repo, '51AA'))!.boardHistory).toEqual([
      { boardNummer: '70100', from: '2026-09-01', until: '2026-09-30' },
      { boardNummer: '70200', from: '2026-10-01', until: null },
    ]);
  });

  it("a closed school's locations end with it: closed in the file and closed by absence", async () => {
    const repo = await fresh();
    await pair(repo, ['70100;Stichting Noorderlicht'], ['70100;51AA;51AA00;OBS Noord;BAS', '70100;51AA;51AA01;OBS Noord, dependance;BAS', '70100;52BB;52BB00;CBS De Wadden;BAS'], { referenceDate: '2026-09-01' });
    const report = await pair(repo, ['70100;Stichting Noorderlicht'], ['70100;52BB;52BB00;CBS De Wadden;BAS'], { referenceDate: '2026-10-01' });
    expect(report.vestigingen).toEqual({ created: 0, updated: 2, ended: 2 });
    const school = await storedSchool(repo, '51AA');
    expect(school!.endDate).toBe('2026-09-30');
    expect(school!.vestigingen.map((v) => [v.vestigingsnummer, v.endDate])).toEqual([
      ['51AA00', '2026-09-30'],
      ['51AA01', '2026-09-30'],
    ]);
    // Closed in a JSON-less way too: an end date in the file ends the locations on that date.
    const withEnd = await importRio(
      repo,
      { name: 'one.csv', bytes: bytes(['BEVOEGD GEZAG NUMMER;BEVOEGD GEZAG NAAM;INSTELLINGSCODE;VESTIGINGSNUMMER;INSTELLINGSNAAM;SECTOR;SOORT;INSTELLING EINDDATUM', '70100;Stichting Noorderlicht;52BB;52BB00;CBS De Wadden;PO;BAS;31-10-2026']) },
      { mode: 'delta', fileModifiedAt: new Date(), referenceDate: '2026-11-01' },
    );
    expect(withEnd.schools.ended).toBe(1);
    expect((await storedSchool(repo, '52BB'))!.vestigingen.map((v) => v.endDate)).toEqual(['2026-10-31']);
    expect((await feedRows(repo, withEnd.importId)).map((f) => f.kind)).toEqual(['SCHOOL_CLOSED']);
  });
});
