/**
 * What the mandates subgraph asks other subgraphs, through their APIs (never their
 * databases). If a peer cannot answer, the caller refuses rather than guesses.
 */
import DataLoader from 'dataloader';
import { userError, type PeerClient } from '@osr/common';
import type { DeferredChange, ServiceCode } from './documents.js';

export interface SchoolOnDate {
  brin: string;
  /** the board the school belonged to on the date asked; null if it did not exist then */
  boardOn: string | null;
  /** the school's end date (null while open) */
  endDate?: string | null;
  /**
   * The first period the register knows of the school's board (a register loaded from DUO
   * files knows each school only from the import's reference date).
   */
  firstRegistration?: { board: string; from: string | null } | null;
  /** the board that holds the school today (null once it has closed) */
  holder?: string | null;
}

/** A school's boards as RIO has them: the current one and every period, with the school's own dates. */
export interface SchoolBoards {
  brin: string;
  /** the board the school belongs to now */
  board: string;
  startDate: string | null;
  endDate: string | null;
  /** oldest first; dates inclusive, null = open */
  periods: { board: string; from: string | null; until: string | null }[];
}

/** The board a school belonged to on a date; null when it did not exist then (as School.boardOn). */
export function boardOnDate(school: SchoolBoards, date: string): string | null {
  if (school.startDate && date < school.startDate) return null;
  if (school.endDate && date > school.endDate) return null;
  return school.periods.find((p) => (p.from === null || p.from <= date) && (p.until === null || date <= p.until))?.board ?? null;
}

/** Whether the board held the school on the date (by its periods, whatever the school's own dates). */
export function heldOn(school: SchoolBoards, board: string, date: string): boolean {
  return school.periods.some((p) => p.board === board && (p.from === null || p.from <= date) && (p.until === null || date <= p.until));
}

export interface OrganisationsApi {
  /** The boards of these schools (one call); unknown BRINs are absent from the result. */
  schoolBoards(brins: readonly string[]): Promise<Map<string, SchoolBoards>>;
  /** Many schools at once: unknown BRINs are absent from the result. */
  schoolsOn(brins: readonly string[], date: string): Promise<Map<string, SchoolOnDate>>;
  /**
   * The schools a board holds today, with their boards (one call; empty for a board RIO does
   * not know). Asked by the caller's board, never by the school or mandate a request names:
   * so a refusal costs the same work whether what it names exists or not.
   */
  schoolsOfBoard(bevoegdGezagNummer: string): Promise<Map<string, SchoolBoards>>;
  boardExists(bevoegdGezagNummer: string): Promise<boolean>;
}

export interface AgreementsApi {
  covers(bevoegdGezagNummer: string, service: ServiceCode, date: string): Promise<boolean>;
}

function notConfigured(name: string): never {
  throw userError('UNAVAILABLE', `The ${name} service is not configured for the mandates subgraph`, { service: name });
}

/** What SchoolBoards is read from: a School of the organisations subgraph. */
const SCHOOL_BOARDS = 'brin startDate endDate board { bevoegdGezagNummer } boardHistory { board { bevoegdGezagNummer } from until }';
interface SchoolBoardsAnswer {
  brin: string;
  startDate: string | null;
  endDate: string | null;
  board: { bevoegdGezagNummer: string };
  boardHistory: { board: { bevoegdGezagNummer: string }; from: string | null; until: string | null }[];
}

function schoolBoardsOf(s: SchoolBoardsAnswer): SchoolBoards {
  return {
    brin: s.brin,
    board: s.board.bevoegdGezagNummer,
    startDate: s.startDate,
    endDate: s.endDate,
    periods: s.boardHistory.map((p) => ({ board: p.board.bevoegdGezagNummer, from: p.from, until: p.until })),
  };
}

/**
 * A request's loaders of schools' boards. By school: the BRINs asked for in one tick are one
 * call. By board (the caller's: one call per request however often it is asked): what it
 * finds primes the first, so the rules asked later of those schools need no call of their own.
 */
export function schoolLoaders(api: OrganisationsApi): { schoolBoards: DataLoader<string, SchoolBoards | null>; schoolsOfBoard: DataLoader<string, Map<string, SchoolBoards>> } {
  const schoolBoards = new DataLoader<string, SchoolBoards | null>(async (brins) => {
    const found = await api.schoolBoards(brins);
    return brins.map((b) => found.get(b) ?? null);
  });
  const schoolsOfBoard = new DataLoader<string, Map<string, SchoolBoards>>(
    (boards) =>
      Promise.all(
        boards.map(async (board) => {
          const schools = await api.schoolsOfBoard(board);
          for (const [brin, school] of schools) schoolBoards.prime(brin, school);
          return schools;
        }),
      ),
    { batch: false },
  );
  return { schoolBoards, schoolsOfBoard };
}

