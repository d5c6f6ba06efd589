import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@osr/common';
import { buildDemoData } from '../../../scripts/demo-data.js';
import { FeedFollower } from '../src/feed-follower.js';
import { MandateService } from '../src/mandate-service.js';
import type { DirectAccess } from '../src/repositories/direct.js';
import { FakeAgreements, FakeFeed, FakeOrganisations, boardUser, failure, seededMandates } from './fixtures.js';

describe('following the RIO change feed', () => {
  const demo = buildDemoData();
  let database: Database;
  let repository: DirectAccess;
  const feed = new FakeFeed();
  let follower: FeedFollower;

  beforeAll(async () => {
    ({ database, repository } = await seededMandates(demo));
    follower = new FeedFollower(feed, repository.repositories.mandates);
    const base = { bevoegdGezagNummer: null, brin: null, fromBoard: null, toBoard: null, effectiveDate: '2026-08-01' };
    feed.changes = [
      { ...base, id: 'c1', sequence: 1, kind: 'BOARD_RENAMED', bevoegdGezagNummer: '41234', description: 'Board 41234 renamed' },
      { ...base, id: 'c2', sequence: 2, kind: 'SCHOOL_MOVED', brin: '25BE', bevoegdGezagNummer: '42001', fromBoard: '41234', toBoard: '42001', description: 'School 25BE moved from board 41234 to 42001' },
      { ...base, id: 'c3', sequence: 3, kind: 'SCHOOL_CLOSED', brin: '31EW', bevoegdGezagNummer: '41234', description: 'School 31EW closed' },
    ];
  });
  afterAll(() => database?.close());

  it('flags the mandates of a moved school for both boards, and of a closed school, without ending them', async () => {
    const report = await follower.follow();
    expect(report).toEqual({ changesRead: 3, mandatesFlagged: 3, cursor: '3' });

    const moved = await repository.findMandatesOfSchools(['25BE'], null);
    expect(moved).toHaveLength(2);
    for (const m of moved) {
      expect(m.endDate).toBeNull();
      expect(m.reviewBoards).toEqual(['42001']);
      expect(m.reviewReasons).toEqual([
        expect.objectContaining({ changeId: 'c2', kind: 'SCHOOL_MOVED', boards: ['41234', '42001'], effectiveDate: '2026-08-01', description: 'School 25BE moved from board 41234 to 42001' }),
      ]);
    }
    // Stored with the board that gave them: the new board reaches them through its schools now
    // (Board.mandates, test/e2e/school-moved.test.ts), never through a list of review boards.
    expect((await repository.findMandatesOfBoards(['42001'], null)).filter((m) => m.brin === '25BE')).toHaveLength(0);
    expect((await repository.findMandatesOfBoards(['41234'], null)).filter((m) => m.brin === '25BE')).toHaveLength(2);

    // 31EW: only the mandate still running on the closing date is flagged; the one that ended in 2024 is not.
    const closed = await repository.findMandatesOfSchools(['31EW'], null);
    expect(closed.map((m) => [m.endDate, m.reviewReasons.map((r) => r.kind)])).toEqual([
      ['2024-07-31', []],
      [null, ['SCHOOL_CLOSED']],
    ]);
  });

  it('following again reads nothing new and flags nothing twice; a new change is picked up from the stored cursor', async () => {
    expect(await follower.follow()).toEqual({ changesRead: 0, mandatesFlagged: 0, cursor: '3' });
    // A restarted follower (new object) continues from the stored cursor too.
    const restarted = new FeedFollower(feed, repository.repositories.mandates);
    feed.changes.push({ id: 'c4', sequence: 4, kind: 'SCHOOL_MOVED', brin: '07QR', bevoegdGezagNummer: '43555', fromBoard: '41234', toBoard: '43555', effectiveDate: '2026-09-01', description: 'School 07QR moved' });
    expect(await restarted.follow()).toEqual({ changesRead: 1, mandatesFlagged: 1, cursor: '4' });
    const history = await repository.store.historyOf(['m-25BE-OSO_OV-voorbeeld-las-2022-08-15']);
    expect(history.map((h) => h.changes.map((c) => c.action))).toEqual([['CREATED'], ['FLAGGED_FOR_REVIEW']]);
  });

  it('when the new board reviews a moved school mandate, the flags clear and it records who reviewed', async () => {
    const organisations = new FakeOrganisations(demo);
    organisations.moves.push({ brin: '25BE', from: '2026-08-01', board: '42001' });
    const service = new MandateService(repository.repositories, repository.store, organisations, new FakeAgreements(), () => '2026-11-28');
    const ids = (await repository.findMandatesOfSchools(['25BE'], null)).map((m) => m.id);
    // Neither a third board nor the board the school left may review them: the board that holds it now does.
    expect((await failure(service.markReviewed(ids, boardUser('43555')))).code).toBe('FORBIDDEN');
    expect((await failure(service.markReviewed(ids, boardUser('41234')))).code).toBe('FORBIDDEN');
    const reviewed = await service.markReviewed(ids, boardUser('42001'));
    expect(reviewed.map((m) => [m.reviewReasons, m.reviewBoards, m.lastReviewedBy])).toEqual([
      [[], [], 'Staff 42001'],
      [[], [], 'Staff 42001'],
    ]);
  });
});

