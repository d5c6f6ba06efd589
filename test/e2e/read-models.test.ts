/**
 * The mandates subgraph's two read models on one register: `memory` (the embedded database's
 * read model) and `database` (every read a query the database answers) give the same answers
 * to the headline, the supplier feed, the aggregates and the yearly check after a sequence of
 * writes; and a grant costs at most 9 round trips to the mandates database with `database`
 * and at most 17 with `memory`, which also writes the facts and the change journal, counted
 * with the driver's command monitoring (docs/data-access.md gives both counts).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countDatabaseCommands, databaseCommands, databaseName, todayInNetherlands } from '@osr/common';
import { buildDemoData, SUPPLIER_B, SYSTEM_B } from '../../scripts/demo-data.js';
import { seedDemo } from '../../scripts/seed-lib.js';
import { bearer, databaseUri, freshPrefix, graphql, startSystem, withEnv, type RunningSystem } from '../support/system.js';

const HEADLINE = readFileSync(new URL('../queries/board-overview.graphql', import.meta.url), 'utf8');
const GRANT = 'mutation ($input: GrantMandateInput!) { grantMandate(input: $input) { mandates { id version } } }';
const END = 'mutation ($input: EndMandateInput!) { endMandate(input: $input) { mandates { id version } } }';

/** Starts a whole system whose mandates subgraph uses this read model (and no webhook worker, whose polling would be counted). */
function systemWith(readModel: 'memory' | 'database', prefix: string): Promise<RunningSystem> {
  return withEnv({ MANDATES_READ_MODEL: readModel, WEBHOOK_WORKER: 'false' }, () => startSystem(prefix));
}

describe('the memory and database read models', () => {
  let prefix: string;
  let memory: RunningSystem;
  let database: RunningSystem;
  let board: Record<string, string>;
  let analyst: Record<string, string>;
  let supplier: Record<string, string>;

  beforeAll(async () => {
    countDatabaseCommands();
    prefix = freshPrefix();
    await seedDemo(databaseUri(), prefix, buildDemoData());
    memory = await systemWith('memory', prefix);
    database = await systemWith('database', prefix);
    board = await bearer({ role: 'BOARD', board: '42001', rights: ['OSR_TOEGANG'] });
    analyst = await bearer({ role: 'ANALYST' });
    supplier = await bearer({ role: 'SUPPLIER', supplier: SUPPLIER_B.oin });
  }, 180_000);

  afterAll(async () => {
    await memory?.stop();
    await database?.stop();
  });

  /** Runs the request and counts the commands it sent to the mandates database. */
  async function counted<T>(system: RunningSystem, query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
    const name = databaseName(prefix, 'mandates');
    const before = databaseCommands.byDatabase.get(name) ?? 0;
    const res = await graphql<T>(system.gatewayUrl, query, variables, headers);
    expect(res.errors).toBeUndefined();
    const roundTrips = (databaseCommands.byDatabase.get(name) ?? 0) - before;
    return { data: res.data!, roundTrips };
  }

  /** What both must answer alike: the headline, the feed page by page, the aggregates, the yearly check. */
  async function answers(system: RunningSystem) {
    const ask = async (query: string, variables: Record<string, unknown>, headers: Record<string, string>) => {
      const res = await graphql(system.gatewayUrl, query, variables, headers);
      expect(res.errors).toBeUndefined();
      return res.data;
    };
    const feed: unknown[] = [];
    let after: string | null = null;
    for (let page = 0; page < 100; page++) {
      const data = (await ask(
        'query ($after: String) { supplierMandates(first: 3, after: $after) { edges { node { id version status } } pageInfo { hasNextPage endCursor } } }',
        { after },
        supplier,
      )) as { supplierMandates: { edges: unknown[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
      feed.push(...data.supplierMandates.edges);
      if (!data.supplierMandates.pageInfo.hasNextPage) break;
      after = data.supplierMandates.pageInfo.endCursor;
    }
    return {
      headline: await ask(HEADLINE, { nummer: '42001' }, board),
      feed,
      counts: await ask('{ mandateCounts(groupBy: [SERVICE, STATUS, SUPPLIER, ORIGIN]) { service status supplier { oin } origin count } }', {}, analyst),
      boardCounts: await ask('{ mandateCounts(groupBy: [SERVICE, SYSTEM]) { service system { id } count } }', {}, board),
      coverage: await ask('{ mandateCoverage(service: OSO_OV, groupBy: BOARD) { schools covered uncovered } }', {}, analyst),
      series: await ask('{ mandateCountSeries(from: "2022-01-01", to: "2027-12-31") { month service active } }', {}, analyst),
      check: await ask('{ mandateCheckProgress(groupBy: SUPPLIER) { schoolYear boardsDue boardsFinished boardsOpen } }', {}, analyst),
      checkSeries: await ask('{ mandateCheckSeries { date mandatesDue mandatesConfirmed } }', {}, analyst),
    };
  }

  it('answer every read alike after a grant and an end, and a grant with memory costs at most 17 round trips', async () => {
    expect(await answers(database)).toEqual(await answers(memory));

    const today = todayInNetherlands();
    const grant = { service: 'OSO_OV', systemId: SYSTEM_B, brin: '16EF', bevoegdGezagNummer: '42001', startDate: today };
    const granted = await counted<{ grantMandate: { mandates: { id: string; version: number }[] } }>(memory, GRANT, { input: grant }, board);
    expect(granted.roundTrips).toBeGreaterThan(0);
    // what `database` pays, and the facts, the journal's intent, its end (the mark, the link,
    // the mark set and checked) and the intent removed
    expect(granted.roundTrips).toBeLessThanOrEqual(17);
    expect(await answers(database)).toEqual(await answers(memory));

    const [mandate] = granted.data.grantMandate.mandates;
    await counted(memory, END, { input: { id: mandate!.id, endDate: '2030-07-31', expectedVersion: mandate!.version } }, board);
    expect(await answers(database)).toEqual(await answers(memory));
  });

  it('a grant costs at most 9 round trips to the mandates database with database', async () => {
    // after the mandate the first test ended at 16EF on this system
    const grant = { service: 'OSO_OV', systemId: SYSTEM_B, brin: '16EF', bevoegdGezagNummer: '42001', startDate: '2031-08-01' };
    const granted = await counted(database, GRANT, { input: grant }, board);
    expect(granted.roundTrips).toBeGreaterThan(0);
    // the slot's last entry and mandates, the history entry, the outbox, the mandate, and the reads of the answer
    expect(granted.roundTrips).toBeLessThanOrEqual(9);
  });
});
