import { decodeCursor, encodeCursor, invalidInput, pageSize, toConnection, userError, type Identity } from '@osr/common';
import type { QueryResolvers } from '../generated/resolvers.js';
import { rioSyncStatus } from './rio-sync.js';
import { checkBevoegdGezagNummer, checkBrin, checkSwvCode } from './validate.js';

const MAX_NAME_FILTER = 100;

/** The school directory is for other subgraphs (their SERVICE identity), not for users. */
function servicesOnly(identity: Identity): void {
  if (identity.role !== 'SERVICE') throw userError('FORBIDDEN', 'The school directory is for the OSR services only');
}

function checkNameContains(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (text.length === 0) throw invalidInput('filter.nameContains', value, 'must not be empty');
  if (text.length > MAX_NAME_FILTER) throw invalidInput('filter.nameContains', value, `must be at most ${MAX_NAME_FILTER} characters`);
  return text;
}

export const Query: QueryResolvers = {
  board: (_parent, { bevoegdGezagNummer }, { loaders }) =>
    loaders.board.load(checkBevoegdGezagNummer('bevoegdGezagNummer', bevoegdGezagNummer)),
  school: (_parent, { brin }, { loaders }) => loaders.school.load(checkBrin('brin', brin)),
  samenwerkingsverband: (_parent, { code }, { loaders }) =>
    loaders.swv.load(checkSwvCode('code', code)),

  boards: async (_parent, { filter, first, after }, { repository }) => {
    const size = pageSize(first);
    const cursor = decodeCursor(after, { b: 'string' });
    const boards = await repository.pageBoards(
      {
        sector: filter?.sector ?? null,
        swv: filter?.swv ? checkSwvCode('filter.swv', filter.swv) : null,
        nameContains: checkNameContains(filter?.nameContains),
      },
      size + 1,
      cursor ? String(cursor.b) : null,
    );
    return toConnection(boards, size, (b) => encodeCursor({ b: b.bevoegdGezagNummer }));
  },

  schools: async (_parent, { filter, first, after }, { repository }) => {
    const size = pageSize(first);
    const cursor = decodeCursor(after, { s: 'string' });
    const schools = await repository.pageSchools(
      {
        board: filter?.board ? checkBevoegdGezagNummer('filter.board', filter.board) : null,
        sector: filter?.sector ?? null,
        swv: filter?.swv ? checkSwvCode('filter.swv', filter.swv) : null,
        nameContains: checkNameContains(filter?.nameContains),
        activeOn: filter?.activeOn ?? null,
      },
      size + 1,
      cursor ? String(cursor.s) : null,
    );
    return toConnection(schools, size, (s) => encodeCursor({ s: s.brin }));
  },

  organisationChanges: async (_parent, { since, first, after }, { repository }) => {
    const size = pageSize(first);
    const cursor = decodeCursor(after, { q: 'number' });
    const changes = await repository.pageChanges(since ?? null, size + 1, cursor ? Number(cursor.q) : null);
    return toConnection(changes, size, (c) => encodeCursor({ q: c.sequence }));
  },

  rioSyncStatus,

  schoolDirectory: (_parent, _args, { identity, repository }) => {
    servicesOnly(identity);
    return repository.schoolDirectory();
  },

  schoolDirectoryVersion: (_parent, _args, { identity, repository }) => {
    servicesOnly(identity);
    return repository.directoryVersion();
  },
};
