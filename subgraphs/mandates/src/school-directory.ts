/**
 * The schools of the register with what the aggregates group by (sector, current board,
 * samenwerkingsverbanden), read from the organisations subgraph's API — never its database —
 * by paging `schools(filter: {activeOn}, first: 500)` with the mandates subgraph's SERVICE
 * identity.
 *
 * Cached in the process on purpose (not per request): RIO changes once a day (the nightly
 * import), and the national list is ~7,500 schools in 15 pages. An entry lives
 * CACHE_SECONDS; at most MAX_ENTRIES dates are kept; a failed read is not cached.
 */
import { userError, type PeerClient } from '@osr/common';

export type Sector = 'PO' | 'SO' | 'VO' | 'MBO';

export interface DirectorySchool {
  brin: string;
  sector: Sector;
  /** bevoegd gezag nummer of the school's current board */
  board: string;
  /** codes of its samenwerkingsverbanden */
  swvs: string[];
}

export interface SchoolDirectory {
  /** Schools that exist on the date (all the register knows when null). */
  schools(activeOn: string | null): Promise<DirectorySchool[]>;
}

export const CACHE_SECONDS = 300;
const MAX_ENTRIES = 8;
const PAGE = 500;

interface SchoolsPage {
  schools: {
    edges: { node: { brin: string; sector: Sector; board: { bevoegdGezagNummer: string }; samenwerkingsverbanden: { code: string }[] } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

const QUERY = `query AnalyticsSchools($activeOn: Date, $first: Int, $after: String) {
  schools(filter: { activeOn: $activeOn }, first: $first, after: $after) {
    edges { node { brin sector board { bevoegdGezagNummer } samenwerkingsverbanden { code } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export function organisationsSchoolDirectory(client: PeerClient | null, now: () => number = Date.now): SchoolDirectory {
  const cache = new Map<string, { at: number; schools: Promise<DirectorySchool[]> }>();

  async function load(activeOn: string | null): Promise<DirectorySchool[]> {
    if (!client) throw userError('UNAVAILABLE', 'The organisations service is not configured for the mandates subgraph', { service: 'organisations' });
    const schools: DirectorySchool[] = [];
    let after: string | null = null;
    for (;;) {
      const page: SchoolsPage = await client.request<SchoolsPage>(QUERY, { activeOn, first: PAGE, after });
      for (const { node } of page.schools.edges) {
        schools.push({ brin: node.brin, sector: node.sector, board: node.board.bevoegdGezagNummer, swvs: node.samenwerkingsverbanden.map((s) => s.code) });
      }
      if (!page.schools.pageInfo.hasNextPage || !page.schools.pageInfo.endCursor) break;
      after = page.schools.pageInfo.endCursor;
    }
    return schools;
  }

  return {
    schools(activeOn) {
      const key = activeOn ?? '*';
      const hit = cache.get(key);
      if (hit && now() - hit.at < CACHE_SECONDS * 1000) return hit.schools;
      const schools = load(activeOn);
      cache.delete(key);
      cache.set(key, { at: now(), schools });
      while (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
      schools.catch(() => {
        if (cache.get(key)?.schools === schools) cache.delete(key);
      });
      return schools;
    },
  };
}
