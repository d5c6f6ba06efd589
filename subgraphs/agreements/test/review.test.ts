import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, databaseName } from '@osr/common';
import { databaseUri, identitySecret } from '../../../test/support/system.js';
import { startFakeFeed, type FakeFeed } from './fake-feed.js';
import { analyst, codeOf, staff, startAgreements, support, type TestAgreements } from './helpers.js';

/**
 * One RIO import (imp-1): school 25BE moves from 41234 to 42001; board 43555 merges into
 * 42001 (its schools 17GH and 18JK move, then 43555 closes); school 09UV of 41234 closes;
 * 42001 is renamed (no review needed).
 */
const CHANGES = [
  { id: 'c1', sequence: 1, kind: 'SCHOOL_MOVED', brin: '25BE', fromBoard: '41234', toBoard: '42001', effectiveDate: '2026-12-01', importId: 'imp-1', description: '25BE moved' },
  { id: 'c2', sequence: 2, kind: 'SCHOOL_MOVED', brin: '17GH', fromBoard: '43555', toBoard: '42001', effectiveDate: '2026-12-01', importId: 'imp-1', description: '17GH moved' },
  { id: 'c3', sequence: 3, kind: 'SCHOOL_MOVED', brin: '18JK', fromBoard: '43555', toBoard: '42001', effectiveDate: '2026-12-01', importId: 'imp-1', description: '18JK moved' },
  { id: 'c4', sequence: 4, kind: 'BOARD_CLOSED', bevoegdGezagNummer: '43555', effectiveDate: '2026-12-01', importId: 'imp-1', description: '43555 closed' },
  { id: 'c5', sequence: 5, kind: 'SCHOOL_CLOSED', bevoegdGezagNummer: '41234', brin: '09UV', effectiveDate: '2026-12-01', importId: 'imp-1', description: '09UV closed' },
  { id: 'c6', sequence: 6, kind: 'BOARD_RENAMED', bevoegdGezagNummer: '42001', effectiveDate: '2026-12-01', importId: 'imp-1', description: 'renamed' },
];

const FOLLOW = 'mutation { followOrganisationChangesForAgreements { processed itemsCreated pages cursor reviewItems { id } } }';
const ITEMS = `query ($b: String!) { _entities(representations: [{ __typename: "Board", bevoegdGezagNummer: $b }]) { ... on Board {
  reviewItems { id reason status description changeId changeKind effectiveDate schools { brin } agreements { id } suggestedActions version } } } }`;

interface Item {
  id: string;
  reason: string;
  status: string;
  description: string;
  changeId: string;
  changeKind: string;
  schools: { brin: string }[];
  agreements: { id: string }[];
  suggestedActions: string[];
  version: number;
}
type Follow = { followOrganisationChangesForAgreements: { processed: number; itemsCreated: number; pages: number; cursor: string | null; reviewItems: { id: string }[] } };

