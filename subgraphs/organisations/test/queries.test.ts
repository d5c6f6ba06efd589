import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRio } from '../src/rio/import.js';
import { generateNationalSet } from '../src/rio/generate.js';
import { FIRST, SECOND } from './rio-fixtures.js';
import { freshRepository, jsonBytes } from './support.js';
import { graphql, identityHeaders, startSubgraph, type RunningSubgraph } from '../../../test/support/system.js';

interface Page<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

describe('organisations queries over imported RIO data', () => {
  let subgraph: RunningSubgraph;
  const ask = <T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>) =>
    graphql<T>(subgraph.url, query, variables, identityHeaders());

  beforeAll(async () => {
    const { prefix, database, repo } = await freshRepository();
    await importRio(repo, { name: 'first.json', bytes: jsonBytes(FIRST) }, { mode: 'full' });
    await importRio(repo, { name: 'second.json', bytes: jsonBytes(SECOND) }, { mode: 'full' });
    await database.close();
    subgraph = await startSubgraph('organisations', prefix);
  });
  afterAll(() => subgraph?.stop());

  it('School.boardOn answers the board of the day, and null before the school existed or after it closed', async () => {
    const res = await ask<{ a: Record<string, { bevoegdGezagNummer: string } | null>; b: Record<string, unknown>; c: Record<string, unknown> }>(`{
      a: school(brin: "00AV") {
        before: boardOn(date: "2026-07-31") { bevoegdGezagNummer }
        after: boardOn(date: "2026-08-01") { bevoegdGezagNummer }
        unborn: boardOn(date: "1980-01-01") { bevoegdGezagNummer }
      }
      b: school(brin: "09UV") { open: boardOn(date: "2026-08-31") { bevoegdGezagNummer } closed: boardOn(date: "2026-09-01") { bevoegdGezagNummer } }
      c: school(brin: "17GH") { boardHistory { board { bevoegdGezagNummer } from until } }
    }`);
    expect(res.errors).toBeUndefined();
    expect(res.data!.a).toEqual({ before: { bevoegdGezagNummer: '41234' }, after: { bevoegdGezagNummer: '42001' }, unborn: null });
    expect(res.data!.b).toEqual({ open: { bevoegdGezagNummer: '41234' }, closed: null });
    expect(res.data!.c).toEqual({
      boardHistory: [
        { board: { bevoegdGezagNummer: '43555' }, from: '1985-01-01', until: '2026-07-31' },
        { board: { bevoegdGezagNummer: '42001' }, from: '2026-08-01', until: null },
      ],
    });
  });

  it('a closed school\'s board history ends on its end date: closed in the file (31EW) and ended by absence (09UV)', async () => {
    const res = await ask<Record<string, { endDate: string; boardHistory: unknown[]; after: unknown; last: unknown }>>(`{
      closed: school(brin: "31EW") { endDate boardHistory { board { bevoegdGezagNummer } from until } last: boardOn(date: "2026-07-31") { bevoegdGezagNummer } after: boardOn(date: "2026-08-01") { bevoegdGezagNummer } }
      absent: school(brin: "09UV") { endDate boardHistory { board { bevoegdGezagNummer } from until } last: boardOn(date: "2026-08-31") { bevoegdGezagNummer } after: boardOn(date: "2026-09-01") { bevoegdGezagNummer } }
    }`);
    expect(res.errors).toBeUndefined();
    expect(res.data!.closed).toEqual({
      endDate: '2026-07-31',
      boardHistory: [{ board: { bevoegdGezagNummer: '41234' }, from: '1998-01-01', until: '2026-07-31' }],
      last: { bevoegdGezagNummer: '41234' },
      after: null,
    });
    expect(res.data!.absent).toMatchObject({ endDate: '2026-08-31', last: { bevoegdGezagNummer: '41234' }, after: null });
    expect(res.data!.absent!.boardHistory.at(-1)).toMatchObject({ board: { bevoegdGezagNummer: '41234' }, until: '2026-08-31' });
  });

  it('schools filters by board, sector, SWV, name (regex characters matched literally) and activeOn, paginated by BRIN', async () => {
    const q = `query ($filter: SchoolFilter, $first: Int, $after: String) {
      schools(filter: $filter, first: $first, after: $after) { edges { cursor node { brin } } pageInfo { hasNextPage endCursor } }
    }`;
    const brins = async (filter: Record<string, unknown>) => {
      const res = await ask<{ schools: Page<{ brin: string }> }>(q, { filter, first: 500 });
      expect(res.errors).toBeUndefined();
      return res.data!.schools.edges.map((e) => e.node.brin);
    };
    expect(await brins({ board: '42001' })).toEqual(['00AV', '14AB', '17GH', '18JK', '40XY']);
    expect(await brins({ sector: 'VO' })).toEqual(['17GH', '18JK']);
    expect(await brins({ swv: 'PO3101' })).toEqual(['00AV', '14AB', '40XY']);
    expect(await brins({ nameContains: 'één' })).toEqual(['25BE']);
    expect(await brins({ nameContains: 'de linde-maas' })).toEqual(['14AB']);
    expect(await brins({ nameContains: '.*' })).toEqual([]);
    expect(await brins({ activeOn: '2026-08-15' })).toEqual(['00AV', '09UV', '14AB', '17GH', '18JK', '25BE', '40XY']);
    expect(await brins({ activeOn: '2026-07-15', board: '41234' })).toEqual(['09UV', '25BE', '31EW']);

    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const res: { data?: { schools: Page<{ brin: string }> } | null } = await ask<{ schools: Page<{ brin: string }> }>(q, { first: 3, after });
      const conn: Page<{ brin: string }> = res.data!.schools;
      seen.push(...conn.edges.map((e) => e.node.brin));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toEqual(['00AV', '09UV', '14AB', '17GH', '18JK', '25BE', '31EW', '40XY']);
  });

  it('boards filters by sector, SWV and name', async () => {
    const q = `query ($filter: BoardFilter) { boards(filter: $filter) { edges { node { bevoegdGezagNummer } } pageInfo { hasNextPage } } }`;
    const nummers = async (filter: Record<string, unknown>) => {
      const res = await ask<{ boards: Page<{ bevoegdGezagNummer: string }> }>(q, { filter });
      expect(res.errors).toBeUndefined();
      return res.data!.boards.edges.map((e) => e.node.bevoegdGezagNummer);
    };
    expect(await nummers({})).toEqual(['41234', '42001', '43555']);
    expect(await nummers({ sector: 'VO' })).toEqual(['42001']);
    expect(await nummers({ swv: 'PO2001' })).toEqual(['41234']);
    expect(await nummers({ nameContains: 'noord-gron' })).toEqual(['41234']);
    expect(await nummers({ nameContains: 'Maasland', sector: 'PO' })).toEqual(['42001']);
  });

  it('rejects a page size over 500, a forged cursor and a bad SWV code with BAD_USER_INPUT naming the field', async () => {
    const tooMany = await ask(`{ schools(first: 501) { edges { cursor } } }`);
    expect(tooMany.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(tooMany.errors?.[0]?.message).toBe('first 501 is invalid: must be a whole number from 1 to 500');
    const forged = await ask(`{ organisationChanges(after: "bm90LWEtY3Vyc29y") { edges { cursor } } }`);
    expect(forged.errors?.[0]?.message).toBe('after "bm90LWEtY3Vyc29y" is invalid: not a cursor returned by this API');
    const badSwv = await ask(`{ boards(filter: { swv: "XX1234" }) { edges { cursor } } }`);
    expect(badSwv.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.swv', value: 'XX1234' });
  });

  it('organisationChanges: resuming from endCursor yields every entry once, in sequence order; since filters by recording time', async () => {
    const q = `query ($after: String, $since: DateTime) {
      organisationChanges(first: 7, after: $after, since: $since) {
        edges { cursor node { id sequence kind brin fromBoard toBoard effectiveDate importId recordedAt description } }
        pageInfo { hasNextPage endCursor }
      }
    }`;
    type Change = { sequence: number; kind: string; description: string; importId: string };
    const all: Change[] = [];
    let after: string | null = null;
    for (let page = 0; page < 20; page++) {
      const res: { data?: { organisationChanges: Page<Change> } | null } = await ask<{ organisationChanges: Page<Change> }>(q, { after });
      const conn: Page<Change> = res.data!.organisationChanges;
      all.push(...conn.edges.map((e) => e.node));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(all).toHaveLength(33);
    expect(all.map((c) => c.sequence)).toEqual([...all.map((c) => c.sequence)].sort((a, b) => a - b));
    expect(new Set(all.map((c) => c.sequence)).size).toBe(33);
    expect(all.filter((c) => c.kind === 'SCHOOL_MOVED').map((c) => c.description)).toEqual([
      'School 00AV moved from board 41234 to 42001',
      'School 17GH moved from board 43555 to 42001',
      'School 18JK moved from board 43555 to 42001',
    ]);
    const future = await ask<{ organisationChanges: Page<Change> }>(q, { since: '2999-01-01T00:00:00Z' });
    expect(future.data!.organisationChanges).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });
});

describe('a generated national subset', () => {
  it('board(bevoegdGezagNummer:) for the largest board returns all its schools', async () => {
    const set = generateNationalSet({ boards: 40, schools: 300, largestBoard: 85 });
    const { prefix, database, repo } = await freshRepository();
    const report = await importRio(repo, { name: 'subset.json', bytes: jsonBytes(set.bundle) }, { mode: 'full' });
    await database.close();
    expect(report.rejected).toBe(0);
    expect(report.schools.created).toBe(300);
    const largest = set.stats.largestBoard;
    expect(largest.schools).toBe(85);
    const expected = (set.bundle['onderwijsinstellingserkenningen'] as { bRIN4: string; bevoegdGezagNummer: string }[])
      .filter((e) => e.bevoegdGezagNummer === largest.bevoegdGezagNummer)
      .map((e) => e.bRIN4)
      .sort();
    const subgraph = await startSubgraph('organisations', prefix);
    try {
      const res = await graphql<{ board: { schools: { brin: string; board: { bevoegdGezagNummer: string } }[] } }>(
        subgraph.url,
        `query ($n: ID!) { board(bevoegdGezagNummer: $n) { schools { brin board { bevoegdGezagNummer } } } }`,
        { n: largest.bevoegdGezagNummer },
        identityHeaders(),
      );
      expect(res.errors).toBeUndefined();
      expect(res.data!.board.schools.map((s) => s.brin)).toEqual(expected);
      expect(expected).toHaveLength(85);
      expect(new Set(res.data!.board.schools.map((s) => s.board.bevoegdGezagNummer))).toEqual(new Set([largest.bevoegdGezagNummer]));
    } finally {
      await subgraph.stop();
    }
  });
});
