/**
 * Issue 20, item 5, across processes: the mandate check's rows stored by `npm run
 * mandates:repair` are what a mandates subgraph that starts answers from (no read of every
 * mandate's facts), brought forward by the writes made since, so a restart never shows a stale
 * figure; with none stored, the start computes and stores them before its first request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, databaseName } from '@osr/common';
import { buildDemoData } from '../../scripts/demo-data.js';
import { seedDemo } from '../../scripts/seed-lib.js';
import { directAccess } from '../../subgraphs/mandates/src/repositories/direct.js';
import { runCommand } from '../support/commands.js';
import { bearer, databaseUri, freshPrefix, graphql, startSystem, withEnv, type RunningSystem } from '../support/system.js';

const PROGRESS = `{ mandateCheckProgress(groupBy: SECTOR) { boardsDue boardsFinished mandatesDue mandatesConfirmed
  groups { sector mandatesDue mandatesConfirmed } boards(first: 20) { edges { node { board { bevoegdGezagNummer } mandatesDue mandatesOpen } } } } }`;

interface CacheState {
  mandateCheck: { stats: { misses: number; restored: number; hits: number } };
}

describe('the mandate check rows stored across restarts (issue 20)', () => {
  const prefix = freshPrefix();
  let system: RunningSystem | null = null;
  let analyst: Record<string, string>;
  let staff: Record<string, string>;

  beforeAll(async () => {
    await seedDemo(databaseUri(), prefix, buildDemoData());
    analyst = await bearer({ role: 'ANALYST' });
    staff = await bearer({ role: 'BOARD', board: '41234', rights: ['OSR_TOEGANG'], name: 'Staff of 41234' });
  }, 60_000);
  afterAll(() => system?.stop());

  const progress = async () => {
    const res = await graphql<{ mandateCheckProgress: { mandatesConfirmed: number; mandatesDue: number } }>(system!.gatewayUrl, PROGRESS, {}, analyst);
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data!.mandateCheckProgress;
  };
  const cacheState = async () => (await (await fetch(new URL('/analytics/cache', system!.subgraphs.mandates.url))).json()) as CacheState;
  const restart = async () => {
    await system?.stop();
    // the stored rows belong to the memory read model
    system = await withEnv({ MANDATES_READ_MODEL: 'memory' }, () => startSystem(prefix, { rateLimit: { perMinute: 0, burst: 0 } }));
  };

  it('npm run mandates:repair stores the rows, exact for the journal\'s end', async () => {
    const repaired = await runCommand('mandates-repair', ['--json'], prefix);
    expect(repaired.stderr).not.toMatch(/Error/);
    expect(repaired.code).toBe(0);
    expect(repaired.json).toMatchObject({ exitCode: 0, report: { checkRows: true } });
    const database = await connectDatabase(databaseUri(), databaseName(prefix, 'mandates'));
    try {
      const repository = directAccess(database.db);
      expect(await repository.checkRows.token()).toBe(await repository.journal.head());
    } finally {
      await database.close();
    }
  }, 120_000);

  it('a system that starts answers the progress from the stored rows, without reading the facts', async () => {
    await restart();
    const before = await progress();
    expect(before.mandatesDue).toBeGreaterThan(0);
    expect((await cacheState()).mandateCheck.stats).toMatchObject({ restored: 1, misses: 0 });
  }, 60_000);

  it('after a confirmation and a restart, the stored rows are brought forward: the figures count it', async () => {
    const before = await progress();
    const open = await graphql<{ board: { mandateCheck: { openMandates: { edges: { node: { id: string } }[] } } } }>(
      system!.gatewayUrl,
      '{ board(bevoegdGezagNummer: "41234") { mandateCheck { openMandates(first: 3) { edges { node { id } } } } } }',
      {},
      staff,
    );
    expect(open.errors).toBeUndefined();
    const ids = open.data!.board.mandateCheck.openMandates.edges.map((e) => e.node.id);
    expect(ids.length).toBeGreaterThan(0);
    const confirmed = await graphql<{ confirmMandates: { newlyConfirmed: number } }>(
      system!.gatewayUrl,
      'mutation ($ids: [ID!]!) { confirmMandates(board: "41234", ids: $ids) { newlyConfirmed } }',
      { ids },
      staff,
    );
    expect(confirmed.errors).toBeUndefined();
    expect(confirmed.data!.confirmMandates.newlyConfirmed).toBe(ids.length);
    const after = await progress();
    expect(after.mandatesConfirmed).toBe(before.mandatesConfirmed + ids.length);

    // the new process takes the copy stored before the confirmation and adds it from the journal
    await restart();
    expect(await progress()).toEqual(after);
    expect((await cacheState()).mandateCheck.stats).toMatchObject({ restored: 1, misses: 0 });
  }, 60_000);

  it('a start with no stored rows computes them before its first request and stores them', async () => {
    const figures = await progress();
    await system!.stop();
    system = null;
    const database = await connectDatabase(databaseUri(), databaseName(prefix, 'mandates'));
    try {
      const repository = directAccess(database.db);
      await repository.db.collection('mandate_check_rows').deleteMany({});
      expect(await repository.checkRows.token()).toBeNull();
      await restart();
      // stored during the start, exact for the journal's end
      expect(await repository.checkRows.token()).toBe(await repository.journal.head());
    } finally {
      await database.close();
    }
    expect((await cacheState()).mandateCheck.stats).toMatchObject({ restored: 0, misses: 1 });
    expect(await progress()).toEqual(figures);
    expect((await cacheState()).mandateCheck.stats).toMatchObject({ misses: 1, hits: 1 });
  }, 60_000);
});
