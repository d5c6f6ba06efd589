/**
 * The aggregates keep their database results across requests (with the memory read model,
 * subgraphs/mandates/src/read-model/aggregates.ts, and the school directory,
 * subgraphs/mandates/src/school-directory.ts). These tests state that a cached figure never
 * outlives the data: after a mandate is granted or switched through the API, and after a RIO
 * import moves a school, the very next question through the gateway gets the new figures.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrganisationsRepository } from '@osr/subgraph-organisations/repository';
import { importRio } from '@osr/subgraph-organisations/rio';
import { buildDemoData, SYSTEM_A, SYSTEM_B } from '../../scripts/demo-data.js';
import { DEMO_RIO_FILE, seedDemo } from '../../scripts/seed-lib.js';
import { bearer, databaseUri, freshPrefix, graphql, startSystem, withEnv, type RunningSystem } from '../support/system.js';

const COVERAGE = `query { mandateCoverage(service: OSO_OV, groupBy: BOARD) {
  schools covered uncovered uncoveredWithInactiveAanleverpunt
  groups { board { bevoegdGezagNummer } schools covered uncovered uncoveredSchools { brin } }
} }`;
const COUNTS = `query { mandateCounts(services: [OSO_OV], groupBy: [SYSTEM, STATUS]) { system { id } status count } }`;
const SERIES = `query ($from: Date!, $to: Date!) { mandateCountSeries(from: $from, to: $to, services: [OSO_OV]) { month active } }`;

interface Group {
  board: { bevoegdGezagNummer: string };
  schools: number;
  covered: number;
  uncovered: number;
  uncoveredSchools: { brin: string }[];
}
interface Coverage {
  schools: number;
  covered: number;
  uncovered: number;
  uncoveredWithInactiveAanleverpunt: number;
  groups: Group[];
}
type CountRow = { system: { id: string }; status: string; count: number };

/** Today in the Netherlands, as the subgraphs count it. */
function today(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam' }).format(new Date());
}

/** The demo RIO data with school 25BE moved from board 41234 to 42001. */
function rioWith25BEMoved(): Buffer {
  const bundle = JSON.parse(readFileSync(DEMO_RIO_FILE, 'utf8')) as {
    peilmoment: string;
    peildatum: string;
    onderwijsinstellingserkenningen: { bRIN4: string; bevoegdGezagNummer: string; begindatum: string }[];
  };
  bundle.peilmoment = `${today()}T06:00:00.000Z`;
  bundle.peildatum = today();
  const erkenning = bundle.onderwijsinstellingserkenningen.find((e) => e.bRIN4 === '25BE')!;
  erkenning.bevoegdGezagNummer = '42001';
  erkenning.begindatum = today();
  return Buffer.from(JSON.stringify(bundle));
}

