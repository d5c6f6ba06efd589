import type { PeerClient } from '@osr/common';
import { describe, expect, it } from 'vitest';
import { seriesDays } from '../src/analytics.js';
import { CACHE_SECONDS, organisationsSchoolDirectory } from '../src/school-directory.js';

/** A fake organisations API: `pages` pages of one school each; counts the requests. */
function fakeOrganisations(pages: number, failFirst = false) {
  const calls: Record<string, unknown>[] = [];
  let fail = failFirst;
  const client: PeerClient = {
    name: 'organisations',
    url: 'http://organisations.invalid',
    async request<T>(_query: string, variables?: Record<string, unknown>): Promise<T> {
      calls.push(variables ?? {});
      if (fail) {
        fail = false;
        throw new Error('organisations down');
      }
      const index = variables?.['after'] ? Number(variables['after']) : 0;
      const page = {
        schools: {
          edges: [{ node: { brin: `0${index}AA`, sector: 'PO', board: { bevoegdGezagNummer: '41234' }, samenwerkingsverbanden: [{ code: 'PO2001' }] } }],
          pageInfo: { hasNextPage: index + 1 < pages, endCursor: String(index + 1) },
        },
      };
      return page as T;
    },
  };
  return { client, calls };
}

describe('the school directory of the aggregates', () => {
  it('pages through the whole list with first 500 and the date asked', async () => {
    const { client, calls } = fakeOrganisations(3);
    const schools = await organisationsSchoolDirectory(client).schools('2025-10-01');
    expect(schools.map((s) => s.brin)).toEqual(['00AA', '01AA', '02AA']);
    expect(schools[0]).toEqual({ brin: '00AA', sector: 'PO', board: '41234', swvs: ['PO2001'] });
    expect(calls).toEqual([
      { activeOn: '2025-10-01', first: 500, after: null },
      { activeOn: '2025-10-01', first: 500, after: '1' },
      { activeOn: '2025-10-01', first: 500, after: '2' },
    ]);
  });

  it(`keeps a list for ${CACHE_SECONDS} seconds per date, then reads it again`, async () => {
    let now = 1_000_000;
    const { client, calls } = fakeOrganisations(1);
    const directory = organisationsSchoolDirectory(client, () => now);
    await directory.schools('2025-10-01');
    await directory.schools('2025-10-01');
    expect(calls).toHaveLength(1);
    await directory.schools('2025-11-01');
    expect(calls).toHaveLength(2);
    now += CACHE_SECONDS * 1000;
    await directory.schools('2025-10-01');
    expect(calls).toHaveLength(3);
  });

  it('does not keep a failed read: the next question asks again', async () => {
    const { client, calls } = fakeOrganisations(1, true);
    const directory = organisationsSchoolDirectory(client);
    await expect(directory.schools(null)).rejects.toThrow('organisations down');
    expect(await directory.schools(null)).toHaveLength(1);
    expect(calls).toHaveLength(2);
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
