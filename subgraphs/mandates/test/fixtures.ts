/** Test fixtures: identities and stand-ins for the peers (organisations, agreements). */
import { GraphQLError } from 'graphql';
import { connectDatabase, databaseName, dayBefore, userError, type Database, type Identity } from '@osr/common';
import type { DemoData } from '../../../scripts/demo-data.js';
import { seedDemo } from '../../../scripts/seed-lib.js';
import { databaseUri, freshPrefix, withEnv } from '../../../test/support/system.js';
import { directAccess, type DirectAccess } from '../src/repositories/direct.js';
import type { AgreementsApi, ChangeFeedApi, OrganisationChangeNode, OrganisationsApi, SchoolBoards } from '../src/peers.js';

/**
 * The demo data seeded under a fresh prefix, with the mandates repository over it (indexes
 * ensured); with `readModel`, written and read with that read model whatever the test run's
 * (a test of what the read model keeps gives `memory`).
 */
export async function seededMandates(demo: DemoData, readModel?: 'memory' | 'database'): Promise<{ database: Database; repository: DirectAccess }> {
  const prefix = freshPrefix();
  await (readModel ? withEnv({ MANDATES_READ_MODEL: readModel }, () => seedDemo(databaseUri(), prefix, demo)) : seedDemo(databaseUri(), prefix, demo));
  const database = await connectDatabase(databaseUri(), databaseName(prefix, 'mandates'));
  const repository = directAccess(database.db, undefined, readModel);
  await repository.ensureIndexes();
  return { database, repository };
}

export function boardUser(board: string, rights: Identity['rights'] = ['OSR_TOEGANG']): Identity {
  return { sub: `u-${board}`, name: `Staff ${board}`, role: 'BOARD', board, rights, supplier: null };
}
export const support: Identity = { sub: 'u-support', name: 'Kennisnet Support', role: 'SUPPORT', board: null, rights: [], supplier: null };
export const analyst: Identity = { sub: 'u-analyst', name: 'Analyst', role: 'ANALYST', board: null, rights: [], supplier: null };
export function supplierUser(oin: string): Identity {
  return { sub: `s-${oin}`, name: `Supplier ${oin}`, role: 'SUPPLIER', board: null, rights: [], supplier: oin };
}

/** Organisations as the demo data has them; `moves` overrides a school's board from a date. */
export class FakeOrganisations implements OrganisationsApi {
  readonly moves: { brin: string; from: string; board: string }[] = [];
  /** `today`: the date whose board is the school's board now (the rules tests' clock). */
  constructor(private readonly demo: DemoData, private readonly today = '2026-11-28') {}
  async schoolOn(brin: string, date: string) {
    const school = this.demo.organisations.schools.find((s) => s.brin === brin);
    if (!school) return null;
    const move = this.moves.filter((m) => m.brin === brin && m.from <= date).at(-1);
    return { brin, boardOn: move?.board ?? school.boardNummer };
  }
  async schoolsOn(brins: readonly string[], date: string) {
    const found = new Map<string, { brin: string; boardOn: string | null }>();
    for (const brin of brins) {
      const school = await this.schoolOn(brin, date);
      if (school) found.set(brin, school);
    }
    return found;
  }
  /** The demo school's board, then one period per move; the board now is the one on `today`. */
  async schoolBoards(brins: readonly string[]) {
    const found = new Map<string, SchoolBoards>();
    for (const brin of brins) {
      const school = this.demo.organisations.schools.find((s) => s.brin === brin);
      if (!school) continue;
      const moves = this.moves.filter((m) => m.brin === brin).sort((a, b) => a.from.localeCompare(b.from));
      const periods = [{ board: school.boardNummer, from: school.startDate, until: null as string | null }];
      for (const move of moves) {
        periods[periods.length - 1]!.until = dayBefore(move.from);
        periods.push({ board: move.board, from: move.from, until: null });
      }
      const now = periods.filter((p) => p.from === null || p.from <= this.today).at(-1)!;
      found.set(brin, { brin, board: now.board, startDate: school.startDate, endDate: school.endDate, periods });
    }
    return found;
  }
  async schoolsOfBoard(nummer: string) {
    const all = await this.schoolBoards(this.demo.organisations.schools.map((s) => s.brin));
    return new Map([...all].filter(([, school]) => school.board === nummer));
  }
  async boardExists(nummer: string) {
    return this.demo.organisations.boards.some((b) => b.bevoegdGezagNummer === nummer);
  }
}

/** Agreement coverage: board|service pairs, or unavailable. */
export class FakeAgreements implements AgreementsApi {
  covered = new Set<string>(['41234|OSO_OV', '41234|OSO_SWV', '42001|OSO_OV']);
  unavailable = false;
  async covers(board: string, service: string) {
    if (this.unavailable) throw userError('UNAVAILABLE', 'The agreements service cannot be reached (TimeoutError)');
    return this.covered.has(`${board}|${service}`);
  }
}

export class FakeFeed implements ChangeFeedApi {
  changes: OrganisationChangeNode[] = [];
  requests = 0;
  async page(after: string | null, first: number) {
    this.requests++;
    const start = after === null ? 0 : Number(after);
    const nodes = this.changes.slice(start, start + first);
    const end = start + nodes.length;
    return { nodes, endCursor: nodes.length ? String(end) : after, hasNextPage: end < this.changes.length };
  }
}

/** The error a promise rejected with, as code and message. */
export async function failure(promise: Promise<unknown>): Promise<{ code: unknown; message: string }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof GraphQLError) return { code: err.extensions['code'], message: err.message };
    throw err;
  }
  throw new Error('expected the operation to fail, it succeeded');
}
