import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '@osr/common';
import { buildDemoData, SYSTEM_A, SYSTEM_B } from '../../../scripts/demo-data.js';
import { MandateService } from '../src/mandate-service.js';
import type { DirectAccess } from '../src/repositories/direct.js';
import { FakeAgreements, FakeOrganisations, analyst, boardUser, failure, seededMandates, support } from './fixtures.js';

const TODAY = '2026-11-28';

describe('mandate rules (against the real database)', () => {
  const demo = buildDemoData();
  let database: Database;
  let repository: DirectAccess;
  let organisations: FakeOrganisations;
  let agreements: FakeAgreements;
  let service: MandateService;

  beforeAll(async () => {
    ({ database, repository } = await seededMandates(demo));
  });
  afterAll(() => database?.close());
  beforeEach(() => {
    organisations = new FakeOrganisations(demo);
    agreements = new FakeAgreements();
    service = new MandateService(repository.repositories, repository.store, organisations, agreements, () => TODAY);
  });

  const grant = (over: Partial<Parameters<MandateService['grant']>[0]> = {}) => ({
    service: 'OSO_OV' as const,
    systemId: SYSTEM_A,
    brin: '05LM',
    bevoegdGezagNummer: '41234',
    startDate: '2027-01-01',
    endDate: null,
    ...over,
  });

  it('when a board grants a mandate for a school without one, it is created with its history', async () => {
    const [created] = await service.grant(grant({ brin: '09UV' }), boardUser('41234'));
    expect(created).toMatchObject({ brin: '09UV', serviceCode: 'OSO_OV', systemId: SYSTEM_A, boardNummer: '41234', startDate: '2027-01-01', endDate: null, origin: 'OSR', version: 1 });
    const history = await repository.store.historyOf([created!.id]);
    expect(history).toHaveLength(1);
    expect(history[0]!.changes).toEqual([expect.objectContaining({ action: 'CREATED', before: null, mandateId: created!.id })]);
    expect(history[0]!.by).toBe('Staff 41234');
  });

  it('refuses a mandate whose dates overlap another of the same system (CONFLICT), allows another system', async () => {
    const clash = await failure(service.grant(grant({ brin: '00AV', startDate: '2026-12-01' }), boardUser('41234')));
    expect(clash.code).toBe('CONFLICT');
    expect(clash.message).toContain('from 2022-08-15');
    const [other] = await service.grant(grant({ brin: '00AV', systemId: SYSTEM_B, startDate: '2026-12-01' }), boardUser('41234'));
    expect(other!.systemId).toBe(SYSTEM_B);
  });

  it('refuses a system that does not support the service', async () => {
    const res = await failure(service.grant(grant({ service: 'CENTRAAL_EXAMEN_VO', brin: '12WX', systemId: SYSTEM_A }), support));
    expect(res).toEqual({ code: 'BAD_USER_INPUT', message: 'System Voorbeeld LAS (voorbeeld-las) does not support service CENTRAAL_EXAMEN_VO' });
    expect((await failure(service.grant(grant({ systemId: 'nope' }), support))).code).toBe('NOT_FOUND');
  });

  it('refuses a school unknown to RIO, and a school that did not belong to the acting board on the start date', async () => {
    expect(await failure(service.grant(grant({ brin: '99ZZ' }), support))).toEqual({ code: 'NOT_FOUND', message: 'School 99ZZ is not in RIO' });
    // A move RIO knows for a later date: the board holds the school now, not on the start date.
    organisations.moves.push({ brin: '05LM', from: '2027-06-01', board: '42001' });
    expect(await failure(service.grant(grant({ brin: '05LM', startDate: '2027-07-01' }), boardUser('41234')))).toEqual({
      code: 'FORBIDDEN',
      message: 'On 2027-07-01 school 05LM is not a school of your board (per RIO): only the board that holds the school then, or support, may change its mandates for that date',
    });
    expect((await failure(service.grant(grant({ brin: '05LM', startDate: '2027-01-01', endDate: '2027-06-01' }), boardUser('41234')))).message).toMatch(/^On 2027-06-01 school 05LM is not a school of your board/);
    // Up to the day before the move it is the current board's to give.
    const [untilMove] = await service.grant(grant({ brin: '05LM', startDate: '2027-01-01', endDate: '2027-05-31' }), boardUser('41234'));
    expect(untilMove).toMatchObject({ brin: '05LM', boardNummer: '41234', endDate: '2027-05-31' });
    await service.end({ id: untilMove!.id, endDate: '2027-05-31', expectedVersion: 1 }, boardUser('41234'));
    expect((await failure(service.end({ id: untilMove!.id, endDate: '2027-06-15', expectedVersion: 2 }, boardUser('41234')))).message).toMatch(/^On 2027-06-15 school 05LM is not a school of your board/);
    // Moved already: the old board may no longer grant for it, and is not told who holds it now.
    organisations.moves.splice(0, 1, { brin: '05LM', from: '2026-09-01', board: '42001' });
    const moved = await failure(service.grant(grant({ brin: '05LM', startDate: '2027-01-01' }), boardUser('41234')));
    expect(moved).toEqual({ code: 'FORBIDDEN', message: 'School 05LM is not a school of your board: only the board that holds the school now (per RIO), or support, may change its mandates' });
    // A board gets the same answer for a school RIO does not know.
    expect(await failure(service.grant(grant({ brin: '99ZZ' }), boardUser('41234')))).toEqual(moved && { ...moved, message: moved.message.replace('05LM', '99ZZ') });
    // Support is told what is wrong.
    expect(await failure(service.grant(grant({ brin: '05LM', startDate: '2027-01-01' }), support))).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'School 05LM did not belong to board 41234 on 2027-01-01: it belonged to board 42001',
    });
  });

  it('takes a school for a school-level service and none for a board-level one', async () => {
    expect((await failure(service.grant(grant({ brin: null }), support))).message).toContain('given per school');
    expect((await failure(service.grant(grant({ service: 'RIO', systemId: SYSTEM_A, brin: '00AV' }), support))).code).toBe('BAD_USER_INPUT');
  });

  it('refuses OSO SWV without an agreement that covers it, and refuses when the agreements service cannot answer', async () => {
    agreements.covered.delete('41234|OSO_SWV');
    const refused = await failure(service.grant(grant({ service: 'OSO_SWV', brin: '01BC' }), boardUser('41234')));
    expect(refused.code).toBe('FORBIDDEN');
    expect(refused.message).toContain('no agreement covering OSO_SWV');
    agreements.covered.add('41234|OSO_SWV');
    agreements.unavailable = true;
    expect((await failure(service.grant(grant({ service: 'OSO_SWV', brin: '01BC' }), boardUser('41234')))).code).toBe('UNAVAILABLE');
    agreements.unavailable = false;
    const [ok] = await service.grant(grant({ service: 'OSO_SWV', brin: '01BC' }), boardUser('41234'));
    expect(ok!.serviceCode).toBe('OSO_SWV');
  });

  it('lets only the school board with OSR_TOEGANG, or support, edit', async () => {
    const input = grant({ brin: '06NP', systemId: SYSTEM_B });
    expect((await failure(service.grant(input, boardUser('41234', [])))).code).toBe('FORBIDDEN');
    expect((await failure(service.grant(input, boardUser('42001')))).code).toBe('FORBIDDEN');
    expect((await failure(service.grant(input, analyst))).code).toBe('FORBIDDEN');
    const [bySupport] = await service.grant(input, support);
    expect(bySupport!.createdBy).toBe('Kennisnet Support');
  });

  it('ends a mandate at the version the editor saw; a stale version gets CONFLICT and changes nothing', async () => {
    const id = 'm-08ST-OSO_OV-voorbeeld-las-2022-08-15';
    const stale = await failure(service.end({ id, endDate: '2027-07-31', expectedVersion: 7 }, boardUser('41234')));
    expect(stale.code).toBe('CONFLICT');
    const [ended] = await service.end({ id, endDate: '2027-07-31', expectedVersion: 1 }, boardUser('41234'));
    expect(ended).toMatchObject({ id, endDate: '2027-07-31', version: 2 });
    expect((await failure(service.end({ id, endDate: '2020-01-01', expectedVersion: 2 }, support))).code).toBe('BAD_USER_INPUT');
    expect((await failure(service.end({ id, endDate: '2025-01-01', expectedVersion: 2 }, boardUser('41234')))).message).toContain('before yesterday');
  });

  it("support ends a school's mandate without asking for the school's boards (the organisations service may be down)", async () => {
    const asked: string[][] = [];
    organisations.schoolBoards = async (brins) => {
      asked.push([...brins]);
      throw new Error('organisations unavailable');
    };
    organisations.schoolsOfBoard = async (board) => {
      asked.push([`schools of ${board}`]);
      throw new Error('organisations unavailable');
    };
    const id = 'm-06NP-OSO_OV-voorbeeld-las-2022-08-15';
    const [current] = await repository.findMandates([id]);
    expect(current).toBeDefined();
    const [ended] = await service.end({ id, endDate: '2027-07-31', expectedVersion: current!.version }, support, 'contract ended');
    expect(ended).toMatchObject({ id, endDate: '2027-07-31', version: current!.version + 1 });
    expect(asked).toEqual([]);
    // board staff are still checked against the schools their board holds now: with those unknown, refused
    await expect(service.end({ id, endDate: '2027-06-30', expectedVersion: ended!.version }, boardUser('41234'))).rejects.toThrow('organisations unavailable');
    expect(asked).toEqual([['schools of 41234']]);
  });

  it('when two editors end the same mandate at once, exactly one wins, the other gets CONFLICT, and history agrees', async () => {
    const id = 'm-13YZ-OSO_OV-ldd-las-2022-08-15';
    for (let round = 0; round < 5; round++) {
      const [current] = await repository.findMandates([id]);
      const dates = [`2030-0${round + 1}-10`, `2030-0${round + 1}-20`];
      const results = await Promise.allSettled(
        dates.map((endDate) => service.end({ id, endDate, expectedVersion: current!.version }, support)),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect((lost[0] as PromiseRejectedResult).reason.extensions.code).toBe('CONFLICT');
      const [after] = await repository.findMandates([id]);
      expect(after!.version).toBe(current!.version + 1);
      expect(after!.endDate).toBe((won[0] as PromiseFulfilledResult<{ endDate: string }[]>).value[0]!.endDate);
    }
    const history = await repository.store.historyOf([id]);
    expect(history.map((h) => h.changes[0]!.action)).toEqual(['CREATED', 'ENDED', 'ENDED', 'ENDED', 'ENDED', 'ENDED']);
    const [final] = await repository.findMandates([id]);
    expect(history.at(-1)!.changes[0]!.after).toEqual(final);
  });

  it('when a board switches LAS, the old mandate ends the day before the new one starts, in one recorded change', async () => {
    const result = await service.switchSystem({ brin: '01BC', service: 'OSO_OV', fromSystemId: SYSTEM_A, toSystemId: SYSTEM_B, startDate: '2027-08-01' }, boardUser('41234'));
    expect(result.map((m) => [m.systemId, m.startDate, m.endDate])).toEqual([
      [SYSTEM_A, '2022-08-15', '2027-07-31'],
      [SYSTEM_B, '2027-08-01', null],
    ]);
    const history = await repository.store.historyOf([result[1]!.id]);
    expect(history).toHaveLength(1);
    expect(history[0]!.changes.map((c) => c.action)).toEqual(['SWITCHED_FROM', 'SWITCHED_TO']);
  });

  it('when two clients switch the same school at once, exactly one wins and the other gets CONFLICT, many times', async () => {
    const cases = [
      { brin: '02DF', from: SYSTEM_A, to: SYSTEM_B },
      { brin: '04JK', from: SYSTEM_A, to: SYSTEM_B },
      { brin: '25BE', from: SYSTEM_A, to: SYSTEM_B },
      { brin: '14AB', from: SYSTEM_B, to: SYSTEM_A },
      { brin: '15CD', from: SYSTEM_B, to: SYSTEM_A },
    ];
    for (const { brin, from, to } of cases) {
      const [current] = (await repository.findMandatesOfSchools([brin], ['OSO_OV'])).filter((m) => m.systemId === from && m.endDate === null);
      expect(current, brin).toBeDefined();
      // Two clients make the same switch at once (as two browser tabs would).
      const attempts = ['client 1', 'client 2'].map(() =>
        service.switchSystem({ brin, service: 'OSO_OV', fromSystemId: from, toSystemId: to, startDate: '2028-01-01' }, support),
      );
      const results = await Promise.allSettled(attempts);
      expect(results.filter((r) => r.status === 'fulfilled'), brin).toHaveLength(1);
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(lost.reason.extensions.code, brin).toBe('CONFLICT');
      const after = await repository.findMandatesOfSchools([brin], ['OSO_OV']);
      const onNew = after.filter((m) => m.systemId === to);
      const old = after.find((m) => m.id === current!.id)!;
      expect(onNew, brin).toHaveLength(1);
      expect(old.endDate).toBe('2027-12-31');
      expect(onNew[0]!.startDate).toBe('2028-01-01');
      const history = await repository.store.historyOf([current!.id]);
      expect(history.at(-1)!.changes.map((c) => c.after)).toEqual([old, onNew[0]]);
    }
  });

  it('applies a change that was recorded but not applied (a crash in between) on the next read', async () => {
    const slot = await repository.store.readSlot('school:12WX|OSO_OV');
    const mandate = slot.mandates[0]!;
    const after = { ...mandate, endDate: '2031-12-31', version: mandate.version + 1 };
    await repository.history.insertOne({
      slotKey: slot.slotKey, slotSeq: slot.seq + 1, at: new Date(), by: 'crashed writer', bySub: 'x', byRole: 'SUPPORT',
      mandateIds: [mandate.id], changes: [{ mandateId: mandate.id, action: 'ENDED', before: mandate, after }],
    });
    expect((await repository.findMandates([mandate.id]))[0]!.endDate).toBe(mandate.endDate);
    const reread = await repository.store.readSlot(slot.slotKey);
    // as written: with the series keys of the new end date (series-keys.ts)
    const written = { ...after, seriesEnd: 'OSO_OV|2032-01' };
    expect(reread.mandates[0]).toEqual(written);
    expect(reread.seq).toBe(slot.seq + 1);
    expect((await repository.findMandates([mandate.id]))[0]).toEqual(written);
  });

  it('gives mandates written before the series keys existed their keys at the start, and moves the change mark', async () => {
    const seeded = await repository.mandates.findOne({ id: 'm-31EW-OSO_OV-ldd-las-2024-08-01' }, { projection: { _id: 0 } });
    expect(seeded).toBeDefined();
    const old: Partial<typeof seeded> = { ...seeded!, id: 'm-old-format', slotKey: 'school:99ZZ|OSO_OV', brin: '99ZZ', startDate: '2023-02-28', endDate: '2024-12-31' };
    delete old.seriesStart;
    delete old.seriesEnd;
    await repository.mandates.insertOne(old as NonNullable<typeof seeded>);
    // a database from before the series keys: their fill-in was never marked done
    await repository.db.collection<{ _id: string }>('change_marks').deleteOne({ _id: 'mandate_series_keys' });
    const mark = await repository.journal.head();
    expect(await repository.ensureSeriesKeys()).toBe(1);
    // ends on a month's last day: no longer counted from the next month's end on
    expect(await repository.mandates.findOne({ id: 'm-old-format' }, { projection: { _id: 0, seriesStart: 1, seriesEnd: 1 } })).toEqual({ seriesStart: 'OSO_OV|2023-02', seriesEnd: 'OSO_OV|2025-01' });
    // the memory read model hears of it as a change not known exactly; with database nothing keeps a journal
    if (repository.kind === 'memory') expect(await repository.journal.head()).not.toBe(mark);
    else expect(await repository.journal.head()).toBe(mark);
    expect(await repository.ensureSeriesKeys()).toBe(0);
    await repository.mandates.deleteOne({ id: 'm-old-format' });
  });

  it('reads the mandates for missing series keys at the first start only; the repair job fills in later ones', async () => {
    await repository.ensureSeriesKeys(); // marks it done
    const seeded = await repository.mandates.findOne({ id: 'm-31EW-OSO_OV-ldd-las-2024-08-01' }, { projection: { _id: 0 } });
    const late: Partial<typeof seeded> = { ...seeded!, id: 'm-written-around', slotKey: 'school:98ZZ|OSO_OV', brin: '98ZZ', startDate: '2024-03-01', endDate: null };
    delete late.seriesStart;
    delete late.seriesEnd;
    await repository.mandates.insertOne(late as NonNullable<typeof seeded>);
    // a later start does not read the collection again (the mark is there) ...
    expect(await repository.ensureSeriesKeys()).toBe(0);
    expect(await repository.mandates.findOne({ id: 'm-written-around' }, { projection: { _id: 0, seriesStart: 1 } })).toEqual({});
    // ... npm run mandates:repair does, and brings the memory read model's facts along; the
    // database read model keeps no check rows, and says so (null) rather than "stored"
    expect(await repository.repairDerived()).toMatchObject({ seriesKeys: 1, inserted: repository.kind === 'memory' ? 1 : 0, checkRows: repository.kind === 'memory' ? true : null });
    expect(await repository.mandates.findOne({ id: 'm-written-around' }, { projection: { _id: 0, seriesStart: 1, seriesEnd: 1 } })).toEqual({ seriesStart: 'OSO_OV|2024-03', seriesEnd: null });
    await repository.mandates.deleteOne({ id: 'm-written-around' });
    await repository.repairDerived();
  });
});
