import type { PeerClient } from '@osr/common';
import { describe, expect, it } from 'vitest';
import { seriesDays } from '../src/analytics.js';
import { ResultCache, type ChangeSource } from '../src/read-model/result-cache.js';
import { seriesKeys } from '../src/series-keys.js';
import { organisationsSchoolDirectory } from '../src/school-directory.js';

/** A fake organisations API serving a directory at a version the test moves; records the calls. */
function fakeOrganisations(failFirst = false) {
  const calls: string[] = [];
  let fail = failFirst;
  const state = {
    version: 'v1',
    schools: [
      { brin: '00AA', sector: 'PO', boardNummer: '41234', swvCodes: ['PO2001'], startDate: '2000-01-01', endDate: null },
      { brin: '01AA', sector: 'VO', boardNummer: '41234', swvCodes: [], startDate: '2025-11-01', endDate: null },
      { brin: '02AA', sector: 'PO', boardNummer: '42001', swvCodes: ['PO2001', 'PO3101'], startDate: null, endDate: '2025-07-31' },
    ],
  };
  const client: PeerClient = {
    name: 'organisations',
    url: 'http://organisations.invalid',
    async request<T>(query: string): Promise<T> {
      const what = query.includes('schoolDirectoryVersion') ? 'version' : 'list';
      calls.push(what);
      if (fail && what === 'list') {
        fail = false;
        throw new Error('organisations down');
      }
      return (what === 'version' ? { schoolDirectoryVersion: state.version } : { schoolDirectory: { version: state.version, schools: state.schools } }) as T;
    },
  };
  return { client, calls, state };
}

describe('the school directory of the aggregates', () => {
  it('reads the whole list in one call and keeps the schools that exist on the date asked', async () => {
    const { client, calls } = fakeOrganisations();
    const directory = organisationsSchoolDirectory(client);
    expect(await directory.schools('2025-10-01')).toEqual([
      { brin: '00AA', sector: 'PO', board: '41234', swvs: ['PO2001'], startDate: '2000-01-01', endDate: null },
    ]);
    // 01AA starts on 2025-11-01, 02AA ended on 2025-07-31
    expect((await directory.schools('2025-11-01')).map((s) => s.brin)).toEqual(['00AA', '01AA']);
    expect((await directory.schools('2025-07-31')).map((s) => s.brin)).toEqual(['00AA', '02AA']);
    expect((await directory.schools(null)).map((s) => s.brin)).toEqual(['00AA', '01AA', '02AA']);
    // one list for every date: each use checks the version, the list is read once
    expect(calls).toEqual(['version', 'list', 'version', 'version', 'version']);
  });

  it('reads the list again once the register version changed (a RIO import wrote), not before', async () => {
    const { client, calls, state } = fakeOrganisations();
    const directory = organisationsSchoolDirectory(client);
    await directory.schools(null);
    await directory.schools(null);
    expect(calls.filter((c) => c === 'list')).toHaveLength(1);
    state.version = 'v2';
    state.schools = state.schools.slice(1);
    expect((await directory.schools(null)).map((s) => s.brin)).toEqual(['01AA', '02AA']);
    expect(calls.filter((c) => c === 'list')).toHaveLength(2);
  });

  it('does not keep a failed read: the next question asks again', async () => {
    const { client, calls } = fakeOrganisations(true);
    const directory = organisationsSchoolDirectory(client);
    await expect(directory.schools(null)).rejects.toThrow('organisations down');
    expect(await directory.schools(null)).toHaveLength(3);
    expect(calls.filter((c) => c === 'list')).toHaveLength(2);
  });

  it('refuses clearly without an organisations service', async () => {
    await expect(organisationsSchoolDirectory(null).schools(null)).rejects.toThrow('The organisations service is not configured');
  });
});

