/**
 * Database round trips of the headline request, counted with the driver's command
 * monitoring. Every batch is equality finds in parallel, one per key (what FerretDB over
 * PostgreSQL answers by index; docs/data-access.md): so the count is a constant plus one find
 * per school for each of the two school-keyed fetches (aanleverpunten, mandates), and nothing
 * else grows with the board: no N+1 per mandate, no getMore for a large answer, no aggregate.
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

  async function roundTrips(nummer: string): Promise<{ count: number; finds: number; schools: number; mandates: number }> {
    const headers = await bearer({ role: 'BOARD', board: nummer, rights: ['OSR_TOEGANG'] });
    const before = databaseCommands.count;
    const findsBefore = databaseCommands.byName.get('find') ?? 0;
    const res = await graphql<{ board: { schools: { mandates: unknown[] }[] } }>(system.gatewayUrl, HEADLINE, { nummer }, headers);
    const count = databaseCommands.count - before;
    const finds = (databaseCommands.byName.get('find') ?? 0) - findsBefore;
    expect(res.errors).toBeUndefined();
    const schools = res.data!.board.schools;
    return { count, finds, schools: schools.length, mandates: schools.reduce((n, s) => n + s.mandates.length, 0) };
  }

  it('when a board has 85 schools, then the headline costs one equality find per school per school-keyed fetch more than for a board of 5, and nothing else more', async () => {
    expect(data.largestBoard.schools).toBe(85);
    expect(data.typicalBoard.schools).toBe(5);
    const small = await roundTrips(data.typicalBoard.nummer);
    const large = await roundTrips(data.largestBoard.nummer);
    expect(small.schools).toBe(5);
    expect(large.schools).toBe(85);
    // more than 101 mandates: the driver's default first batch would need a getMore
    expect(large.mandates).toBeGreaterThan(101);
    // every round trip is a find (no getMore, no aggregate, no count)
    expect(large.finds).toBe(large.count);
    expect(small.finds).toBe(small.count);
    // aanleverpunten and mandates: one find per school each; the rest does not grow
    expect(large.count - 2 * 85).toBe(small.count - 2 * 5);
    // and it stays so: the same again
    expect((await roundTrips(data.largestBoard.nummer)).count).toBe(large.count);
  });
});
