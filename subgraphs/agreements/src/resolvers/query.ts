import { bevoegdGezagNummerProblem, decodeCursor, encodeCursor, invalidInput, pageSize, toConnection, userError } from '@osr/common';
import type { QueryResolvers } from '../generated/resolvers.js';
import { agreementById, requireReadBoard } from './access.js';

export const Query: QueryResolvers = {
  agreement: async (_parent, { id }, { loaders, identity }) => {
    if (id.length > 64) throw invalidInput('id', id, 'an agreement id is at most 64 characters');
    return agreementById(identity, id, (key) => loaders.agreement.load(key));
  },

  agreements: async (_parent, { filter, first, after }, { repository, identity }) => {
    const board = filter?.bevoegdGezagNummer ?? null;
    if (board !== null) {
      const problem = bevoegdGezagNummerProblem(board);
      if (problem) throw invalidInput('filter.bevoegdGezagNummer', board, problem);
    }
    const wide = identity.role === 'SUPPORT' || identity.role === 'ANALYST' || identity.role === 'SERVICE';
    if (!wide) {
      if (board === null) {
        throw userError('FORBIDDEN', 'Only support, analysts and services may list agreements of all boards; a board lists its own with filter.bevoegdGezagNummer');
      }
      requireReadBoard(identity, board, 'its agreements');
    }
    const size = pageSize(first);
    const cursor = decodeCursor(after, { id: 'string' });
    const items = await repository.queryAgreements(
      {
        boardNummer: board,
        type: filter?.type ?? null,
        status: filter?.status ?? null,
        service: filter?.service ?? null,
        imported: filter?.imported ?? null,
        afterId: cursor ? String(cursor.id) : null,
      },
      size + 1,
    );
    return toConnection(items, size, (a) => encodeCursor({ id: a.id }));
  },

  agreementCoverage: (_parent, { bevoegdGezagNummer, service, date }, { agreements, identity }) =>
    agreements.coverage(identity, bevoegdGezagNummer, service, date),
};