describe('the result cache of the aggregates', () => {
  function setup() {
    let token = 't1';
    let now = 0;
    let runs = 0;
    const cache = new ResultCache(async () => token, { now: () => now, keepWarmMs: 1000, maxEntries: 3 });
    // the result names the token under which the query started
    const query = (value: string, gate?: Promise<void>) => async () => {
      runs++;
      const seen = token;
      await gate;
      return `${value}@${seen}`;
    };
    return {
      cache,
      query,
      setToken: (t: string) => (token = t),
      advance: (ms: number) => (now += ms),
      runs: () => runs,
    };
  }

  it('answers from memory while the token is unchanged and runs the query again once it changed', async () => {
    const t = setup();
    expect(await t.cache.get('a', t.query('A'))).toBe('A@t1');
    expect(await t.cache.get('a', t.query('A'))).toBe('A@t1');
    expect(t.runs()).toBe(1);
    t.setToken('t2');
    expect(await t.cache.get('a', t.query('A'))).toBe('A@t2');
    expect(t.runs()).toBe(2);
    expect(t.cache.stats).toMatchObject({ hits: 1, misses: 2 });
  });

  it('runs a query once for requests that arrive while it runs', async () => {
    const t = setup();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const both = Promise.all([t.cache.get('a', t.query('A', gate)), t.cache.get('a', t.query('A', gate))]);
    await new Promise((r) => setTimeout(r, 10));
    open();
    expect(await both).toEqual(['A@t1', 'A@t1']);
    expect(t.runs()).toBe(1);
    expect(t.cache.stats.joined).toBe(1);
  });

  it('does not keep a failure, and a request after a token change does not get the older run', async () => {
    const t = setup();
    await expect(t.cache.get('a', async () => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    expect(await t.cache.get('a', t.query('A'))).toBe('A@t1');
    // a run under t1 still busy when the token moves on: the request under t2 runs its own
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    t.setToken('t1b');
    const older = t.cache.get('a', t.query('A', gate));
    await new Promise((r) => setTimeout(r, 10));
    t.setToken('t2');
    const newer = await t.cache.get('a', t.query('A'));
    open();
    expect(await older).toBe('A@t1b');
    expect(newer).toBe('A@t2');
    // the older run finished last, but the newer result stays (answered without a run)
    const runs = t.runs();
    expect(await t.cache.get('a', t.query('A'))).toBe('A@t2');
    expect(t.runs()).toBe(runs);
  });

  it('refreshes in the background the entries used lately whose token moved on, and drops unused ones', async () => {
    const t = setup();
    await t.cache.get('a', t.query('A'));
    t.cache.keepWarm('w', t.query('W'));
    expect(await t.cache.refresh()).toBe(1); // w computed before anyone asked
    expect(await t.cache.refresh()).toBe(0); // nothing changed
    t.setToken('t2');
    expect(await t.cache.refresh()).toBe(2);
    const runs = t.runs();
    expect(await t.cache.get('a', t.query('A'))).toBe('A@t2');
    expect(await t.cache.get('w', t.query('W'))).toBe('W@t2');
    expect(t.runs()).toBe(runs);
    // not asked for longer than keepWarmMs: dropped, not recomputed
    t.advance(2000);
    t.setToken('t3');
    expect(await t.cache.refresh()).toBe(0);
    expect(t.cache.stats.entries).toBe(0);
  });

  it('keeps at most maxEntries, dropping the least recently asked', async () => {
    const t = setup();
    for (const k of ['a', 'b', 'c']) await t.cache.get(k, t.query(k));
    await t.cache.get('a', t.query('a'));
    await t.cache.get('d', t.query('d'));
    const runs = t.runs();
    await t.cache.get('a', t.query('a'));
    expect(t.runs()).toBe(runs);
    await t.cache.get('b', t.query('b'));
    expect(t.runs()).toBe(runs + 1);
  });
});

describe('kept results brought forward by the changes since', () => {
  /** A data set (one number) with a journal of the changes made to it. */
  function setup() {
    const state = { total: 10, token: 't0', quiet: true, runs: 0, links: [] as { from: string; to: string; changes: number[] | null }[] };
    const source: ChangeSource<number> = {
      head: async () => state.token,
      quiet: async () => ({ token: state.token, quiet: state.quiet }),
      async since(from) {
        const changes: number[] = [];
        let token = from;
        while (token !== state.token) {
          const link = state.links.find((l) => l.from === token);
          if (!link || link.changes === null) return null;
          changes.push(...link.changes);
          token = link.to;
        }
        return { token, changes };
      },
    };
    const write = (n: number, known = true) => {
      state.total += n;
      const to = `t${state.links.length + 1}`;
      state.links.push({ from: state.token, to, changes: known ? [n] : null });
      state.token = to;
    };
    const cache = new ResultCache(source);
    const compute = async () => {
      state.runs++;
      await new Promise((r) => setTimeout(r, 5));
      return state.total;
    };
    const fold = (value: number, changes: readonly number[]) => changes.reduce((sum, c) => sum + c, value);
    return { state, cache, write, get: () => cache.get('total', compute, fold) };
  }

  it('adds the changes to an exact result instead of running the query again', async () => {
    const t = setup();
    expect(await t.get()).toBe(10);
    t.write(5);
    t.write(-2);
    expect(await t.get()).toBe(13);
    expect(t.state.runs).toBe(1);
    expect(t.cache.stats).toMatchObject({ misses: 1, folded: 1 });
    // the result brought forward is itself current now
    expect(await t.get()).toBe(13);
    expect(t.cache.stats.hits).toBe(1);
  });

  it('runs the query again after a change that is not known exactly', async () => {
    const t = setup();
    await t.get();
    t.write(7, false);
    expect(await t.get()).toBe(17);
    expect(t.state.runs).toBe(2);
  });

  it('does not bring forward a result computed while a write was in progress', async () => {
    const t = setup();
    t.state.quiet = false;
    expect(await t.get()).toBe(10);
    t.state.quiet = true;
    t.write(1);
    expect(await t.get()).toBe(11);
    expect(t.state.runs).toBe(2);
    // computed quietly this time: the next change is added
    t.write(1);
    expect(await t.get()).toBe(12);
    expect(t.state.runs).toBe(2);
  });

  it('adds each change once when requests and the refresh bring the result forward at the same time', async () => {
    const t = setup();
    await t.get();
    t.write(5);
    const [a, b, refreshed] = await Promise.all([t.get(), t.get(), t.cache.refresh()]);
    expect([a, b]).toEqual([15, 15]);
    expect(refreshed).toBe(0); // already being brought forward by the requests
    t.write(1);
    expect(await t.cache.refresh()).toBe(1);
    expect(await t.get()).toBe(16);
    expect(t.state.runs).toBe(1);
  });
});

describe('the days of a month series', () => {
  it('counts each month on its last day, the last month on `to` when that is earlier, across a year end and a leap February', () => {
    expect(seriesDays('2023-11-15', '2024-03-10')).toEqual([
      { month: '2023-11', date: '2023-11-30' },
      { month: '2023-12', date: '2023-12-31' },
      { month: '2024-01', date: '2024-01-31' },
      { month: '2024-02', date: '2024-02-29' },
      { month: '2024-03', date: '2024-03-10' },
    ]);
    expect(seriesDays('2024-07-31', '2024-07-31')).toEqual([{ month: '2024-07', date: '2024-07-31' }]);
  });
});

describe('the month keys of a mandate', () => {
  it('start in the start month; stop counting in the end month, or the month after when it ends on a month end', () => {
    expect(seriesKeys({ serviceCode: 'OSO_OV', startDate: '2024-08-01', endDate: null })).toEqual({ seriesStart: 'OSO_OV|2024-08', seriesEnd: null });
    // ends mid-month: not active at the end of that month
    expect(seriesKeys({ serviceCode: 'ROD_PO', startDate: '2022-08-15', endDate: '2024-07-30' }).seriesEnd).toBe('ROD_PO|2024-07');
    // ends on the month end: still counted in that month
    expect(seriesKeys({ serviceCode: 'ROD_PO', startDate: '2022-08-15', endDate: '2024-07-31' }).seriesEnd).toBe('ROD_PO|2024-08');
    expect(seriesKeys({ serviceCode: 'VVA', startDate: '2023-01-01', endDate: '2024-12-31' }).seriesEnd).toBe('VVA|2025-01');
    expect(seriesKeys({ serviceCode: 'VVA', startDate: '2023-01-01', endDate: '2024-02-29' }).seriesEnd).toBe('VVA|2024-03');
    expect(seriesKeys({ serviceCode: 'VVA', startDate: '2023-01-01', endDate: '2023-02-28' }).seriesEnd).toBe('VVA|2023-03');
    expect(seriesKeys({ serviceCode: 'VVA', startDate: '2023-01-01', endDate: '2024-02-28' }).seriesEnd).toBe('VVA|2024-02');
  });
});
