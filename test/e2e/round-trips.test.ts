/**
 * Database round trips of the headline request, counted with the driver's command
 * monitoring: a constant, the same for a board with 5 schools and one with 85 (one batched
 * `$in` per entity fetch, no N+1, no extra getMore for a large board).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countDatabaseCommands, databaseCommands } from '@osr/common';
import { loadBenchData, type LoadedData } from '../../scripts/bench/data.js';
import { bearer, databaseUri, freshPrefix, graphql, startSystem, type RunningSystem } from '../support/system.js';

const HEADLINE = readFileSync(new URL('../queries/board-overview.graphql', import.meta.url), 'utf8');

describe('database round trips of the headline request', () => {
  let system: RunningSystem;
  let data: LoadedData;

  beforeAll(async () => {
    countDatabaseCommands();
    const prefix = freshPrefix();
    // A modest generated set that still has one board of 85 schools and boards of 5.
    data = await loadBenchData({ uri: databaseUri(), prefix, boards: 120, schools: 1200, migrate: 0 });
    system = await startSystem(prefix);
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
  });

  async function roundTrips(nummer: string): Promise<{ count: number; schools: number; mandates: number }> {
    const headers = await bearer({ role: 'BOARD', board: nummer, rights: ['OSR_TOEGANG'] });
    const before = databaseCommands.count;
    const res = await graphql<{ board: { schools: { mandates: unknown[] }[] } }>(system.gatewayUrl, HEADLINE, { nummer }, headers);
    const count = databaseCommands.count - before;
    expect(res.errors).toBeUndefined();
    const schools = res.data!.board.schools;
    return { count, schools: schools.length, mandates: schools.reduce((n, s) => n + s.mandates.length, 0) };
  }

  it('when a board has 85 schools, then the headline costs as many round trips as for a board of 5', async () => {
    expect(data.largestBoard.schools).toBe(85);
    expect(data.typicalBoard.schools).toBe(5);
    const small = await roundTrips(data.typicalBoard.nummer);
    const large = await roundTrips(data.largestBoard.nummer);
    expect(small.schools).toBe(5);
    expect(large.schools).toBe(85);
    // more than 101 mandates: the driver's default first batch would need a getMore
    expect(large.mandates).toBeGreaterThan(101);
    expect(large.count).toBe(small.count);
    // one query per entity fetch: board, schools, aanleverpunten, mandates, services,
    // systems, suppliers, agreements, support contacts
    expect(large.count).toBe(9);
    // and it stays so: the same again
    expect((await roundTrips(data.largestBoard.nummer)).count).toBe(large.count);
  });
});