describe('review items after organisation changes (against a fake change feed)', () => {
  let feed: FakeFeed;
  let sg: TestAgreements;
  beforeAll(async () => {
    feed = await startFakeFeed(identitySecret, CHANGES.map((c) => ({ ...c })));
    sg = await startAgreements({}, { organisations: feed.url });
  });
  afterAll(async () => {
    await sg?.stop();
    await feed?.stop();
  });

  async function itemsOf(board: string, who = support) {
    const res = await sg.call<{ _entities: { reviewItems: Item[] }[] }>(who, ITEMS, { b: board });
    expect(res.errors).toBeUndefined();
    return res.data!._entities[0]!.reviewItems;
  }
  const summary = (items: Item[]) => items.map((i) => `${i.reason} ${i.changeId} ${i.schools.map((s) => s.brin).join(',')}`).sort();

  it('creates the expected items on the right boards, page by page, calling the feed as a signed service', async () => {
    const res = await sg.call<Follow>(support, FOLLOW);
    expect(res.errors).toBeUndefined();
    expect(res.data!.followOrganisationChangesForAgreements).toMatchObject({ processed: 6, itemsCreated: 9, pages: 3 });
    expect(feed.requests.map((r) => r.caller)).toEqual(['service:agreements', 'service:agreements', 'service:agreements']);

    expect(summary(await itemsOf('41234'))).toEqual(['SCHOOL_CLOSED c5 09UV', 'SCHOOL_MOVED_OUT c1 25BE']);
    expect(summary(await itemsOf('42001'))).toEqual(['BOARD_MERGED c4 17GH,18JK', 'SCHOOL_MOVED_IN c1 25BE', 'SCHOOL_MOVED_IN c2 17GH', 'SCHOOL_MOVED_IN c3 18JK']);
    expect(summary(await itemsOf('43555'))).toEqual(['BOARD_CLOSED c4 17GH,18JK', 'SCHOOL_MOVED_OUT c2 17GH', 'SCHOOL_MOVED_OUT c3 18JK']);

    const merged = (await itemsOf('42001')).find((i) => i.reason === 'BOARD_MERGED')!;
    expect(merged).toMatchObject({ status: 'OPEN', changeKind: 'BOARD_CLOSED', agreements: [{ id: 'a-42001-oso' }], version: 1 });
    expect(merged.description).toContain('Board 43555 closed on 2026-12-01 and merged into your board');
    expect(merged.suggestedActions[0]).toBe('Check the agreement still covers these schools, taken over from board 43555');
    expect(merged.suggestedActions).toContain('Contact your supplier to move the schools to your systems');

    const movedIn = (await itemsOf('42001')).find((i) => i.changeId === 'c1')!;
    expect(movedIn.suggestedActions[0]).toBe('Check the agreement still covers these schools: 25BE');
    const closed = (await itemsOf('43555')).find((i) => i.reason === 'BOARD_CLOSED')!;
    expect(closed.agreements).toEqual([]);
    expect(closed.description).toContain('its schools moved to board 42001 (merger)');
  });

  it('creates nothing twice: following again reads nothing new; from the start again it creates no items', async () => {
    const again = await sg.call<Follow>(support, FOLLOW);
    expect(again.data!.followOrganisationChangesForAgreements).toMatchObject({ processed: 0, itemsCreated: 0, pages: 1 });

    // From the start again (support's fromStart, or a lost cursor): every change is read again, the unique index holds.
    const replay = await sg.call<Follow>(support, 'mutation { followOrganisationChangesForAgreements(fromStart: true) { processed itemsCreated pages cursor reviewItems { id } } }');
    expect(replay.data!.followOrganisationChangesForAgreements).toMatchObject({ processed: 6, itemsCreated: 0 });
    const db = await connectDatabase(databaseUri(), databaseName(sg.prefix, 'agreements'));
    try {
      await db.db.collection('feed_state').deleteMany({});
    } finally {
      await db.close();
    }
    const lost = await sg.call<Follow>(support, FOLLOW);
    expect(lost.data!.followOrganisationChangesForAgreements).toMatchObject({ processed: 6, itemsCreated: 0 });
    const total = (await itemsOf('41234')).length + (await itemsOf('42001')).length + (await itemsOf('43555')).length;
    expect(total).toBe(9);
  });

  it('resumes where it stopped: a later change is the only one read next time', async () => {
    feed.changes.push({ id: 'c7', sequence: 7, kind: 'SCHOOL_MOVED', brin: '14AB', fromBoard: '42001', toBoard: '41234', effectiveDate: '2027-01-01', importId: 'imp-2', description: '14AB moved' });
    const next = await sg.call<Follow>(support, FOLLOW);
    expect(next.data!.followOrganisationChangesForAgreements).toMatchObject({ processed: 1, itemsCreated: 2 });
    expect(summary(await itemsOf('41234'))).toContain('SCHOOL_MOVED_IN c7 14AB');
  });

  it('lets the board resolve its items once; others get FORBIDDEN; only support follows the feed by hand', async () => {
    const [item] = await itemsOf('41234', staff('41234'));
    const RESOLVE = 'mutation ($id: ID!) { resolveReviewItem(id: $id, resolution: "checked with our supplier") { id status resolvedBy resolution version } }';
    // another board's item and an id that does not exist: one answer, naming no board
    const others = await sg.call(staff('42001'), RESOLVE, { id: item!.id });
    const missing = await sg.call(staff('42001'), RESOLVE, { id: `${item!.id.slice(0, -1)}_` });
    expect(codeOf(others)).toBe('FORBIDDEN');
    expect(others.errors![0]!.message.replace(item!.id, '<id>')).toBe(missing.errors![0]!.message.replace(`${item!.id.slice(0, -1)}_`, '<id>'));
    expect(others.errors![0]!.message).not.toContain('41234');
    expect(codeOf(await sg.call(analyst, RESOLVE, { id: item!.id }))).toBe('FORBIDDEN');
    const ok = await sg.call<{ resolveReviewItem: unknown }>(staff('41234'), RESOLVE, { id: item!.id });
    expect(ok.data!.resolveReviewItem).toEqual({ id: item!.id, status: 'RESOLVED', resolvedBy: 'Staff 41234', resolution: 'checked with our supplier', version: 2 });
    const twice = await sg.call(staff('41234'), RESOLVE, { id: item!.id });
    expect(codeOf(twice)).toBe('CONFLICT');
    expect(codeOf(await sg.call(support, RESOLVE, { id: 'r-none' }))).toBe('NOT_FOUND');

    const open = await sg.call<{ _entities: { reviewItems: { id: string }[] }[] }>(staff('41234'), 'query { _entities(representations: [{ __typename: "Board", bevoegdGezagNummer: "41234" }]) { ... on Board { reviewItems(status: OPEN) { id } } } }');
    expect(open.data!._entities[0]!.reviewItems.map((i) => i.id)).not.toContain(item!.id);

    expect(codeOf(await sg.call(staff('42001'), ITEMS, { b: '41234' }))).toBe('FORBIDDEN');
    expect(codeOf(await sg.call(staff('41234'), FOLLOW))).toBe('FORBIDDEN');
    expect(codeOf(await sg.call(analyst, FOLLOW))).toBe('FORBIDDEN');
  });

  it('of two concurrent resolutions, exactly one wins', async () => {
    const items = await itemsOf('43555');
    const target = items.find((i) => i.status === 'OPEN')!;
    const RESOLVE = 'mutation ($id: ID!, $n: String) { resolveReviewItem(id: $id, resolution: $n) { status resolution } }';
    const results = await Promise.all(['one', 'two'].map((n) => sg.call(staff('43555'), RESOLVE, { id: target.id, n })));
    expect(results.filter((r) => r.errors === undefined)).toHaveLength(1);
    expect(results.filter((r) => codeOf(r) === 'CONFLICT')).toHaveLength(1);
  });
});