describe('a move the feed reports for a later day', () => {
  const demo = buildDemoData();
  let database: Database;
  let repository: DirectAccess;
  const feed = new FakeFeed();
  let today = '2026-12-07';
  const follower = () => new FeedFollower(feed, repository.repositories.mandates, undefined, () => today);
  const reasonsOf = async (brin: string) => (await repository.findMandatesOfSchools([brin], null)).map((m) => m.reviewReasons.map((r) => r.changeId));

  beforeAll(async () => {
    ({ database, repository } = await seededMandates(demo));
    const base = { bevoegdGezagNummer: null, brin: null, fromBoard: null, toBoard: null };
    feed.changes = [
      { ...base, id: 'm1', sequence: 1, kind: 'SCHOOL_MOVED', brin: '08ST', bevoegdGezagNummer: '43555', fromBoard: '41234', toBoard: '43555', effectiveDate: '2027-01-15', description: 'School 08ST moves from board 41234 to 43555 on 2027-01-15' },
      { ...base, id: 'm2', sequence: 2, kind: 'SCHOOL_CLOSED', brin: '06NP', bevoegdGezagNummer: '41234', effectiveDate: '2026-11-30', description: 'School 06NP closed' },
    ];
  });
  afterAll(() => database?.close());

  it('flags nothing before the day of the move, while the changes behind it are handled at once', async () => {
    expect(await follower().follow()).toEqual({ changesRead: 2, mandatesFlagged: 1, cursor: '2' });
    expect(await reasonsOf('08ST')).toEqual([[]]);
    expect(await reasonsOf('06NP')).toEqual([['m2']]);
    // the day before the move, a restarted follower (the move kept with the cursor) still flags nothing
    today = '2027-01-14';
    expect(await follower().follow()).toEqual({ changesRead: 0, mandatesFlagged: 0, cursor: '2' });
    expect(await reasonsOf('08ST')).toEqual([[]]);
  });

  it('flags the school\'s mandates for review by the first run on the day of the move, once', async () => {
    today = '2027-01-15';
    expect(await follower().follow()).toEqual({ changesRead: 0, mandatesFlagged: 1, cursor: '2' });
    const [flagged] = await repository.findMandatesOfSchools(['08ST'], null);
    expect(flagged!.reviewReasons).toEqual([expect.objectContaining({ changeId: 'm1', kind: 'SCHOOL_MOVED', effectiveDate: '2027-01-15', boards: ['41234', '43555'] })]);
    expect(flagged!.reviewBoards).toEqual(['43555']);
    expect(await follower().follow()).toEqual({ changesRead: 0, mandatesFlagged: 0, cursor: '2' });
    expect((await repository.repositories.mandates.feedCursor('organisations')).deferred).toEqual([]);
  });
});
