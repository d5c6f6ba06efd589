/**
 * What the mandates subgraph asks other subgraphs, through their APIs (never their
 * databases). If a peer cannot answer, the caller refuses rather than guesses.
 */
import { userError, type PeerClient } from '@osr/common';
import type { ServiceCode } from './documents.js';

export interface SchoolOnDate {
  brin: string;
  /** the board the school belonged to on the date asked; null if it did not exist then */
  boardOn: string | null;
  /** Only from schoolsOn: the school's end date (null while open). */
  endDate?: string | null;
  /**
   * Only from schoolsOn: the first period the register knows of the school's board (a
   * register loaded from DUO files knows each school only from the import's reference date).
   */
  firstRegistration?: { board: string; from: string | null } | null;
}

export interface OrganisationsApi {
  schoolOn(brin: string, date: string): Promise<SchoolOnDate | null>;
  /** Many schools at once: unknown BRINs are absent from the result. */
  schoolsOn(brins: readonly string[], date: string): Promise<Map<string, SchoolOnDate>>;
  boardExists(bevoegdGezagNummer: string): Promise<boolean>;
}

export interface AgreementsApi {
  covers(bevoegdGezagNummer: string, service: ServiceCode, date: string): Promise<boolean>;
}

function notConfigured(name: string): never {
  throw userError('UNAVAILABLE', `The ${name} service is not configured for the mandates subgraph`, { service: name });
}

export function organisationsApi(client: PeerClient | null): OrganisationsApi {
  return {
    async schoolOn(brin, date) {
      if (!client) notConfigured('organisations');
      const data = await client.request<{ school: { brin: string; boardOn: { bevoegdGezagNummer: string } | null } | null }>(
        'query SchoolOnDate($brin: ID!, $date: Date!) { school(brin: $brin) { brin boardOn(date: $date) { bevoegdGezagNummer } } }',
        { brin, date },
      );
      if (!data.school) return null;
      return { brin: data.school.brin, boardOn: data.school.boardOn?.bevoegdGezagNummer ?? null };
    },
    async schoolsOn(brins, date) {
      if (!client) notConfigured('organisations');
      const found = new Map<string, SchoolOnDate>();
      for (let i = 0; i < brins.length; i += 500) {
        const batch = brins.slice(i, i + 500);
        type Found = {
          brin: string;
          endDate: string | null;
          boardOn: { bevoegdGezagNummer: string } | null;
          boardHistory: { board: { bevoegdGezagNummer: string }; from: string | null }[];
        };
        const data = await client.request<{ _entities: (Found | null)[] }>(
          'query SchoolsOnDate($reps: [_Any!]!, $date: Date!) { _entities(representations: $reps) { ... on School { brin endDate boardOn(date: $date) { bevoegdGezagNummer } boardHistory { board { bevoegdGezagNummer } from } } } }',
          { reps: batch.map((brin) => ({ __typename: 'School', brin })), date },
        );
        for (const school of data._entities) {
          if (!school) continue;
          const first = school.boardHistory[0];
          found.set(school.brin, {
            brin: school.brin,
            boardOn: school.boardOn?.bevoegdGezagNummer ?? null,
            endDate: school.endDate,
            firstRegistration: first ? { board: first.board.bevoegdGezagNummer, from: first.from } : null,
          });
        }
      }
      return found;
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

export interface OrganisationChangeNode {
  id: string;
  sequence: number;
  kind: string;
  bevoegdGezagNummer: string | null;
  brin: string | null;
  fromBoard: string | null;
  toBoard: string | null;
  effectiveDate: string;
  description: string;
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