/** Schools of the organisations subgraph by BRIN (`_entities`, 500 a call); unknown ones are left out. */
async function schoolEntities<T>(client: PeerClient, brins: readonly string[], query: string, variables: Record<string, unknown> = {}): Promise<T[]> {
  const found: T[] = [];
  for (let i = 0; i < brins.length; i += 500) {
    const reps = brins.slice(i, i + 500).map((brin) => ({ __typename: 'School', brin }));
    const data = await client.request<{ _entities: (T | null)[] }>(query, { reps, ...variables });
    for (const school of data._entities) if (school) found.push(school);
  }
  return found;
}

export function organisationsApi(client: PeerClient | null): OrganisationsApi {
  return {
    async schoolsOn(brins, date) {
      if (!client) notConfigured('organisations');
      type Found = {
        brin: string;
        endDate: string | null;
        boardOn: { bevoegdGezagNummer: string } | null;
        boardHistory: { board: { bevoegdGezagNummer: string }; from: string | null }[];
      };
      const schools = await schoolEntities<Found>(
        client,
        brins,
        'query SchoolsOnDate($reps: [_Any!]!, $date: Date!) { _entities(representations: $reps) { ... on School { brin endDate boardOn(date: $date) { bevoegdGezagNummer } boardHistory { board { bevoegdGezagNummer } from } } } }',
        { date },
      );
      const found = new Map<string, SchoolOnDate>();
      for (const school of schools) {
        const first = school.boardHistory[0];
        const last = school.boardHistory.at(-1);
        found.set(school.brin, {
          brin: school.brin,
          boardOn: school.boardOn?.bevoegdGezagNummer ?? null,
          endDate: school.endDate,
          firstRegistration: first ? { board: first.board.bevoegdGezagNummer, from: first.from } : null,
          holder: school.endDate === null && last ? last.board.bevoegdGezagNummer : null,
        });
      }
      return found;
    },
    async schoolBoards(brins) {
      if (!client) notConfigured('organisations');
      const schools = await schoolEntities<SchoolBoardsAnswer>(client, brins, `query SchoolBoards($reps: [_Any!]!) { _entities(representations: $reps) { ... on School { ${SCHOOL_BOARDS} } } }`);
      return new Map(schools.map((s) => [s.brin, schoolBoardsOf(s)]));
    },
    async schoolsOfBoard(bevoegdGezagNummer) {
      if (!client) notConfigured('organisations');
      const data = await client.request<{ board: { schools: SchoolBoardsAnswer[] } | null }>(
        `query SchoolsOfBoard($n: ID!) { board(bevoegdGezagNummer: $n) { schools { ${SCHOOL_BOARDS} } } }`,
        { n: bevoegdGezagNummer },
      );
      return new Map((data.board?.schools ?? []).map((s) => [s.brin, schoolBoardsOf(s)]));
    },
    async boardExists(bevoegdGezagNummer) {
      if (!client) notConfigured('organisations');
      const data = await client.request<{ board: { bevoegdGezagNummer: string } | null }>(
        'query BoardExists($n: ID!) { board(bevoegdGezagNummer: $n) { bevoegdGezagNummer } }',
        { n: bevoegdGezagNummer },
      );
      return data.board !== null;
    },
  };
}

export function agreementsApi(client: PeerClient | null): AgreementsApi {
  return {
    async covers(bevoegdGezagNummer, service, date) {
      if (!client) notConfigured('agreements');
      const data = await client.request<{ agreementCoverage: { covered: boolean } }>(
        'query Coverage($b: ID!, $s: ServiceCode!, $d: Date!) { agreementCoverage(bevoegdGezagNummer: $b, service: $s, date: $d) { covered } }',
        { b: bevoegdGezagNummer, s: service, d: date },
      );
      return data.agreementCoverage.covered;
    },
  };
}

/** A change of the organisations feed: what a deferred change keeps, and its place in the feed. */
export interface OrganisationChangeNode extends DeferredChange {
  sequence: number;
}

export interface ChangeFeedApi {
  page(after: string | null, first: number): Promise<{ nodes: OrganisationChangeNode[]; endCursor: string | null; hasNextPage: boolean }>;
}

export function changeFeedApi(client: PeerClient | null): ChangeFeedApi {
  return {
    async page(after, first) {
      if (!client) notConfigured('organisations');
      const data = await client.request<{
        organisationChanges: { edges: { node: OrganisationChangeNode }[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } };
      }>(
        `query Changes($after: String, $first: Int) {
          organisationChanges(after: $after, first: $first) {
            edges { node { id sequence kind bevoegdGezagNummer brin fromBoard toBoard effectiveDate description } }
            pageInfo { endCursor hasNextPage }
          }
        }`,
        { after, first },
      );
      const c = data.organisationChanges;
      return { nodes: c.edges.map((e) => e.node), endCursor: c.pageInfo.endCursor, hasNextPage: c.pageInfo.hasNextPage };
    },
  };
}
