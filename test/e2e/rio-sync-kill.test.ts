/**
 * `npm run rio:sync` killed with SIGKILL halfway (no chance to clean up: its run stays
 * RUNNING, its lock stays), then started again: the next sync takes the dead process's lock
 * over, continues from the pages stored, and ends equal to a clean sync.
 */
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import type { Database } from '@osr/common';
import type { OrganisationsRepository } from '@osr/subgraph-organisations/repository';
import { generateNationalSet } from '@osr/subgraph-organisations/rio/generate';
import { RioSyncService, runRioSync, type RioSyncConfig } from '@osr/subgraph-organisations/rio/sync';
import { RioSyncRepository } from '@osr/subgraph-organisations/rio/sync-repository';
import { repoRoot } from '../../scripts/ferretdb.js';
import { feedRows, freshRepository } from '../../subgraphs/organisations/test/support.js';
import { startRioApiServer, type RioApiServer } from '../../scripts/local-rio-api.js';
import { databaseUri, logger } from '../support/system.js';
import { commandLine } from '../support/commands.js';

const API_KEY = 'kill-key-0123456789';
const set = generateNationalSet({ boards: 40, schools: 300, largestBoard: 30, seed: 3 });

async function storeOf(repo: OrganisationsRepository) {
  const strip = <T extends { rioSyncedAt?: Date }>({ rioSyncedAt: _ignored, ...rest }: T) => rest;
  return {
    boards: (await repo.boards.find({}, { projection: { _id: 0 } }).sort({ bevoegdGezagNummer: 1 }).toArray()).map(strip),
    schools: (await repo.schools.find({}, { projection: { _id: 0 } }).sort({ brin: 1 }).toArray()).map(strip),
    swvs: (await repo.swvs.find({}, { projection: { _id: 0 } }).sort({ code: 1 }).toArray()).map(strip),
  };
}

describe('rio:sync killed halfway', () => {
  let server: RioApiServer | null = null;
  const databases: Database[] = [];
  afterAll(async () => {
    await server?.close();
    await Promise.all(databases.map((d) => d.close()));
  });

  it('is continued by the next sync, which ends equal to a clean one with no feed entry twice', async () => {
    server = await startRioApiServer({ bundle: set.bundle, apiKey: API_KEY });
    const config: RioSyncConfig = { apiUrl: server.url, apiKey: API_KEY, pageSize: 20, concurrency: 2, requestsPerSecond: 1000, backoffBaseMs: 10 };

    const clean = await freshRepository();
    databases.push(clean.database);
    const cleanSyncs = new RioSyncRepository(clean.database.db);
    await cleanSyncs.ensureIndexes();
    expect((await runRioSync(clean.repo, cleanSyncs, config, { trigger: 'COMMAND' })).run.outcome).toBe('SUCCEEDED');

    const killed = await freshRepository();
    databases.push(killed.database);
    const syncs = new RioSyncRepository(killed.database.db);
    await syncs.ensureIndexes();
    server.faults.delayMs = 100;
    const child = spawn(process.execPath, ['--import', 'tsx', ...commandLine('rio-sync')], {
      cwd: repoRoot,
      env: {
        ...process.env,
        MONGODB_URI: databaseUri(),
        DB_PREFIX: killed.prefix,
        RIO_API_URL: server.url,
        RIO_API_KEY: API_KEY,
        RIO_SYNC_PAGE_SIZE: '20',
        RIO_SYNC_CONCURRENCY: '2',
        RIO_SYNC_REQUESTS_PER_SECOND: '1000',
        LOG_LEVEL: 'silent',
      },
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    for (let i = 0; i < 800 && (await syncs.pages.countDocuments()) < 10; i++) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    server.faults.delayMs = 0;

    const [crashed] = await syncs.latestRuns(1);
    expect(crashed).toMatchObject({ outcome: 'RUNNING', attempts: 1 });
    const stored = await syncs.pages.countDocuments();
    expect(stored).toBeGreaterThanOrEqual(10);
    expect(stored).toBeLessThan(crashed!.pagesTotal!);
    expect(await killed.repo.boards.countDocuments()).toBe(0);
    // Support sees that it is not running any more and that it was cut off.
    const status = await new RioSyncService(killed.repo, syncs, config, 0, logger).status();
    expect(status).toMatchObject({ running: false, lastRun: { syncId: crashed!.syncId, outcome: 'INTERRUPTED' } });

    // The dead process's lock is taken over at once (same machine, process gone).
    const result = await runRioSync(killed.repo, syncs, config, { trigger: 'COMMAND' });
    expect(result.run).toMatchObject({ outcome: 'SUCCEEDED', attempts: 2, syncId: crashed!.syncId });
    expect(result.resumedPages).toBe(stored);
    expect(await storeOf(killed.repo)).toEqual(await storeOf(clean.repo));
    const feed = await feedRows(killed.repo);
    expect(feed).toEqual(await feedRows(clean.repo));
    expect(await killed.repo.changes.countDocuments()).toBe(result.run.counts!.changes);
  }, 90_000);
});
