/**
 * The schools of the register with what the aggregates group by (sector, current board,
 * samenwerkingsverbanden, and the dates the school exists), read from the organisations
 * subgraph's API — never its database — with the mandates subgraph's SERVICE identity.
 *
 * One call (`schoolDirectory`, a field for services only) returns the whole list: ~7,500
 * schools nationally, one pass over the organisations' collection (paging it would read the
 * collection once per page on FerretDB: 15 pages took 15–20 s). The list is kept in the
 * process while `schoolDirectoryVersion` (one cheap call per use) is unchanged: it changes
 * whenever a RIO import or sync writes boards, schools or SWVs. So the figures are as fresh
 * as the register, and the list is read again only after RIO changed.
 */
import { userError, type Logger, type PeerClient } from '@osr/common';
import { ResultCache } from './analytics-cache.js';

export type Sector = 'PO' | 'SO' | 'VO' | 'MBO';

export interface DirectorySchool {
  brin: string;
  sector: Sector;
  /** bevoegd gezag nummer of the school's current board */
  board: string;
  /** codes of its samenwerkingsverbanden */
  swvs: string[];
  startDate: string | null;
  endDate: string | null;
}

export interface SchoolDirectory {
  /** Schools that exist on the date (all the register knows when null), ordered by BRIN. */
  schools(activeOn: string | null): Promise<DirectorySchool[]>;
  /** Reads the list again in the background when RIO changed and it was used lately. */
  refresh(): Promise<number>;
  /** Lets the next refresh read the list before anyone asked for it. */
  keepWarm(): void;
  /** Whether the kept list is the register's current one (see ResultCache.state). */
  state(): ReturnType<ResultCache['state']>;
}

interface DirectoryAnswer {
  schoolDirectory: {
    version: string;
    schools: { brin: string; sector: Sector; boardNummer: string; swvCodes: string[]; startDate: string | null; endDate: string | null }[];
  };
}

const LIST = `query AnalyticsSchoolDirectory {
  schoolDirectory { version schools { brin sector boardNummer swvCodes startDate endDate } }
}`;
const VERSION = 'query AnalyticsSchoolDirectoryVersion { schoolDirectoryVersion }';

/** Exists on the date: started by then (or no start known) and not ended before it. */
export function existsOn(school: Pick<DirectorySchool, 'startDate' | 'endDate'>, date: string): boolean {
  return (school.startDate === null || school.startDate <= date) && (school.endDate === null || school.endDate >= date);
}

export function organisationsSchoolDirectory(client: PeerClient | null, options: { logger?: Logger; now?: () => number } = {}): SchoolDirectory {
  const unavailable = () => userError('UNAVAILABLE', 'The organisations service is not configured for the mandates subgraph', { service: 'organisations' });
  const cache = new ResultCache(
    async () => {
      if (!client) throw unavailable();
      return (await client.request<{ schoolDirectoryVersion: string }>(VERSION)).schoolDirectoryVersion;
    },
    { maxEntries: 1, name: 'school directory', ...options },
  );
  const load = async (): Promise<DirectorySchool[]> => {
    if (!client) throw unavailable();
    const { schoolDirectory } = await client.request<DirectoryAnswer>(LIST);
    return schoolDirectory.schools.map((s) => ({
      brin: s.brin,
      sector: s.sector,
      board: s.boardNummer,
      swvs: s.swvCodes,
      startDate: s.startDate,
      endDate: s.endDate,
    }));
  };

  return {
    async schools(activeOn) {
      const all = await cache.get('schools', load);
      return activeOn === null ? all : all.filter((s) => existsOn(s, activeOn));
    },
    refresh: () => cache.refresh(),
    keepWarm: () => cache.keepWarm('schools', load),
    state: () => cache.state(),
  };
}
