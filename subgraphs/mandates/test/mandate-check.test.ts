/**
 * The yearly check's records on the mandate store (issue 20): a confirmation is a recorded
 * change of the slot (history with the school year, facts in step), and a closed school's
 * flag from the RIO change feed clears the checks, so its mandates are open again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@osr/common';
import { buildDemoData } from '../../../scripts/demo-data.js';
import { FeedFollower } from '../src/feed-follower.js';
import { MandateCheck } from '../src/mandate-check.js';
import type { DirectAccess } from '../src/repositories/direct.js';
import { parseSchoolYear } from '../src/school-year.js';
import type { SchoolDirectory } from '../src/school-directory.js';
import { FakeFeed, FakeOrganisations, boardUser, seededMandates } from './fixtures.js';

describe('the yearly check on the mandate store', () => {
  const demo = buildDemoData();
  let database: Database;
  let repository: DirectAccess;
  let check: MandateCheck;
  const year = parseSchoolYear('2026-2027');
  const id = 'm-31EW-OSO_OV-ldd-las-2024-08-01';
  const noDirectory = { schools: async () => [] } as unknown as SchoolDirectory;

  beforeAll(async () => {
    ({ database, repository } = await seededMandates(demo));
    check = new MandateCheck(repository.repositories, repository.store, new FakeOrganisations(demo), noDirectory, { now: () => new Date('2026-09-15T08:00:00Z') });
  });
  afterAll(() => database?.close());

  it('a confirmation is recorded in the slot\'s history with the school year, and the facts carry it', async () => {
    expect(await check.confirm('41234', null, [id], boardUser('41234'))).toMatchObject({ schoolYear: '2026-2027', newlyConfirmed: 1 });
    const [mandate] = await repository.findMandates([id]);
    expect(mandate!.yearChecks).toEqual([{ schoolYear: '2026-2027', kind: 'CONFIRMED', at: new Date('2026-09-15T08:00:00Z'), by: 'Staff 41234', byRole: 'BOARD', board: '41234' }]);
    const history = await repository.store.historyOf([id]);
    expect(history.at(-1)!.changes).toEqual([expect.objectContaining({ action: 'CONFIRMED', schoolYear: '2026-2027' })]);
    // the memory read model's facts carry it (with database none are kept)
    const facts = await repository.facts.findOne({ _id: id });
    if (repository.kind === 'memory') expect(facts!.checks).toBe('2026-2027|2026-09-15|41234');
    else expect(facts).toBeNull();
    expect(await repository.repairFacts()).toEqual({ inserted: 0, replaced: 0, removed: 0 });
    expect((await check.mandateYearCheck(mandate!, year, async () => null)).check).not.toBeNull();
  });

  it('the closing of the school, read from the feed, clears the checks: open again for the year', async () => {
    const feed = new FakeFeed();
    feed.changes = [{ id: 'c1', sequence: 1, kind: 'SCHOOL_CLOSED', brin: '31EW', bevoegdGezagNummer: '41234', fromBoard: null, toBoard: null, effectiveDate: '2026-10-01', description: 'School 31EW closed' }];
    const follower = new FeedFollower(feed, repository.repositories.mandates);
    expect((await follower.follow()).mandatesFlagged).toBe(1);
    const [mandate] = await repository.findMandates([id]);
    expect(mandate!.yearChecks).toEqual([]);
    expect((await check.mandateYearCheck(mandate!, year, async () => null))).toMatchObject({ due: true, check: null });
    if (repository.kind === 'memory') expect((await repository.facts.findOne({ _id: id }))!.checks).toBeNull();
    // and it can be confirmed again
    expect((await check.confirm('41234', null, [id], boardUser('41234'))).newlyConfirmed).toBe(1);
  });
});
