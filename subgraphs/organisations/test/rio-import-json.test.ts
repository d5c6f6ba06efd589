import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@osr/common';
import type { OrganisationsRepository } from '../src/repository.js';
import { ImportBusyError, importRio, type ImportReport } from '../src/rio/import.js';
import { generateNationalSet } from '../src/rio/generate.js';
import { ImportFileError } from '../src/rio/read-json.js';
import { FIRST, SECOND } from './rio-fixtures.js';
import { feedRows, freshRepository, jsonBytes, storedBoard, storedSchool } from './support.js';

const full = { mode: 'full' as const };

describe('RIO import of JSON bundles: a first snapshot, then one with a merger, moves, closures and bad records', () => {
  let database: Database;
  let repo: OrganisationsRepository;
  let first: ImportReport;
  let second: ImportReport;
  let school25AfterFirst: unknown;

  beforeAll(async () => {
    ({ database, repo } = await freshRepository());
    first = await importRio(repo, { name: 'first.json', bytes: jsonBytes(FIRST) }, full);
    school25AfterFirst = await storedSchool(repo, '25BE');
    second = await importRio(repo, { name: 'second.json', bytes: jsonBytes(SECOND) }, full);
  });
  afterAll(() => database?.close());

  it('the first snapshot creates every organisation and records each as added', async () => {
    expect(first.rejections).toEqual([]);
    expect(first.boards).toEqual({ created: 3, updated: 0, ended: 0, unchanged: 0 });
    expect(first.schools).toEqual({ created: 7, updated: 0, ended: 0, unchanged: 0, moved: 0 });
    expect(first.samenwerkingsverbanden).toEqual({ created: 3, updated: 0, ended: 0, unchanged: 0 });
    expect(first.vestigingen).toEqual({ created: 8, updated: 0, ended: 0 });
    expect(first.changes).toBe(20);
    const feed = await feedRows(repo, first.importId);
    expect(feed.map((f) => f.kind)).toEqual([
      'BOARD_ADDED', 'BOARD_ADDED', 'BOARD_ADDED',
      'SWV_ADDED', 'SWV_ADDED', 'SWV_ADDED',
      ...Array.from({ length: 7 }, () => ['SCHOOL_ADDED', 'SWV_MEMBERSHIP_CHANGED']).flat(),
    ]);
    expect(feed[6]).toEqual({
      kind: 'SCHOOL_ADDED', bevoegdGezagNummer: '41234', brin: '00AV', fromBoard: null, toBoard: null, swvCode: null,
      effectiveDate: '1990-08-01', description: 'School 00AV (Basisschool De Regenboog) added to board 41234',
    });
    expect(school25AfterFirst).toEqual({
      brin: '25BE', name: 'Basisschool Één Wereld', sector: 'PO', kindCode: 'BAS', boardNummer: '41234', swvCodes: ['PO2001'],
      startDate: '1980-08-01', endDate: null, rioSyncedAt: new Date('2026-01-05T06:00:00.000Z'),
      boardHistory: [{ boardNummer: '41234', from: '1998-01-01', until: null }],
      vestigingen: [
        { vestigingsnummer: '25BE00', name: 'Basisschool Één Wereld', address: { street: 'Schoolstraat', houseNumber: '1', postcode: '9711AB', city: 'Groningen' }, municipality: 'Groningen', endDate: null },
        { vestigingsnummer: '25BE01', name: 'Basisschool Één Wereld (dependance)', address: { street: 'Schoolstraat', houseNumber: '2', postcode: '9711AB', city: 'Groningen' }, municipality: 'Groningen', endDate: null },
      ],
    });
  });

  it('the second snapshot reports exactly what changed and every rejected record with field, value and reason', () => {
    expect(second.boards).toEqual({ created: 0, updated: 2, ended: 1, unchanged: 1 });
    expect(second.schools).toEqual({ created: 1, updated: 7, ended: 2, unchanged: 0, moved: 3 });
    expect(second.samenwerkingsverbanden).toEqual({ created: 0, updated: 0, ended: 0, unchanged: 3 });
    // 14AB00 takes the school's new name; 25BE01 ended; 31EW00 and 09UV00 end with their schools
    expect(second.vestigingen).toEqual({ created: 1, updated: 4, ended: 3 });
    expect([second.created, second.updated, second.ended, second.moved, second.unchanged, second.rejected]).toEqual([1, 9, 3, 3, 4, 5]);
    expect(second.rejections).toEqual([
      { record: 'onderwijsbesturen[3]', field: 'bevoegdGezagNummer', value: '4123', reason: 'a bevoegd gezag nummer is 5 digits, e.g. 41234' },
      { record: 'onderwijsinstellingserkenningen[7]', field: 'bevoegdGezagNummer', value: '49999', reason: 'unknown board: not in this file and not in the register' },
      { record: 'onderwijsaanbieders[7]', field: 'bRIN4', value: '77QQ', reason: 'its onderwijsinstellingserkenning (onderwijsinstellingserkenningen[7]) was rejected' },
      { record: 'onderwijsaanbieders[8]', field: 'bRIN4', value: 'X1Y2', reason: 'a BRIN is 2 digits followed by 2 capital letters or digits, e.g. 25BE' },
      { record: 'onderwijsaanbieders[9]', field: 'bRIN4', value: '40XY', reason: 'duplicate: onderwijsaanbieders[6] has the same BRIN' },
    ]);
  });

  it('the change feed shows the merger as moves followed by the old board closing, and every other change once', async () => {
    const feed = await feedRows(repo, second.importId);
    expect(feed.map((f) => [f.kind, f.bevoegdGezagNummer, f.brin, f.fromBoard, f.toBoard, f.swvCode, f.effectiveDate, f.description])).toEqual([
      ['BOARD_RENAMED', '41234', null, null, null, null, '2026-09-01', "Board 41234 renamed from 'Stichting Noord' to 'Stichting Noord-Groningen'"],
      ['SCHOOL_MOVED', '42001', '00AV', '41234', '42001', null, '2026-08-01', 'School 00AV moved from board 41234 to 42001'],
      ['SWV_MEMBERSHIP_CHANGED', '42001', '00AV', null, null, 'PO3101', '2026-09-01', 'School 00AV joined samenwerkingsverband PO3101'],
      ['SWV_MEMBERSHIP_CHANGED', '42001', '00AV', null, null, 'PO2001', '2026-09-01', 'School 00AV left samenwerkingsverband PO2001'],
      ['SCHOOL_CHANGED', '42001', '14AB', null, null, null, '2026-09-01', 'School 14AB changed: name, vestigingen'],
      ['SCHOOL_MOVED', '42001', '17GH', '43555', '42001', null, '2026-08-01', 'School 17GH moved from board 43555 to 42001'],
      ['SCHOOL_MOVED', '42001', '18JK', '43555', '42001', null, '2026-08-01', 'School 18JK moved from board 43555 to 42001'],
      ['SCHOOL_CHANGED', '41234', '25BE', null, null, null, '2026-09-01', 'School 25BE changed: vestigingen'],
      ['SCHOOL_CLOSED', '41234', '31EW', null, null, null, '2026-07-31', 'School 31EW closed on 2026-07-31'],
      ['SCHOOL_ADDED', '42001', '40XY', null, null, null, '2026-08-01', 'School 40XY (Kindcentrum De Maasoever) added to board 42001'],
      ['SWV_MEMBERSHIP_CHANGED', '42001', '40XY', null, null, 'PO3101', '2026-09-01', 'School 40XY joined samenwerkingsverband PO3101'],
      ['SCHOOL_CLOSED', '41234', '09UV', null, null, null, '2026-08-31', 'School 09UV closed on 2026-08-31 (no longer in RIO)'],
      ['BOARD_CLOSED', '43555', null, null, null, null, '2026-07-31', 'Board 43555 closed on 2026-07-31'],
    ]);
    expect(second.changes).toBe(13);
    const all = await repo.changes.find({}).sort({ sequence: 1 }).toArray();
    const sequences = all.map((c) => c.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(new Set(sequences).size).toBe(33);
    expect(all.every((c) => c.recordedAt instanceof Date)).toBe(true);
  });

  it('the store holds the new state; nothing is deleted, ended organisations carry their end date', async () => {
    expect(await repo.boards.countDocuments()).toBe(3);
    expect(await repo.schools.countDocuments()).toBe(8);
    expect(await storedBoard(repo, '41234')).toMatchObject({ name: 'Stichting Noord-Groningen', endDate: null, rioSyncedAt: new Date('2026-09-01T06:00:00.000Z') });
    expect(await storedBoard(repo, '43555')).toMatchObject({ name: 'Vereniging Midden', endDate: '2026-07-31' });
    expect(await storedSchool(repo, '00AV')).toMatchObject({
      boardNummer: '42001',
      swvCodes: ['PO3101'],
      boardHistory: [
        { boardNummer: '41234', from: '1990-08-01', until: '2026-07-31' },
        { boardNummer: '42001', from: '2026-08-01', until: null },
      ],
    });
    expect(await storedSchool(repo, '09UV')).toMatchObject({ endDate: '2026-08-31', boardNummer: '41234', rioSyncedAt: new Date('2026-01-05T06:00:00.000Z') });
    expect(await storedSchool(repo, '31EW')).toMatchObject({ endDate: '2026-07-31', boardHistory: [{ boardNummer: '41234', from: '1998-01-01', until: '2026-07-31' }] });
    expect(await storedSchool(repo, '14AB')).toMatchObject({ name: 'Openbare Basisschool De Linde-Maas' });
    const school25 = await storedSchool(repo, '25BE');
    expect(school25!.vestigingen.map((v) => [v.vestigingsnummer, v.endDate])).toEqual([['25BE00', null], ['25BE01', '2026-08-31']]);
    // The rejected duplicate did not overwrite the first record; rejected schools did not land.
    expect(await storedSchool(repo, '40XY')).toMatchObject({ name: 'Kindcentrum De Maasoever', boardNummer: '42001' });
    expect(await storedSchool(repo, '77QQ')).toBeNull();
    expect(await storedBoard(repo, '4123')).toBeNull();
  });

  it('re-importing the same snapshot changes nothing and adds no feed entry', async () => {
    const before = {
      boards: await repo.boards.find({}).sort({ bevoegdGezagNummer: 1 }).toArray(),
      schools: await repo.schools.find({}).sort({ brin: 1 }).toArray(),
      feed: await repo.changes.countDocuments(),
    };
    const again = await importRio(repo, { name: 'second.json', bytes: jsonBytes(SECOND) }, full);
    expect([again.created, again.updated, again.ended, again.moved, again.changes]).toEqual([0, 0, 0, 0, 0]);
    // 3 boards, the 7 schools in the file (09UV is not: it stays ended), 3 SWVs
    expect(again.unchanged).toBe(3 + 7 + 3);
    expect(again.rejected).toBe(5);
    expect(await repo.boards.find({}).sort({ bevoegdGezagNummer: 1 }).toArray()).toEqual(before.boards);
    expect(await repo.schools.find({}).sort({ brin: 1 }).toArray()).toEqual(before.schools);
    expect(await repo.changes.countDocuments()).toBe(before.feed);
  });

  it('a delta applies only what it holds: one renamed school, nothing else ended', async () => {
    const delta = {
      peilmoment: '2026-10-01T06:00:00.000Z',
      onderwijsinstellingserkenningen: [{ bRIN4: '25BE', bevoegdGezagNummer: '41234', begindatum: '1998-01-01' }],
      onderwijsaanbieders: [{ ...FIRST.onderwijsaanbieders[5]!, naam: 'Basisschool Één Wereld Noord' }],
      onderwijslocaties: [],
    };
    const report = await importRio(repo, { name: 'delta.json', bytes: jsonBytes(delta) }, { mode: 'delta' });
    expect(report.schools).toEqual({ created: 0, updated: 1, ended: 0, unchanged: 0, moved: 0 });
    expect(report.boards).toEqual({ created: 0, updated: 0, ended: 0, unchanged: 0 });
    expect((await feedRows(repo, report.importId)).map((f) => f.description)).toEqual(['School 25BE changed: name']);
    const school = await storedSchool(repo, '25BE');
    expect(school!.name).toBe('Basisschool Één Wereld Noord');
    // vestigingen not in the delta are kept as they were
    expect(school!.vestigingen.map((v) => [v.vestigingsnummer, v.endDate])).toEqual([['25BE00', null], ['25BE01', '2026-08-31']]);
    expect(await storedBoard(repo, '42001')).toMatchObject({ endDate: null });
  });

  it('a dry run reports the changes it would make and writes nothing', async () => {
    const feed = await repo.changes.countDocuments();
    // Dated after the snapshots already imported (an earlier date is refused, dry run or not).
    const report = await importRio(repo, { name: 'first.json', bytes: jsonBytes(FIRST) }, { mode: 'full', dryRun: true, referenceDate: '2026-12-01' });
    expect(report.dryRun).toBe(true);
    expect(report.moved).toBe(3);
    expect(report.changes).toBeGreaterThan(0);
    expect(await repo.changes.countDocuments()).toBe(feed);
    expect(await storedSchool(repo, '00AV')).toMatchObject({ boardNummer: '42001' });
  });
});

describe('RIO import after a crash', () => {
  it('an import that stopped after writing the feed completes on re-run without recording any change twice', async () => {
    const { database, repo } = await freshRepository();
    try {
      await importRio(repo, { name: 'first.json', bytes: jsonBytes(FIRST) }, full);
      const crashing = Object.create(repo) as OrganisationsRepository;
      crashing.writeDocuments = async (name) => {
        if (name === 'schools') throw new Error('simulated crash');
      };
      await expect(importRio(crashing, { name: 'second.json', bytes: jsonBytes(SECOND) }, full)).rejects.toThrow('simulated crash');
      const feedAfterCrash = await repo.changes.countDocuments();
      expect(feedAfterCrash).toBe(20 + 13);
      expect(await storedSchool(repo, '00AV')).toMatchObject({ boardNummer: '41234' });

      // The re-run uses the bulk swap for every replacement (threshold 0).
      const rerun = await importRio(repo, { name: 'second.json', bytes: jsonBytes(SECOND) }, { mode: 'full', swapThreshold: 0 });
      expect(rerun.changes).toBe(0);
      expect(rerun.schools.moved).toBe(3);
      expect(await repo.changes.countDocuments()).toBe(feedAfterCrash);
      expect(await storedSchool(repo, '00AV')).toMatchObject({ boardNummer: '42001' });
      expect(await repo.schools.countDocuments()).toBe(8);
      const third = await importRio(repo, { name: 'second.json', bytes: jsonBytes(SECOND) }, full);
      expect([third.created, third.updated, third.changes]).toEqual([0, 0, 0]);
    } finally {
      await database.close();
    }
  });

  it('a bulk swap interrupted between delete and insert is completed before the next import', async () => {
    const { database, repo } = await freshRepository();
    try {
      await importRio(repo, { name: 'first.json', bytes: jsonBytes(FIRST) }, full);
      const school = await repo.schools.findOne({ brin: '14AB' });
      // What a crash after the delete leaves: the journal entry, no document.
      await repo.db.collection('rio_pending_writes').insertOne({ _id: `schools:${String(school!._id)}` as never, collection: 'schools', docId: school!._id, doc: { ...school!, name: 'Hersteld' } });
      await repo.schools.deleteOne({ _id: school!._id });
      expect(await repo.completePendingWrites()).toBe(1);
      expect(await storedSchool(repo, '14AB')).toMatchObject({ name: 'Hersteld', boardNummer: '42001' });
      expect(await repo.db.collection('rio_pending_writes').countDocuments()).toBe(0);
    } finally {
      await database.close();
    }
  });
});

describe('RIO import safety net', () => {
  it('refuses a "full snapshot" that would end most of the register, unless told to allow it', async () => {
    const { database, repo } = await freshRepository();
    try {
      const set = generateNationalSet({ boards: 20, schools: 120, largestBoard: 30 });
      // Closures that RIO itself reports are no reason to refuse, however many.
      const closed = {
        ...set.bundle,
        onderwijsaanbieders: (set.bundle['onderwijsaanbieders'] as Record<string, unknown>[]).map((a, i) => (i < 60 ? { ...a, uitBedrijfdatum: '2025-07-31' } : a)),
      };
      const initial = await importRio(repo, { name: 'subset.json', bytes: jsonBytes(closed) }, full);
      expect(initial.schools.ended).toBeGreaterThanOrEqual(60);
      const feed = await repo.changes.countDocuments();
      const open = await repo.schools.countDocuments({ endDate: null });
      expect(open).toBeGreaterThan(50);
      // (dated after the generated set, so that only the mass ending is the question)
      const refusal = await importRio(repo, { name: 'first.json', bytes: jsonBytes(FIRST) }, { ...full, referenceDate: '2026-12-01' }).catch((err: unknown) => err);
      expect(refusal).toBeInstanceOf(ImportFileError);
      expect((refusal as Error).message).toMatch(/would end \d+ of the \d+ open organisations/);
      expect(await repo.changes.countDocuments()).toBe(feed);
      expect(await repo.schools.countDocuments({ endDate: null })).toBe(open);
      const allowed = await importRio(repo, { name: 'first.json', bytes: jsonBytes(FIRST) }, { mode: 'full', maxEnded: Infinity, referenceDate: '2026-12-01' });
      expect(allowed.schools.ended).toBe(open);
      expect(allowed.schools.created).toBe(7);
    } finally {
      await database.close();
    }
  });

  it('runs one import at a time per database; a lock left by a crashed import expires after 30 minutes', async () => {
    const { database, repo } = await freshRepository();
    try {
      const since = new Date(Date.now() - 60_000);
      expect(await repo.acquireImportLock('rio-other', since)).toBeNull();
      const busy = importRio(repo, { name: 'first.json', bytes: jsonBytes(FIRST) }, full);
      await expect(busy).rejects.toThrow(ImportBusyError);
      await expect(busy).rejects.toThrow(`another RIO import (rio-other, started ${since.toISOString()}) is running`);
      expect(await repo.boards.countDocuments()).toBe(0);
      // 31 minutes later the lock counts as left behind by a crash.
      const later = () => new Date(since.getTime() + 31 * 60_000);
      const report = await importRio(repo, { name: 'first.json', bytes: jsonBytes(FIRST) }, { mode: 'full', now: later });
      expect(report.boards.created).toBe(3);
      expect(await repo.acquireImportLock('rio-next')).toBeNull();
    } finally {
      await database.close();
    }
  });
});
