/**
 * The RIO API sync against the local RIO API server: the same data gives the same store and
 * change feed as a file import; changes give exactly their feed entries; a sync stopped
 * halfway continues where it stopped and ends equal to a clean one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@osr/common';
import type { OrganisationsRepository } from '@osr/subgraph-organisations/repository';
import { importRio } from '@osr/subgraph-organisations/rio';
import { generateNationalSet } from '@osr/subgraph-organisations/rio/generate';
import { runRioSync, type RioSyncConfig } from '@osr/subgraph-organisations/rio/sync';
import { RioSyncRepository } from '@osr/subgraph-organisations/rio/sync-repository';
import { feedRows, freshRepository, jsonBytes } from '../../subgraphs/organisations/test/support.js';
import { startRioApiServer, type RioApiServer } from '../../scripts/local-rio-api.js';

const API_KEY = 'test-key-0123456789';
type Bundle = Record<string, unknown> & {
  onderwijsbesturen: { bevoegdGezagNummer: string; uitBedrijfdatum: string | null }[];
  onderwijsinstellingserkenningen: { bRIN4: string; bevoegdGezagNummer: string; begindatum: string }[];
  onderwijsaanbieders: { bRIN4: string; uitBedrijfdatum: string | null }[];
};

const set = generateNationalSet({ boards: 40, schools: 300, largestBoard: 30, seed: 9 });
const day1 = set.bundle as Bundle;

function syncConfig(server: RioApiServer, extra: Partial<RioSyncConfig> = {}): RioSyncConfig {
  return { apiUrl: server.url, apiKey: API_KEY, pageSize: 50, concurrency: 3, requestsPerSecond: 1000, backoffBaseMs: 10, maxAttempts: 4, ...extra };
}

/** The store without the store's own ids, in key order. */
async function storeOf(repo: OrganisationsRepository) {
  return {
    boards: await repo.boards.find({}, { projection: { _id: 0 } }).sort({ bevoegdGezagNummer: 1 }).toArray(),
    schools: await repo.schools.find({}, { projection: { _id: 0 } }).sort({ brin: 1 }).toArray(),
    swvs: await repo.swvs.find({}, { projection: { _id: 0 } }).sort({ code: 1 }).toArray(),
  };
}

interface Store {
  database: Database;
  repo: OrganisationsRepository;
  syncs: RioSyncRepository;
}

async function freshStore(): Promise<Store> {
  const { database, repo } = await freshRepository();
  const syncs = new RioSyncRepository(database.db);
  await syncs.ensureIndexes();
  return { database, repo, syncs };
}

/** Day 2: one school moved, one closed, and a merger (every school of one board to another, that board closed). */
function day2(): { bundle: Bundle; moved: string; closed: string; mergedBoard: string; intoBoard: string; mergedSchools: string[] } {
  const bundle = structuredClone(day1);
  bundle['peilmoment'] = '2026-11-15T06:00:00.000Z';
  bundle['peildatum'] = '2026-11-15';
  const open = (brin: string) => bundle.onderwijsaanbieders.find((a) => a.bRIN4 === brin)!.uitBedrijfdatum === null;
  const boards = bundle.onderwijsbesturen.map((b) => b.bevoegdGezagNummer);
  const mergedBoard = boards[boards.length - 1]!;
  const intoBoard = boards[boards.length - 2]!;
  const mergedSchools = bundle.onderwijsinstellingserkenningen.filter((e) => e.bevoegdGezagNummer === mergedBoard).map((e) => e.bRIN4);
  expect(mergedSchools.every(open)).toBe(true);
  for (const e of bundle.onderwijsinstellingserkenningen) {
    if (e.bevoegdGezagNummer === mergedBoard) {
      e.bevoegdGezagNummer = intoBoard;
      e.begindatum = '2026-11-15';
    }
  }
  bundle.onderwijsbesturen.find((b) => b.bevoegdGezagNummer === mergedBoard)!.uitBedrijfdatum = '2026-11-14';
  const [moving, closing] = bundle.onderwijsinstellingserkenningen.filter((e) => e.bevoegdGezagNummer === boards[0] && open(e.bRIN4));
  moving!.bevoegdGezagNummer = boards[1]!;
  moving!.begindatum = '2026-11-15';
  bundle.onderwijsaanbieders.find((a) => a.bRIN4 === closing!.bRIN4)!.uitBedrijfdatum = '2026-11-14';
  return { bundle, moved: moving!.bRIN4, closed: closing!.bRIN4, mergedBoard, intoBoard, mergedSchools };
}

