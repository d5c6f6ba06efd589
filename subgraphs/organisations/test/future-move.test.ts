/**
 * A move RIO registers for a later date: the school stays with the board it leaves until that
 * date and goes to the new board on that date, without any import in between. Read with the
 * day passed in, so the day of the move can be asked for today.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@osr/common';
import type { OrganisationsRepository } from '../src/repository.js';
import { importRio } from '../src/rio/import.js';
import { holderOn } from '../src/rio/plan.js';
import { FIRST } from './rio-fixtures.js';
import { freshRepository, jsonBytes, storedSchool } from './support.js';

const IMPORTED_ON = '2026-12-07';
const MOVE_DATE = '2027-01-15';

/** FIRST as a delta of 7 December 2026 in which 25BE belongs to board 43555 from 15 January 2027. */
function deltaMoving25BE() {
  const bundle = structuredClone(FIRST) as typeof FIRST;
  bundle.peilmoment = `${IMPORTED_ON}T06:00:00.000Z`;
  bundle.peildatum = IMPORTED_ON;
  const erkenning = bundle.onderwijsinstellingserkenningen.find((e) => e.bRIN4 === '25BE')!;
  erkenning.bevoegdGezagNummer = '43555';
  erkenning.begindatum = MOVE_DATE;
  return bundle;
}

describe('a move registered for a later date', () => {
  let database: Database;
  let repo: OrganisationsRepository;

  beforeAll(async () => {
    ({ database, repo } = await freshRepository());
    await importRio(repo, { name: 'first.json', bytes: jsonBytes(FIRST) }, { mode: 'full' });
    const report = await importRio(repo, { name: 'delta.json', bytes: jsonBytes(deltaMoving25BE()) }, { mode: 'delta' });
    expect(report.schools.moved).toBe(1);
  });
  afterAll(() => database?.close());

  const brins = (schools: { brin: string }[]) => schools.map((s) => s.brin);

  it('leaves the school with the board it leaves until the day before the move, and hands it over on that day', async () => {
    const school = (await storedSchool(repo, '25BE'))!;
    expect(school.boardNummer).toBe('43555');
    expect(school.historyBoards).toEqual(['41234', '43555']);
    expect(holderOn(school, IMPORTED_ON)).toBe('41234');
    expect(holderOn(school, '2027-01-14')).toBe('41234');
    expect(holderOn(school, MOVE_DATE)).toBe('43555');
  });

  it('lists it among the schools of the board holding it on each day (Board.schools)', async () => {
    expect(brins(await repo.findSchoolsOfBoards(['41234'], IMPORTED_ON))).toEqual(['00AV', '09UV', '25BE', '31EW']);
    expect(brins(await repo.findSchoolsOfBoards(['43555'], IMPORTED_ON))).toEqual(['17GH', '18JK']);
    expect(brins(await repo.findSchoolsOfBoards(['41234'], MOVE_DATE))).toEqual(['00AV', '09UV', '31EW']);
    expect(brins(await repo.findSchoolsOfBoards(['43555'], MOVE_DATE))).toEqual(['17GH', '18JK', '25BE']);
  });

  it('pages the schools of a board as Board.schools does, a page at a time', async () => {
    expect(brins(await repo.pageSchools({ board: '41234' }, 2, null, IMPORTED_ON))).toEqual(['00AV', '09UV']);
    expect(brins(await repo.pageSchools({ board: '41234' }, 2, '09UV', IMPORTED_ON))).toEqual(['25BE', '31EW']);
    expect(brins(await repo.pageSchools({ board: '43555' }, 5, null, IMPORTED_ON))).toEqual(['17GH', '18JK']);
    expect(brins(await repo.pageSchools({ board: '43555' }, 5, null, MOVE_DATE))).toEqual(['17GH', '18JK', '25BE']);
  });

  it('lists a board among the boards of a sector or SWV by the schools it holds on the day (boards(filter))', async () => {
    const numbers = (boards: { bevoegdGezagNummer: string }[]) => boards.map((b) => b.bevoegdGezagNummer);
    const po = { sector: 'PO' as const, swv: null, nameContains: null };
    const swv = { sector: null, swv: 'PO2001', nameContains: null };
    // 43555 holds only VO schools until the move: no PO board, none of PO2001's
    expect(numbers(await repo.pageBoards(po, 10, null, IMPORTED_ON))).toEqual(['41234', '42001']);
    expect(numbers(await repo.pageBoards(swv, 10, null, IMPORTED_ON))).toEqual(['41234']);
    expect(numbers(await repo.pageBoards(po, 10, null, MOVE_DATE))).toEqual(['41234', '42001', '43555']);
    expect(numbers(await repo.pageBoards(swv, 10, null, MOVE_DATE))).toEqual(['41234', '43555']);
    expect(numbers(await repo.pageBoards({ sector: 'VO', swv: null, nameContains: null }, 10, null, IMPORTED_ON))).toEqual(['43555']);
  });

  it('gives other subgraphs the board of the day in the school directory, whose version changes with the day', async () => {
    const before = await repo.schoolDirectory(IMPORTED_ON);
    const on = await repo.schoolDirectory(MOVE_DATE);
    expect(before.schools.find((s) => s.brin === '25BE')!.boardNummer).toBe('41234');
    expect(on.schools.find((s) => s.brin === '25BE')!.boardNummer).toBe('43555');
    expect(on.version).not.toBe(before.version);
    expect(await repo.directoryVersion(IMPORTED_ON)).toBe(before.version);
  });

  it('a second import of the same delta changes nothing', async () => {
    const again = await importRio(repo, { name: 'delta-again.json', bytes: jsonBytes(deltaMoving25BE()) }, { mode: 'delta' });
    expect(again.schools).toMatchObject({ updated: 0, moved: 0 });
  });
});
