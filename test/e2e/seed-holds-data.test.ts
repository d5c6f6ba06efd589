/**
 * What the first start asks of a store before it loads the demo data, and what the loaders
 * and benchmarks read, all through the packages' documented entries: each package says which
 * of its data a store holds (holdsData), so the seed (scripts/seed-lib.ts) names no
 * collection of theirs. An empty store holds nothing; data written through each package's
 * own write path is named by database and collection; a seeded store is the demo's own.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, databaseName, type Database } from '@osr/common';
import type { ReviewItemDocument } from '@osr/subgraph-agreements/documents';
import { AgreementsRepository } from '@osr/subgraph-agreements/repository';
import { seedAgreements } from '@osr/subgraph-agreements/seed';
import { OrganisationsRepository } from '@osr/subgraph-organisations/repository';
import { importRio } from '@osr/subgraph-organisations/rio';
import { SupportRepository } from '@osr/subgraph-support/repository';
import { buildDemoData } from '../../scripts/demo-data.js';
import { DEMO_RIO_FILE, foreignData, isSeeded, largestBoard, seedDemo } from '../../scripts/seed-lib.js';
import { databaseUri, freshPrefix } from '../support/system.js';

const demo = buildDemoData();
const item = (id: string, boardNummer: string, createdAt: string): ReviewItemDocument => ({
  id, boardNummer, reason: 'SCHOOL_MOVED_OUT', status: 'OPEN', description: `item ${id}`, changeId: `change-${id}`, changeKind: 'SCHOOL_MOVED',
  importId: 'import-1', effectiveDate: '2026-08-01', brins: ['31EW'], agreementIds: [], suggestedActions: [], createdAt: new Date(createdAt),
  resolvedAt: null, resolvedBy: null, resolution: null, version: 1,
});

describe('what a store holds, as each package says', () => {
  const uri = () => databaseUri();
  let prefix: string;
  const open: Database[] = [];
  const connect = async (name: 'organisations' | 'agreements' | 'support') => {
    const database = await connectDatabase(uri(), databaseName(prefix, name));
    open.push(database);
    return database.db;
  };

  beforeAll(() => {
    prefix = freshPrefix();
  });
  afterAll(() => Promise.all(open.map((d) => d.close())));

  it('an empty store holds nothing and has no largest board', async () => {
    expect(await foreignData(uri(), prefix)).toEqual([]);
    expect(await largestBoard(uri(), prefix)).toBeNull();
    expect(await new AgreementsRepository(await connect('agreements')).counts()).toEqual({ agreements: 0, reviewItems: 0 });
  });

  it('data written through each package is named by database and collection, in the order each package lists it', async () => {
    const organisations = new OrganisationsRepository(await connect('organisations'));
    await organisations.ensureIndexes();
    const rio = await importRio(organisations, { name: 'rio-demo.json', bytes: readFileSync(DEMO_RIO_FILE) }, { mode: 'delta' });
    expect(rio.rejected).toBe(0);
    const agreements = new AgreementsRepository(await connect('agreements'));
    await agreements.ensureIndexes();
    await seedAgreements(agreements, demo.agreements);
    const support = new SupportRepository(await connect('support'));
    await support.ensureIndexes();
    expect(await support.insertContact(demo.support.contacts[0]!, { id: 'test', name: 'test' })).toBe(true);

    // the agreements' history and review items are not written by the seed: not named
    expect(await foreignData(uri(), prefix)).toEqual([
      `${prefix}organisations.boards`,
      `${prefix}organisations.schools`,
      `${prefix}organisations.samenwerkingsverbanden`,
      `${prefix}organisations.organisation_changes`,
      `${prefix}organisations.rio_imports`,
      `${prefix}agreements.agreements`,
      `${prefix}support.contacts`,
      `${prefix}support.contact_history`,
    ]);
  });

  it('the largest board is the one with the most open schools (the demo RIO file: 41234)', async () => {
    expect(await largestBoard(uri(), prefix)).toBe('41234');
  });

  it('counts the agreements and review items, and pages every review item by id', async () => {
    const agreements = new AgreementsRepository(await connect('agreements'));
    for (const [id, board, at] of [['r-3', '41234', '2026-09-03'], ['r-1', '55555', '2026-09-01'], ['r-2', '41234', '2026-09-02']] as const) {
      expect(await agreements.insertReviewItem(item(id, board, `${at}T10:00:00Z`))).toBe(true);
    }
    expect(await agreements.counts()).toEqual({ agreements: demo.agreements.agreements.length, reviewItems: 3 });
    expect(await agreements.holdsData()).toEqual(['agreements', 'review_items']);
    const first = await agreements.reviewItemPage(null, 2);
    expect(first.map((r) => r.id)).toEqual(['r-1', 'r-2']);
    expect(first[0]).toEqual(item('r-1', '55555', '2026-09-01T10:00:00Z'));
    expect((await agreements.reviewItemPage('r-2', 2)).map((r) => r.id)).toEqual(['r-3']);
    expect(await agreements.reviewItemPage('r-3', 2)).toEqual([]);
  });

  it('a store seeded with the demo data holds none but the demo\'s', async () => {
    const seeded = freshPrefix();
    await seedDemo(uri(), seeded);
    expect(await isSeeded(uri(), seeded)).toBe(true);
    expect(await foreignData(uri(), seeded)).toEqual([]);
  });
});