describe('requests checked against RIO through the organisations API', () => {
  let feed: FakeFeed;
  let sg: TestAgreements;
  beforeAll(async () => {
    feed = await startFakeFeed(identitySecret, []);
    sg = await startAgreements({}, { organisations: feed.url });
  });
  afterAll(async () => {
    await sg?.stop();
    await feed?.stop();
  });

  const REQUEST = 'mutation ($b: ID!) { requestAgreement(input: { bevoegdGezagNummer: $b, type: OSO, services: [OSO_OV] }) { id status } }';
  it('refuses a board RIO does not know (NOT_FOUND) or that closed (CONFLICT); accepts a known one', async () => {
    const unknown = await sg.call(support, REQUEST, { b: '99999' });
    expect(codeOf(unknown)).toBe('NOT_FOUND');
    expect(unknown.errors![0]!.message).toContain('RIO does not know board 99999');
    const closed = await sg.call(support, REQUEST, { b: '43999' });
    expect(codeOf(closed)).toBe('CONFLICT');
    expect(closed.errors![0]!.message).toContain('closed on 2020-12-31');
    const ok = await sg.call<{ requestAgreement: { status: string } }>(support, REQUEST, { b: '43555' });
    expect(ok.data!.requestAgreement.status).toBe('REQUESTED');
  });
});

describe('the poller', () => {
  let feed: FakeFeed;
  let sg: TestAgreements;
  beforeAll(async () => {
    feed = await startFakeFeed(identitySecret, CHANGES.slice(0, 1).map((c) => ({ ...c })));
    sg = await startAgreements({ pollSeconds: 1 }, { organisations: feed.url });
  });
  afterAll(async () => {
    await sg?.stop();
    await feed?.stop();
  });

  it('follows the feed by itself every interval when configured', async () => {
    const deadline = Date.now() + 5_000;
    let items: { reason: string }[] = [];
    while (Date.now() < deadline && items.length < 2) {
      await new Promise((r) => setTimeout(r, 250));
      const res = await sg.call<{ _entities: { reviewItems: { reason: string }[] }[] }>(support, 'query { _entities(representations: [{ __typename: "Board", bevoegdGezagNummer: "42001" }, { __typename: "Board", bevoegdGezagNummer: "41234" }]) { ... on Board { reviewItems { reason } } } }');
      items = res.data!._entities.flatMap((e) => e.reviewItems);
    }
    expect(items.map((i) => i.reason).sort()).toEqual(['SCHOOL_MOVED_IN', 'SCHOOL_MOVED_OUT']);
  });
});

describe('following without an organisations service', () => {
  let sg: TestAgreements;
  beforeAll(async () => {
    sg = await startAgreements();
  });
  afterAll(() => sg?.stop());

  it('answers UNAVAILABLE, naming the missing setting', async () => {
    const res = await sg.call(support, FOLLOW);
    expect(codeOf(res)).toBe('UNAVAILABLE');
    expect(res.errors![0]!.message).toContain('ORGANISATIONS_URL');
  });
});
