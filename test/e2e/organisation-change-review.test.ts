import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, databaseName } from '@osr/common';
import { OrganisationsRepository } from '@osr/subgraph-organisations/repository';
import { importRio } from '@osr/subgraph-organisations/rio';
import { buildDemoData } from '../../scripts/demo-data.js';
import { DEMO_RIO_FILE, seedDemo } from '../../scripts/seed-lib.js';
import { bearer, databaseUri, freshPrefix, graphql, startSystem, type RunningSystem } from '../support/system.js';

/**
 * The demo RIO data as RIO reports it a month later: school 25BE moved from board 41234 to
 * 42001, and board 43555 merged into 42001 (its schools 17GH and 18JK moved, then it closed).
 */
function rioAfterMerger(): Buffer {
  const bundle = JSON.parse(readFileSync(DEMO_RIO_FILE, 'utf8')) as {
    peilmoment: string;
    peildatum: string;
    onderwijsbesturen: { bevoegdGezagNummer: string; uitBedrijfdatum: string | null }[];
    onderwijsinstellingserkenningen: { bRIN4: string; bevoegdGezagNummer: string; begindatum: string }[];
  };
  bundle.peilmoment = '2026-12-01T06:00:00.000Z';
  bundle.peildatum = '2026-12-01';
  for (const erkenning of bundle.onderwijsinstellingserkenningen) {
    if (['25BE', '17GH', '18JK'].includes(erkenning.bRIN4)) {
      erkenning.bevoegdGezagNummer = '42001';
      erkenning.begindatum = '2026-12-01';
    }
  }
  bundle.onderwijsbesturen.find((b) => b.bevoegdGezagNummer === '43555')!.uitBedrijfdatum = '2026-11-30';
  return Buffer.from(JSON.stringify(bundle));
}

const FOLLOW = 'mutation { followOrganisationChangesForAgreements { processed itemsCreated } }';
const ITEMS = `query ($b: ID!) { board(bevoegdGezagNummer: $b) { reviewItems { reason changeKind status effectiveDate
  schools { brin name } agreements { id } suggestedActions } } }`;
interface Item {
  reason: string;
  changeKind: string;
  status: string;
  effectiveDate: string;
  schools: { brin: string; name: string }[];
  agreements: { id: string }[];
  suggestedActions: string[];
}

