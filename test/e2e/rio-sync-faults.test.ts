/**
 * The RIO API sync when the API misbehaves (429, 500, malformed records, slowness, a bad key),
 * one sync at a time, and its status in the graph for support.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type Database, type Identity } from '@osr/common';
import { createOrganisationsServer } from '@osr/subgraph-organisations';
import type { OrganisationsRepository } from '@osr/subgraph-organisations/repository';
import { RioApiError } from '@osr/subgraph-organisations/rio/api-client';
import { syncBoard } from '@osr/subgraph-organisations/rio/board-sync';
import { generateNationalSet } from '@osr/subgraph-organisations/rio/generate';
import { RioSyncBusyError, runRioSync, type RioSyncConfig } from '@osr/subgraph-organisations/rio/sync';
import { RioSyncRepository } from '@osr/subgraph-organisations/rio/sync-repository';
import { feedRows, freshRepository } from '../../subgraphs/organisations/test/support.js';
import { startRioApiServer, type RioApiServer } from '../../scripts/local-rio-api.js';
import { graphql, identityHeaders, identitySecret, logger } from '../support/system.js';

const API_KEY = 'faults-key-0123456789';
const set = generateNationalSet({ boards: 20, schools: 120, largestBoard: 30, seed: 5 });
const moment = () => new Date(String(set.bundle['peilmoment']));

function syncConfig(server: RioApiServer, extra: Partial<RioSyncConfig> = {}): RioSyncConfig {
  return { apiUrl: server.url, apiKey: API_KEY, pageSize: 50, concurrency: 2, requestsPerSecond: 1000, backoffBaseMs: 10, maxAttempts: 4, ...extra };
}

const who = (role: Identity['role'], board: string | null = null): Identity => ({
  sub: `test-${role.toLowerCase()}`,
  name: role,
  role,
  board,
  rights: board ? ['OSR_TOEGANG'] : [],
  supplier: null,
});

describe('RIO API sync under faults', () => {
  let server: RioApiServer;
  const databases: Database[] = [];

  async function freshStore(): Promise<{ repo: OrganisationsRepository; syncs: RioSyncRepository; database: Database }> {
    const { database, repo } = await freshRepository();
    databases.push(database);
    const syncs = new RioSyncRepository(database.db);
    await syncs.ensureIndexes();
    return { repo, syncs, database };
  }

  beforeAll(async () => {
    server = await startRioApiServer({ bundle: set.bundle, apiKey: API_KEY });
  });
  afterAll(async () => {
    await server?.close();
    await Promise.all(databases.map((d) => d.close()));
  });

  it('retries 429 (waiting as long as Retry-After says) and 500, then lands everything', async () => {
    const { repo, syncs } = await freshStore();
    Object.assign(server.faults, { tooManyRequests: 2, retryAfterSeconds: 1, serverErrors: 2 });
    const before = { ...server.stats.byStatus };
    const started = Date.now();
    const result = await runRioSync(repo, syncs, syncConfig(server), { trigger: 'COMMAND', now: moment });
    expect(result.run.outcome).toBe('SUCCEEDED');
    expect((server.stats.byStatus[429] ?? 0) - (before[429] ?? 0)).toBe(2);
    expect((server.stats.byStatus[500] ?? 0) - (before[500] ?? 0)).toBe(2);
    expect(result.run.retries).toBe(4);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(await repo.schools.countDocuments()).toBe(120);
  });

  it('reports malformed records by their API item, field and reason, and lands all the others', async () => {
    const { repo, syncs } = await freshStore();
    server.faults.malformed = true;
    const result = await runRioSync(repo, syncs, syncConfig(server), { trigger: 'COMMAND', now: moment });
    server.faults.malformed = false;
    expect(result.run.outcome).toBe('SUCCEEDED_WITH_REJECTIONS');
    const aanbieders = set.bundle['onderwijsaanbieders'] as { bRIN4: string }[];
    const erkenningen = set.bundle['onderwijsinstellingserkenningen'] as { bRIN4: string }[];
    const badSector = aanbieders[2]!.bRIN4;
    const badLink = erkenningen[6]!.bRIN4;
    const rejections = result.run.rejections;
    expect(rejections).toContainEqual(
      expect.objectContaining({ record: `onderwijsaanbieders/OA-${badSector}`, field: 'onderwijssector', value: '"XX"' }),
    );
    expect(rejections).toContainEqual({
      record: `onderwijsinstellingserkenningen/${badLink}`,
      field: '_links.bevoegdGezagErkenning',
      value: JSON.stringify(`${server.url}bevoegd-gezag-erkenningen/99999`),
      reason: 'links to a bevoegd-gezag-erkenning the API did not list',
    });
    expect(rejections).toContainEqual({ record: 'onderwijslocaties[4]', field: '(record)', value: '"kapot"', reason: 'a record must be a JSON object' });
    expect(result.run.rejected).toBe(new Set(rejections.map((r) => r.record)).size);
    // The two schools with a bad record are not in the store; every other one is.
    expect(await repo.schools.countDocuments()).toBe(118);
    expect(await repo.schools.countDocuments({ brin: { $in: [badSector, badLink] } })).toBe(0);
    expect(await repo.boards.countDocuments()).toBe(20);
  });

  it('gives up after the time limit with a report, releases the lock, and the next sync continues from the pages stored', async () => {
    const { repo, syncs } = await freshStore();
    server.faults.delayMs = 250;
    const result = await runRioSync(repo, syncs, syncConfig(server, { maxDurationMs: 700 }), { trigger: 'SCHEDULE', now: moment });
    server.faults.delayMs = 0;
    expect(result.run.outcome).toBe('GAVE_UP');
    expect(result.run.error).toMatch(/^gave up: fetching took longer than the limit of 1 s; \d+ of (\d+|\?) pages are stored, the next sync continues from there$/);
    expect(result.run.finishedAt).not.toBeNull();
    expect(await repo.schools.countDocuments()).toBe(0);
    expect(await syncs.runningSync(new Date(), 120_000)).toBeNull();

    const next = await runRioSync(repo, syncs, syncConfig(server), { trigger: 'SCHEDULE', now: moment });
    expect(next.run.outcome).toBe('SUCCEEDED');
    expect(next.run.attempts).toBe(2);
    expect(next.resumedPages).toBe(result.run.pagesFetched);
    expect(await repo.schools.countDocuments()).toBe(120);
  });

  it('runs one sync at a time: a live lock refuses a second sync, a stale one is taken over', async () => {
    const { repo, syncs } = await freshStore();
    expect(await syncs.acquireLock('sync-elsewhere', new Date(), 120_000)).toBeNull();
    await expect(runRioSync(repo, syncs, syncConfig(server), { trigger: 'COMMAND', now: moment })).rejects.toThrow(RioSyncBusyError);
    expect(await syncs.runs.countDocuments()).toBe(0);

    await syncs.releaseLock('sync-elsewhere');
    expect(await syncs.acquireLock('sync-crashed', new Date(Date.now() - 10 * 60_000), 120_000)).toBeNull();
    const result = await runRioSync(repo, syncs, syncConfig(server), { trigger: 'COMMAND', now: moment });
    expect(result.run.outcome).toBe('SUCCEEDED');
    expect(await syncs.runningSync(new Date(), 120_000)).toBeNull();
  });

  it('a refused API key fails the sync with a message that does not contain the key', async () => {
    const { repo, syncs } = await freshStore();
    const result = await runRioSync(repo, syncs, syncConfig(server, { apiKey: 'wrong-secret-key' }), { trigger: 'COMMAND', now: moment });
    expect(result.run.outcome).toBe('FAILED');
    expect(result.run.error).toMatch(/401 Unauthorized: the RIO API refused the API key \(RIO_API_KEY\)/);
    expect(JSON.stringify(result.run)).not.toContain('wrong-secret-key');
  });

  it('shows support and analysts the sync status in the graph, lets support start a sync, and refuses everyone else', async () => {
    const { database } = await freshStore();
    const organisations = await createOrganisationsServer(
      { database, logger, identitySecret, peers: {} },
      { rioSync: syncConfig(server), rioSyncIntervalMinutes: 0 },
    );
    const url = await listen(organisations.httpServer, 0);
    try {
      const status = `{ rioSyncStatus { configured scheduleMinutes running
        lastRun { trigger outcome attempts pagesFetched pagesTotal counts { created rejected changes } rejected rejections { record } error }
        lastSuccess { syncId } recentRuns { syncId } } }`;
      const ask = (query: string, identity: Identity) => graphql<Record<string, unknown>>(url, query, {}, identityHeaders(identity));

      const empty = await ask(status, who('ANALYST'));
      expect(empty.errors).toBeUndefined();
      expect(empty.data!['rioSyncStatus']).toEqual({ configured: true, scheduleMinutes: null, running: false, lastRun: null, lastSuccess: null, recentRuns: [] });

      for (const identity of [who('BOARD', '10000'), who('SUPPLIER'), who('PUBLIC')]) {
        const denied = await ask(status, identity);
        expect(denied.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
      }
      const byAnalyst = await ask('mutation { startRioSync { syncId } }', who('ANALYST'));
      expect(byAnalyst.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');

      const started = await ask('mutation { startRioSync { syncId trigger outcome } }', who('SUPPORT'));
      expect(started.errors).toBeUndefined();
      expect(started.data!['startRioSync']).toMatchObject({ trigger: 'SUPPORT', outcome: 'RUNNING' });
      const again = await ask('mutation { startRioSync { syncId } }', who('SUPPORT'));
      expect(again.errors?.[0]?.extensions?.['code']).toBe('CONFLICT');

      let answer: Record<string, unknown> = {};
      for (let i = 0; i < 100; i++) {
        const res = await ask(status, who('SUPPORT'));
        answer = res.data!['rioSyncStatus'] as Record<string, unknown>;
        if (!answer['running'] && (answer['lastRun'] as { outcome: string } | null)?.outcome !== 'RUNNING') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const syncId = (started.data!['startRioSync'] as { syncId: string }).syncId;
      expect(answer).toEqual({
        configured: true,
        scheduleMinutes: null,
        running: false,
        lastRun: {
          trigger: 'SUPPORT',
          outcome: 'SUCCEEDED',
          attempts: 1,
          pagesFetched: expect.any(Number) as number,
          pagesTotal: expect.any(Number) as number,
          counts: { created: 20 + 120 + 150, rejected: 0, changes: expect.any(Number) as number },
          rejected: 0,
          rejections: [],
          error: null,
        },
        lastSuccess: { syncId },
        recentRuns: [{ syncId }],
      });
    } finally {
      await organisations.stop();
    }
  });

  it('refreshes one board by its relation links as a delta: a school moved to it and its new name, nothing of other boards', async () => {
    const { repo, syncs } = await freshStore();
    expect((await runRioSync(repo, syncs, syncConfig(server), { trigger: 'COMMAND', now: moment })).run.outcome).toBe('SUCCEEDED');
    type Changed = {
      onderwijsbesturen: { bevoegdGezagNummer: string; naam: string }[];
      onderwijsinstellingserkenningen: { bRIN4: string; bevoegdGezagNummer: string; begindatum: string }[];
    };
    const changed = structuredClone(set.bundle) as unknown as Changed & Record<string, unknown>;
    const [a, b, c] = changed.onderwijsbesturen;
    const moving = changed.onderwijsinstellingserkenningen.find((e) => e.bevoegdGezagNummer === a!.bevoegdGezagNummer)!;
    moving.bevoegdGezagNummer = b!.bevoegdGezagNummer;
    moving.begindatum = '2026-11-10';
    b!.naam = 'Stichting Nieuwe Naam';
    c!.naam = 'Stichting Niet Gelezen';
    server.setBundle(changed);
    const before = server.stats.paths.length;
    try {
      const report = await syncBoard(repo, syncConfig(server), b!.bevoegdGezagNummer, { now: () => new Date('2026-11-10T06:00:00.000Z') });
      expect(report).toMatchObject({ mode: 'delta', rejected: 0, moved: 1 });
      const added = await feedRows(repo, report.importId);
      expect(added.map((e) => [e.kind, e.brin ?? e.bevoegdGezagNummer]).sort()).toEqual([
        ['BOARD_RENAMED', b!.bevoegdGezagNummer],
        ['SCHOOL_MOVED', moving.bRIN4],
      ]);
      expect(added.find((e) => e.kind === 'SCHOOL_MOVED')).toMatchObject({ fromBoard: a!.bevoegdGezagNummer, toBoard: b!.bevoegdGezagNummer, effectiveDate: '2026-11-10' });
      expect(server.stats.paths.slice(before)).toContainEqual(
        expect.stringMatching(new RegExp(`^/rio/v2/onderwijsinstellingserkenningen\\?bevoegdGezagErkenning=${b!.bevoegdGezagNummer}&`)),
      );
      expect((await repo.boards.findOne({ bevoegdGezagNummer: c!.bevoegdGezagNummer }))?.name).not.toBe('Stichting Niet Gelezen');
      await expect(syncBoard(repo, syncConfig(server), '99999')).rejects.toThrow(RioApiError);
    } finally {
      server.setBundle(set.bundle);
    }
  });

  it('syncs on the schedule: soon after start when the last sync is an interval old or never ran, then not again within the interval', async () => {
    const { database, syncs } = await freshStore();
    const organisations = await createOrganisationsServer(
      { database, logger, identitySecret, peers: {} },
      { rioSync: syncConfig(server), rioSyncIntervalMinutes: 60, rioSyncScheduleTiming: { firstCheckMs: 10, checkEveryMs: 100 } },
    );
    try {
      let runs = await syncs.latestRuns(10);
      for (let i = 0; i < 100 && !(runs.length === 1 && runs[0]!.outcome === 'SUCCEEDED'); i++) {
        await new Promise((r) => setTimeout(r, 100));
        runs = await syncs.latestRuns(10);
      }
      expect(runs.map((r) => [r.trigger, r.outcome])).toEqual([['SCHEDULE', 'SUCCEEDED']]);
      await new Promise((r) => setTimeout(r, 500));
      expect(await syncs.runs.countDocuments()).toBe(1);
      const status = await organisations.rioSync.status();
      expect(status).toMatchObject({ configured: true, scheduleMinutes: 60, running: false });
    } finally {
      await organisations.stop();
    }
  });
});
