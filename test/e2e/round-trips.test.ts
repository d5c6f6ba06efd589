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
import { bearer, databaseUri, freshPrefix, graphql, startSystem, withEnv, type RunningSystem } from '../support/system.js';

const HEADLINE = readFileSync(new URL('../queries/board-overview.graphql', import.meta.url), 'utf8');

describe('database round trips of the headline request', () => {
  let system: RunningSystem;
  let data: LoadedData;

  beforeAll(async () => {
    countDatabaseCommands();
    const prefix = freshPrefix();
    // A modest generated set that still has one board of 85 schools and boards of 5.
    data = await loadBenchData({ uri: databaseUri(), prefix, boards: 120, schools: 1200, migrate: 0 });
    // the memory read model's counts (the database one's: read-models.test.ts)
    system = await withEnv({ MANDATES_READ_MODEL: 'memory' }, () => startSystem(prefix));
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
    // asked the first time, aanleverpunten and mandates cost one find per school each; the rest does not grow
    expect(large.count - 2 * 85).toBe(small.count - 2 * 5);
  });

  it('when the schools were asked before, then the headline costs the same round trips for 85 schools as for 5: only the change journal is read (school-cache.ts)', async () => {
    const small = await roundTrips(data.typicalBoard.nummer);
    const large = await roundTrips(data.largestBoard.nummer);
    expect(large.schools).toBe(85);
    expect(large.count).toBe(small.count);
    expect(large.finds).toBe(large.count);
    // and the same again
    expect((await roundTrips(data.largestBoard.nummer)).count).toBe(large.count);
  });

  it('when a mandate of one school changed meanwhile, then the next headline shows it, reading that school again and no other', async () => {
    const warm = await roundTrips(data.largestBoard.nummer);
    const headers = await bearer({ role: 'SUPPORT' });
    const read = await graphql<{ board: { schools: { brin: string; mandates: { id: string; version: number; endDate: string | null }[] }[] } }>(
      system.gatewayUrl,
      'query($n: ID!) { board(bevoegdGezagNummer: $n) { schools { brin mandates(services: [OSO_OV]) { id version endDate } } } }',
      { n: data.largestBoard.nummer },
      headers,
    );
    const school = read.data!.board.schools.find((s) => s.mandates.some((m) => m.endDate === null))!;
    const mandate = school.mandates.find((m) => m.endDate === null)!;
    const ended = await graphql(system.gatewayUrl, 'mutation($i: EndMandateInput!) { endMandate(input: $i, reason: "round-trip test") { mandates { id } } }', { i: { id: mandate.id, endDate: '2030-07-31', expectedVersion: mandate.version } }, headers);
    expect(ended.errors).toBeUndefined();
    const after = await roundTrips(data.largestBoard.nummer);
    // the journal's changes since (its end, the link), the one school's mandates, and the quiet
    // check after reading them (to keep them): a few finds, not one per school
    expect(after.count).toBeLessThanOrEqual(warm.count + 15);
    expect(after.count).toBeGreaterThan(warm.count);
    const again = await graphql<{ board: { schools: { brin: string; mandates: { id: string; endDate: string | null }[] }[] } }>(
      system.gatewayUrl,
      'query($n: ID!) { board(bevoegdGezagNummer: $n) { schools { brin mandates(services: [OSO_OV]) { id endDate } } } }',
      { n: data.largestBoard.nummer },
      headers,
    );
    expect(again.data!.board.schools.find((s) => s.brin === school.brin)!.mandates.find((m) => m.id === mandate.id)!.endDate).toBe('2030-07-31');
  });
});