describe('RIO API sync', () => {
  let server: RioApiServer;
  let file: Store;
  let synced: Store;
  const stores: Store[] = [];
  const day1Moment = () => new Date(String(day1['peilmoment']));

  beforeAll(async () => {
    server = await startRioApiServer({ bundle: day1, apiKey: API_KEY });
    file = await freshStore();
    synced = await freshStore();
    stores.push(file, synced);
  });
  afterAll(async () => {
    await server?.close();
    await Promise.all(stores.map((s) => s.database.close()));
  });

  it('a first full sync gives the same store and change feed as a file import of the same data', async () => {
    const imported = await importRio(file.repo, { name: 'day1.json', bytes: jsonBytes(day1) }, { mode: 'full' });
    const result = await runRioSync(synced.repo, synced.syncs, syncConfig(server), { trigger: 'COMMAND', now: day1Moment });

    expect(result.run.outcome).toBe('SUCCEEDED');
    expect(result.run.error).toBeNull();
    expect(result.run.referenceDate).toBe('2026-11-01');
    expect(result.report!.rejections).toEqual([]);
    expect(result.run.counts).toMatchObject({ created: imported.created, changes: imported.changes, rejected: 0 });
    expect(result.run.pagesFetched).toBe(result.run.pagesTotal);
    expect(await storeOf(synced.repo)).toEqual(await storeOf(file.repo));
    const feed = await feedRows(synced.repo);
    expect(feed).toHaveLength(imported.changes);
    expect(feed).toEqual(await feedRows(file.repo));
    // The pages were only needed until the import: none are left behind.
    expect(await synced.syncs.pages.countDocuments()).toBe(0);
  });

  it('a sync stopped halfway and started again continues where it stopped and ends equal to a clean sync', async () => {
    const store = await freshStore();
    stores.push(store);
    const stop = new AbortController();
    let pages = 0;
    const first = await runRioSync(store.repo, store.syncs, syncConfig(server), {
      trigger: 'COMMAND',
      now: day1Moment,
      signal: stop.signal,
      onPage: () => {
        if (++pages === 6) stop.abort();
      },
    });
    expect(first.run.outcome).toBe('INTERRUPTED');
    expect(first.run.error).toMatch(/stopped before it finished/);
    expect(await store.repo.boards.countDocuments()).toBe(0);
    const stored = await store.syncs.pages.countDocuments();
    expect(stored).toBeGreaterThanOrEqual(6);

    // The second attempt: the connection breaks mid-answer again and again, so it fails.
    server.faults.breakAfterPages = server.stats.pagesServed + 3;
    server.faults.breakCount = 1000;
    const second = await runRioSync(store.repo, store.syncs, syncConfig(server, { maxAttempts: 2 }), { trigger: 'COMMAND', now: day1Moment });
    server.faults.breakAfterPages = null;
    expect(second.run.outcome).toBe('FAILED');
    expect(second.run.error).toMatch(/gave up after 2 attempts \(last: (connection failed|the answer is not valid JSON)/);
    expect(second.resumedPages).toBe(stored);
    expect(second.run.syncId).toBe(first.run.syncId);

    const before = server.stats.pagesServed;
    const third = await runRioSync(store.repo, store.syncs, syncConfig(server), { trigger: 'COMMAND', now: day1Moment });
    expect(third.run.outcome).toBe('SUCCEEDED');
    expect(third.run.attempts).toBe(3);
    expect(third.run.syncId).toBe(first.run.syncId);
    expect(third.resumedPages).toBeGreaterThan(stored);
    // Only the missing pages were fetched again.
    expect(server.stats.pagesServed - before).toBe(third.run.pagesTotal! - third.resumedPages);
    expect(await storeOf(store.repo)).toEqual(await storeOf(synced.repo));
    expect(await feedRows(store.repo)).toEqual(await feedRows(synced.repo));
  });

  it('a sync continued after RIO changed in between finds the pages do not fit together, imports nothing, and the next one fetches afresh', async () => {
    const store = await freshStore();
    stores.push(store);
    const stop = new AbortController();
    let pages = 0;
    const first = await runRioSync(store.repo, store.syncs, syncConfig(server), {
      trigger: 'COMMAND',
      now: day1Moment,
      signal: stop.signal,
      onPage: () => {
        if (++pages === 8) stop.abort();
      },
    });
    expect(first.run.outcome).toBe('INTERRUPTED');
    // Meanwhile RIO registers a new school (at the front of the list, so every later page shifts).
    const changed = structuredClone(day1);
    changed.onderwijsinstellingserkenningen.unshift({ bRIN4: '99ZZ', bevoegdGezagNummer: changed.onderwijsbesturen[0]!.bevoegdGezagNummer, begindatum: '2020-08-01' });
    changed.onderwijsaanbieders.unshift({ ...structuredClone(changed.onderwijsaanbieders[0]!), bRIN4: '99ZZ', uitBedrijfdatum: null });
    server.setBundle(changed);
    try {
      const second = await runRioSync(store.repo, store.syncs, syncConfig(server), { trigger: 'COMMAND', now: day1Moment });
      expect(second.run.outcome).toBe('FAILED');
      expect(second.run.error).toMatch(/^RIO changed while the pages were fetched \((onderwijsinstellingserkenningen|onderwijsaanbieders): 300 then 301 items announced/);
      expect(await store.repo.schools.countDocuments()).toBe(0);
      expect(await store.syncs.pages.countDocuments()).toBe(0);

      const third = await runRioSync(store.repo, store.syncs, syncConfig(server), { trigger: 'COMMAND', now: day1Moment });
      expect(third.run.outcome).toBe('SUCCEEDED');
      expect(third.resumedPages).toBe(0);
      expect(await store.repo.schools.countDocuments()).toBe(301);
    } finally {
      server.setBundle(day1);
    }
  });

  it('a second sync with a moved school, a closed school and a merger appends exactly those changes, as a file import does', async () => {
    const change = day2();
    server.setBundle(change.bundle);
    const imported = await importRio(file.repo, { name: 'day2.json', bytes: jsonBytes(change.bundle) }, { mode: 'full' });
    const result = await runRioSync(synced.repo, synced.syncs, syncConfig(server), {
      trigger: 'SCHEDULE',
      now: () => new Date('2026-11-15T06:00:00.000Z'),
    });
    expect(result.run.outcome).toBe('SUCCEEDED');
    expect(result.run.referenceDate).toBe('2026-11-15');

    const added = await feedRows(synced.repo, result.run.importId!);
    const expected = [
      ...[change.moved, ...change.mergedSchools].map((brin) => ({ kind: 'SCHOOL_MOVED', brin })),
      { kind: 'SCHOOL_CLOSED', brin: change.closed },
      { kind: 'BOARD_CLOSED', brin: null },
    ];
    const key = (e: { kind: string; brin: string | null }) => `${e.kind} ${e.brin}`;
    expect(added.map(key).sort()).toEqual(expected.map(key).sort());
    expect(added.find((e) => e.kind === 'BOARD_CLOSED')).toMatchObject({ bevoegdGezagNummer: change.mergedBoard, effectiveDate: '2026-11-14' });
    expect(added.find((e) => e.brin === change.closed)).toMatchObject({ effectiveDate: '2026-11-14' });
    for (const brin of change.mergedSchools) {
      expect(added.find((e) => e.brin === brin)).toMatchObject({ fromBoard: change.mergedBoard, toBoard: change.intoBoard, effectiveDate: '2026-11-15' });
    }
    expect(await feedRows(synced.repo, result.run.importId!)).toEqual(await feedRows(file.repo, imported.importId));
    expect(await storeOf(synced.repo)).toEqual(await storeOf(file.repo));

    // Nothing changed since: the next sync adds nothing to the feed.
    const again = await runRioSync(synced.repo, synced.syncs, syncConfig(server), { trigger: 'SCHEDULE', now: () => new Date('2026-11-15T06:00:00.000Z') });
    expect(again.run.outcome).toBe('SUCCEEDED');
    expect(again.run.counts).toMatchObject({ changes: 0, created: 0, updated: 0, ended: 0, moved: 0 });
    server.setBundle(day1);
  });
});
