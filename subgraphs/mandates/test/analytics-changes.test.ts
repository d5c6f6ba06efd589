import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@osr/common';
import { buildDemoData, SYSTEM_A, SYSTEM_B } from '../../../scripts/demo-data.js';
import { MandateAnalytics } from '../src/analytics.js';
import { MandateService } from '../src/mandate-service.js';
import { KeptAggregates } from '../src/read-model/aggregates.js';
import type { DirectAccess } from '../src/repositories/direct.js';
import type { SchoolDirectory } from '../src/school-directory.js';
import { FakeAgreements, FakeOrganisations, boardUser, seededMandates, support } from './fixtures.js';

const TODAY = '2026-11-28';

/**
 * The aggregates kept in memory by the read model and brought forward by the change journal
 * must give exactly what the queries give when run again: the same questions are asked of a
 * kept instance (after writes), of a new one (nothing kept) and of the database's aggregates.
 */
describe('aggregates brought forward by the writes since (against the real database)', () => {
  const demo = buildDemoData();
  let database: Database;
  let repository: DirectAccess;
  let service: MandateService;
  const directory: SchoolDirectory = {
    async schools(activeOn) {
      return demo.organisations.schools
        .filter((s) => activeOn === null || ((s.startDate === null || s.startDate <= activeOn) && (s.endDate === null || s.endDate >= activeOn)))
        .map((s) => ({ brin: s.brin, sector: s.sector, board: s.boardNummer, swvs: s.swvCodes, startDate: s.startDate, endDate: s.endDate }))
        .sort((a, b) => (a.brin < b.brin ? -1 : 1));
    },
    refresh: async () => 0,
    keepWarm: () => undefined,
    state: async () => ({ warm: true, version: '1', schools: demo.organisations.schools.length, loads: 1 }),
  };
  /** Analytics over a new instance of the read model's kept aggregates (one replica's). */
  const keptOver = (facts: DirectAccess['facts']) => {
    const kept = new KeptAggregates(repository.journal, facts, repository.checkRows, repository.repositories.aggregates);
    return Object.assign(new MandateAnalytics(kept, repository.repositories.catalogue, directory), { cache: kept.counts });
  };
  const analytics = () => keptOver(repository.facts);
  /** The same questions answered by the database: one `$group` of the mandates each. */
  const fromDatabase = () => new MandateAnalytics(repository.repositories.aggregates, repository.repositories.catalogue, directory);
  /** Aggregations that start 20 ms late: a write is likely to land between the token read and the query. */
  const lateAnalytics = () => {
    const facts = repository.facts;
    const late = new Proxy(facts, {
      get(target, prop, receiver) {
        if (prop !== 'aggregate') return Reflect.get(target, prop, receiver) as unknown;
        return (...args: Parameters<typeof facts.aggregate>) => ({
          toArray: async () => {
            await new Promise((r) => setTimeout(r, 20));
            return target.aggregate(...args).toArray();
          },
        });
      },
    });
    return keptOver(late);
  };

  /** Support writes dates in the past here: a correction, which needs a reason (a board could not). */
  const CORRECTION = 'test data in the past';

  beforeAll(async () => {
    ({ database, repository } = await seededMandates(demo, 'memory'));
    service = new MandateService(repository.repositories, repository.store, new FakeOrganisations(demo), new FakeAgreements(), () => TODAY);
  });
  afterAll(() => database?.close());

  const national = { board: null };
  /** Every kind of kept query: national status passes (today, a past date, other fields), per-school rows, board periods, month keys, coverage. */
  const questions = (a: MandateAnalytics) =>
    Promise.all([
      a.counts(national, TODAY, null, ['SERVICE', 'STATUS']),
      a.counts(national, '2025-10-01', null, ['SERVICE', 'STATUS', 'SUPPLIER', 'ORIGIN']),
      a.counts(national, TODAY, null, ['BOARD', 'STATUS', 'SECTOR']),
      a.counts(national, '2027-02-01', ['ROD_PO', 'VERZUIM'], ['SYSTEM', 'STATUS']),
      a.counts(national, TODAY, ['OSO_OV', 'OSO_SWV'], ['SERVICE', 'STATUS', 'SYSTEM', 'BOARD']),
      a.counts({ board: '41234' }, TODAY, null, ['SERVICE', 'STATUS', 'SYSTEM']),
      a.series(national, '2022-08-01', '2027-03-15', null),
      a.series(national, '2024-01-01', '2027-03-31', ['OSO_OV']),
      a.series({ board: '41234' }, '2025-01-01', '2027-03-31', ['ROD_PO', 'OSO_SWV']),
      a.coverage(national, 'OSO_OV', TODAY, 'BOARD'),
      a.coverage({ board: '41234' }, 'OSO_SWV', '2027-02-01', 'SWV'),
    ]);

  it('answer after grants, ends and system switches exactly what the queries give when run again, without running them', async () => {
    // two replicas of the mandates subgraph, each with its own kept results, one journal
    const kept = analytics();
    const replica = analytics();
    const before = await questions(kept);
    expect(await questions(replica)).toEqual(before);
    const runs = kept.cache.stats.misses;
    const replicaRuns = replica.cache.stats.misses;

    // other services, a board-level mandate, planned and ended ones, across month ends
    await service.grant({ service: 'ROD_PO', systemId: SYSTEM_A, brin: '00AV', bevoegdGezagNummer: '41234', startDate: '2026-01-31', endDate: null }, support, CORRECTION);
    await service.grant({ service: 'VERZUIM', systemId: SYSTEM_A, brin: '01BC', bevoegdGezagNummer: '41234', startDate: '2027-01-15', endDate: '2027-02-28' }, support, CORRECTION);
    await service.grant({ service: 'ROD_VO', systemId: SYSTEM_B, brin: '12WX', bevoegdGezagNummer: '41234', startDate: '2025-09-01', endDate: '2026-10-31' }, support, CORRECTION);
    // an OSO mandate ended today and one switched to the other system
    const [oso] = await repository.findMandatesOfSchools(['02DF'], ['OSO_OV']);
    await service.end({ id: oso!.id, endDate: TODAY, expectedVersion: oso!.version }, boardUser('41234'));
    await service.switchSystem({ brin: '01BC', service: 'OSO_OV', fromSystemId: SYSTEM_A, toSystemId: SYSTEM_B, startDate: '2027-01-01' }, boardUser('41234'));
    await service.grant({ service: 'OSO_SWV', systemId: SYSTEM_B, brin: '05LM', bevoegdGezagNummer: '41234', startDate: TODAY, endDate: null }, boardUser('41234'));

    const after = await questions(kept);
    expect(kept.cache.stats.misses).toBe(runs);
    expect(kept.cache.stats.folded).toBeGreaterThan(0);
    expect(after).not.toEqual(before);
    expect(after).toEqual(await questions(analytics()));
    expect(after).toEqual(await questions(fromDatabase()));
    expect(await questions(replica)).toEqual(after);
    expect(replica.cache.stats.misses).toBe(replicaRuns);
    // the store kept every mandate's facts in step
    expect(await repository.repairFacts()).toEqual({ inserted: 0, replaced: 0, removed: 0 });
  }, 120_000);

  it('stay exact when questions are computed while writes are in progress', async () => {
    const schools = ['00AV', '01BC', '02DF', '03GH', '04JK', '06NP', '07QR', '08ST'];
    for (let round = 0; round < 3; round++) {
      const kept = lateAnalytics();
      const writes = (async () => {
        for (const [i, brin] of schools.entries()) {
          // one year per round, so that the rounds' mandates do not overlap
          const year = 2023 + round;
          const [m] = await service.grant({ service: 'VERZUIM', systemId: SYSTEM_A, brin, bevoegdGezagNummer: '41234', startDate: `${year}-0${1 + i}-1${i}`, endDate: `${year}-12-2${i}` }, support, CORRECTION);
          await service.end({ id: m!.id, endDate: `${year}-11-0${1 + i}`, expectedVersion: m!.version }, support, CORRECTION);
        }
      })();
      // questions asked while the writes run: some computed during a write, some brought forward
      const asked = (async () => {
        for (let i = 0; i < 6; i++) {
          await questions(kept);
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      await Promise.all([writes, asked]);
      expect(await questions(kept)).toEqual(await questions(analytics()));
      expect(await repository.repairFacts()).toEqual({ inserted: 0, replaced: 0, removed: 0 });
    }
  }, 120_000);

  it('brings the facts in step after writes around the store: added, changed and removed mandates', async () => {
    const [one, two] = await repository.mandates.find({ serviceCode: 'OSO_OV' }, { projection: { _id: 0 } }).limit(2).toArray();
    await repository.mandates.insertOne({ ...one!, id: 'm-around-the-store', brin: '99ZZ', slotKey: 'school:99ZZ|OSO_OV' });
    await repository.mandates.updateOne({ id: two!.id }, { $set: { endDate: '2031-03-14' } });
    await repository.facts.insertOne({ ...(await repository.facts.findOne({ _id: one!.id }))!, _id: 'm-deleted-around-the-store' });
    expect(await repository.repairFacts()).toEqual({ inserted: 1, replaced: 1, removed: 1 });
    expect(await repository.facts.findOne({ _id: two!.id })).toMatchObject({ endDate: '2031-03-14', seriesEnd: 'OSO_OV|2031-03' });
    expect(await repository.facts.findOne({ _id: 'm-around-the-store' })).toMatchObject({ brin: '99ZZ', serviceCode: 'OSO_OV' });
    expect(await repository.facts.findOne({ _id: 'm-deleted-around-the-store' })).toBeNull();
    expect(await repository.repairFacts()).toEqual({ inserted: 0, replaced: 0, removed: 0 });
    await repository.mandates.deleteOne({ id: 'm-around-the-store' });
    await repository.mandates.updateOne({ id: two!.id }, { $set: { endDate: two!.endDate } });
    await repository.repairDerived();
  });

  it('runs the queries again after a write whose changes are not known (a bulk write)', async () => {
    const kept = analytics();
    await questions(kept);
    const runs = kept.cache.stats.misses;
    await repository.mandates.updateMany({ serviceCode: 'ROD_PO' }, { $set: { systemId: SYSTEM_B } });
    await repository.repairDerived();
    const after = await questions(kept);
    expect(kept.cache.stats.misses).toBeGreaterThan(runs);
    expect(after).toEqual(await questions(analytics()));
    expect(after).toEqual(await questions(fromDatabase()));
  });
});