describe('review items after a RIO import that moves a school and merges two boards (through the gateway)', () => {
  let system: RunningSystem;
  let prefix: string;
  let support: Record<string, string>;
  beforeAll(async () => {
    prefix = freshPrefix();
    await seedDemo(databaseUri(), prefix, buildDemoData());
    system = await startSystem(prefix);
    support = await bearer({ role: 'SUPPORT' });
  });
  afterAll(() => system?.stop());

  async function follow() {
    const res = await graphql<{ followOrganisationChangesForAgreements: { processed: number; itemsCreated: number } }>(system.gatewayUrl, FOLLOW, undefined, support);
    expect(res.errors).toBeUndefined();
    return res.data!.followOrganisationChangesForAgreements;
  }
  async function itemsOf(board: string, headers = support) {
    const res = await graphql<{ board: { reviewItems: Item[] } }>(system.gatewayUrl, ITEMS, { b: board }, headers);
    expect(res.errors).toBeUndefined();
    return res.data!.board.reviewItems;
  }
  const summary = (items: Item[]) => items.map((i) => `${i.reason} ${i.schools.map((s) => s.brin).join(',')}`).sort();

  it('the initial load of the register needs no review', async () => {
    await follow();
    for (const board of ['41234', '42001', '43555']) expect(await itemsOf(board)).toEqual([]);
  });

  it('creates the expected items on the right boards, exactly once, also when the feed is followed twice', async () => {
    const organisations = await connectDatabase(databaseUri(), databaseName(prefix, 'organisations'));
    try {
      const repo = new OrganisationsRepository(organisations.db);
      const report = await importRio(repo, { name: 'rio-2026-12-01.json', bytes: rioAfterMerger() }, { mode: 'full' });
      expect(report.rejections).toEqual([]);
      expect(report.moved).toBe(3);
    } finally {
      await organisations.close();
    }

    const first = await follow();
    expect(first.itemsCreated).toBe(8);
    const second = await follow();
    expect(second).toEqual({ processed: 0, itemsCreated: 0 });

    expect(summary(await itemsOf('41234'))).toEqual(['SCHOOL_MOVED_OUT 25BE']);
    expect(summary(await itemsOf('42001'))).toEqual(['BOARD_MERGED 17GH,18JK', 'SCHOOL_MOVED_IN 17GH', 'SCHOOL_MOVED_IN 18JK', 'SCHOOL_MOVED_IN 25BE']);
    expect(summary(await itemsOf('43555'))).toEqual(['BOARD_CLOSED 17GH,18JK', 'SCHOOL_MOVED_OUT 17GH', 'SCHOOL_MOVED_OUT 18JK']);

    // The receiving board sees it in its own terms: school names from RIO, its agreement, what to do.
    const staff42001 = await bearer({ role: 'BOARD', board: '42001', rights: ['OSR_TOEGANG'] });
    const merged = (await itemsOf('42001', staff42001)).find((i) => i.reason === 'BOARD_MERGED')!;
    expect(merged).toMatchObject({
      changeKind: 'BOARD_CLOSED',
      status: 'OPEN',
      effectiveDate: '2026-11-30',
      schools: [
        { brin: '17GH', name: 'Christelijk Lyceum Midden' },
        { brin: '18JK', name: 'Christelijk College De Vecht' },
      ],
      agreements: [{ id: 'a-42001-oso' }],
    });
    expect(merged.suggestedActions).toContain('Check the agreement still covers these schools, taken over from board 43555');

    // Which mandates to check: the item's schools carry their mandates (from the mandates subgraph).
    const withMandates = await graphql<{ board: { reviewItems: { reason: string; schools: { brin: string; mandates: { service: { code: string } }[] }[] }[] } }>(
      system.gatewayUrl,
      '{ board(bevoegdGezagNummer: "42001") { reviewItems { reason schools { brin mandates { service { code } } } } } }',
      undefined,
      support,
    );
    expect(withMandates.errors).toBeUndefined();
    const mergedSchools = withMandates.data!.board.reviewItems.find((i) => i.reason === 'BOARD_MERGED')!.schools;
    expect(mergedSchools.map((s) => [s.brin, s.mandates.map((m) => m.service.code)])).toEqual([
      ['17GH', ['OSO_OV', 'OSO_SWV']],
      ['18JK', ['OSO_OV']],
    ]);
    expect((await itemsOf('43555')).find((i) => i.reason === 'BOARD_CLOSED')!.suggestedActions[0]).toContain('Terminate your board');

    // Importing the same RIO data again adds nothing to the feed, so nothing to review.
    const organisationsAgain = await connectDatabase(databaseUri(), databaseName(prefix, 'organisations'));
    try {
      const again = await importRio(new OrganisationsRepository(organisationsAgain.db), { name: 'rio-2026-12-01.json', bytes: rioAfterMerger() }, { mode: 'full' });
      expect(again.changes).toBe(0);
    } finally {
      await organisationsAgain.close();
    }
    expect(await follow()).toEqual({ processed: 0, itemsCreated: 0 });
  });

  it('following the whole feed again from the start creates nothing twice', async () => {
    const agreements = await connectDatabase(databaseUri(), databaseName(prefix, 'agreements'));
    try {
      await agreements.db.collection('feed_state').deleteMany({});
    } finally {
      await agreements.close();
    }
    const replay = await follow();
    expect(replay.processed).toBeGreaterThanOrEqual(5);
    expect(replay.itemsCreated).toBe(0);
    const total = (await itemsOf('41234')).length + (await itemsOf('42001')).length + (await itemsOf('43555')).length;
    expect(total).toBe(8);
  });
});