describe('cached aggregates follow every change (through the gateway)', () => {
  let system: RunningSystem;
  let analyst: Record<string, string>;
  let board42001: Record<string, string>;
  let board41234: Record<string, string>;

  const ask = async <T,>(query: string, variables?: Record<string, unknown>, headers = analyst): Promise<T> => {
    const res = await graphql<T>(system.gatewayUrl, query, variables, headers);
    expect(res.errors).toBeUndefined();
    return res.data as T;
  };
  const coverage = async () => (await ask<{ mandateCoverage: Coverage }>(COVERAGE)).mandateCoverage;
  const counts = async () => (await ask<{ mandateCounts: CountRow[] }>(COUNTS)).mandateCounts;
  const group = (c: Coverage, board: string) => c.groups.find((g) => g.board.bevoegdGezagNummer === board)!;
  const count = (rows: CountRow[], system: string, status: string) => rows.find((r) => r.system.id === system && r.status === status)?.count ?? 0;

  beforeAll(async () => {
    const prefix = freshPrefix();
    await seedDemo(databaseUri(), prefix, buildDemoData());
    // the kept results belong to the memory read model
    system = await withEnv({ MANDATES_READ_MODEL: 'memory' }, () => startSystem(prefix));
    analyst = await bearer({ role: 'ANALYST' });
    board42001 = await bearer({ role: 'BOARD', board: '42001', rights: ['OSR_TOEGANG'] });
    board41234 = await bearer({ role: 'BOARD', board: '41234', rights: ['OSR_TOEGANG'] });
  });
  afterAll(() => system?.stop());

  it('a granted mandate closes a coverage gap and is counted on the next question', async () => {
    const before = await coverage();
    const countsBefore = await counts();
    // asked twice: the second answer comes from the cache and is the same
    expect(await coverage()).toEqual(before);
    // 16EF (board 42001) has only an inactive OV aanleverpunt: uncovered
    expect(group(before, '42001').uncoveredSchools.map((s) => s.brin)).toContain('16EF');

    const granted = await graphql<{ grantMandate: { mandates: { id: string }[] } }>(
      system.gatewayUrl,
      `mutation ($input: GrantMandateInput!) { grantMandate(input: $input) { mandates { id } } }`,
      { input: { service: 'OSO_OV', systemId: SYSTEM_B, brin: '16EF', bevoegdGezagNummer: '42001', startDate: today() } },
      board42001,
    );
    expect(granted.errors).toBeUndefined();
    // the mandates subgraph says its kept results are no longer current...
    const cacheState = async () => (await (await fetch(new URL('/analytics/cache', system.subgraphs.mandates.url))).json()) as { warm: boolean; aggregates: { entries: number; current: number } };
    const stale = await cacheState();
    expect(stale.warm).toBe(false);
    expect(stale.aggregates.current).toBeLessThan(stale.aggregates.entries);

    const after = await coverage();
    expect(after.covered).toBe(before.covered + 1);
    expect(after.uncovered).toBe(before.uncovered - 1);
    expect(after.uncoveredWithInactiveAanleverpunt).toBe(before.uncoveredWithInactiveAanleverpunt - 1);
    expect(group(after, '42001').uncoveredSchools.map((s) => s.brin)).not.toContain('16EF');
    const countsAfter = await counts();
    expect(count(countsAfter, SYSTEM_B, 'ACTIVE')).toBe(count(countsBefore, SYSTEM_B, 'ACTIVE') + 1);
    expect(count(countsAfter, SYSTEM_A, 'ACTIVE')).toBe(count(countsBefore, SYSTEM_A, 'ACTIVE'));
    // ...and current again once the questions were answered anew
    const current = await cacheState();
    expect(current.aggregates.current).toBe(current.aggregates.entries);
    // (the mandate check's rows, in memory since the start, are brought forward when next asked)
    expect(current.warm).toBe(false);
    await ask('{ mandateCheckProgress { mandatesDue } }');
    expect((await cacheState()).warm).toBe(true);
  });

  it('a system switch moves the count from one system to the other, and the month series ends the old mandate', async () => {
    // 00AV (board 41234) has an active OSO OV mandate on Voorbeeld LAS (SYSTEM_A)
    const month = today().slice(0, 7);
    const seriesBefore = (await ask<{ mandateCountSeries: { month: string; active: number }[] }>(SERIES, { from: `${month}-01`, to: today() })).mandateCountSeries;
    const before = await counts();
    const res = await graphql(
      system.gatewayUrl,
      `mutation ($input: SwitchSystemInput!) { switchSystem(input: $input) { mandates { id } } }`,
      { input: { brin: '00AV', service: 'OSO_OV', fromSystemId: SYSTEM_A, toSystemId: SYSTEM_B, startDate: today() } },
      board41234,
    );
    expect(res.errors).toBeUndefined();
    const after = await counts();
    expect(count(after, SYSTEM_A, 'ACTIVE')).toBe(count(before, SYSTEM_A, 'ACTIVE') - 1);
    expect(count(after, SYSTEM_B, 'ACTIVE')).toBe(count(before, SYSTEM_B, 'ACTIVE') + 1);
    expect(count(after, SYSTEM_A, 'ENDED')).toBe(count(before, SYSTEM_A, 'ENDED') + 1);
    // On today the old mandate ended yesterday and the new one is active: the same number of
    // schools served, so the series is unchanged for this month (one period replaced another).
    const seriesAfter = (await ask<{ mandateCountSeries: { month: string; active: number }[] }>(SERIES, { from: `${month}-01`, to: today() })).mandateCountSeries;
    expect(seriesAfter).toEqual(seriesBefore);
  });

  it('a RIO import that moves a school to another board regroups coverage on the next question', async () => {
    const before = await coverage();
    const repo = new OrganisationsRepository(system.subgraphs.organisations.database.db);
    const report = await importRio(repo, { name: 'rio-moved.json', bytes: rioWith25BEMoved() }, { mode: 'full' });
    expect(report.rejections).toEqual([]);
    const after = await coverage();
    expect(group(after, '41234').schools).toBe(group(before, '41234').schools - 1);
    expect(group(after, '42001').schools).toBe(group(before, '42001').schools + 1);
    expect(after.schools).toBe(before.schools);
  });
});
