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
  /** Whether the kept list is the register's current one (one version call). */
  state(): Promise<DirectoryState>;
}

export interface DirectoryState {
  /** the kept list is of the register's current version, and none is being read */
  warm: boolean;
  version: string | null;
  schools: number;
  /** times the list was read */
  loads: number;
}

/** A list not asked for in this long is neither read again in the background nor kept. */
const KEEP_WARM_MS = 60 * 60 * 1000;

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
  const now = options.now ?? Date.now;
  const unavailable = () => userError('UNAVAILABLE', 'The organisations service is not configured for the mandates subgraph', { service: 'organisations' });
  const currentVersion = async (): Promise<string> => {
    if (!client) throw unavailable();
    return (await client.request<{ schoolDirectoryVersion: string }>(VERSION)).schoolDirectoryVersion;
  };
  let kept: { version: string; schools: DirectorySchool[] } | null = null;
  let loading: { version: string; promise: Promise<DirectorySchool[]> } | null = null;
  let lastUsed = Number.NEGATIVE_INFINITY;
  let loads = 0;

  /** The list of this version: kept, being read (one read however many wait), or read now. */
  const listOf = (version: string): Promise<DirectorySchool[]> => {
    if (kept?.version === version) return Promise.resolve(kept.schools);
    if (loading?.version === version) return loading.promise;
    const promise = (async () => {
      if (!client) throw unavailable();
      const { schoolDirectory } = await client.request<DirectoryAnswer>(LIST);
      loads++;
      const schools = schoolDirectory.schools.map((s) => ({ brin: s.brin, sector: s.sector, board: s.boardNummer, swvs: s.swvCodes, startDate: s.startDate, endDate: s.endDate }));
      // kept under the version the answer states: a change meanwhile is read again next time
      kept = { version: schoolDirectory.version, schools };
      return schools;
    })().finally(() => {
      if (loading?.promise === promise) loading = null;
    });
    loading = { version, promise };
    return promise;
  };

  return {
    async schools(activeOn) {
      lastUsed = now();
      const all = await listOf(await currentVersion());
      return activeOn === null ? all : all.filter((s) => existsOn(s, activeOn));
    },
    async refresh() {
      if (now() - lastUsed > KEEP_WARM_MS) {
        kept = null;
        return 0;
      }
      const version = await currentVersion();
      if (kept?.version === version) return 0;
      try {
        await listOf(version);
        return 1;
      } catch (err) {
        options.logger?.warn({ err }, 'reading the school directory failed; the next question or refresh tries again');
        return 0;
      }
    },
    keepWarm: () => {
      lastUsed = now();
    },
    async state() {
      const version = await currentVersion();
      return { warm: kept?.version === version && loading === null, version, schools: kept?.schools.length ?? 0, loads };
    },
  };
}
