import { DateScalar, DateTimeScalar, invalidInput } from '@osr/common';
import type { AgreementResolvers, BoardResolvers, QueryResolvers, Resolvers } from '../generated/resolvers.js';

const Query: QueryResolvers = {
  agreement: (_parent, { id }, { loaders }) => {
    if (id.length > 64) throw invalidInput('id', id, 'an agreement id is at most 64 characters');
    return loaders.agreement.load(id);
  },
};

const Agreement: AgreementResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.agreement.load(ref.id),
  board: (agreement) => ({ bevoegdGezagNummer: agreement.boardNummer }),
};

const Board: BoardResolvers = {
  __resolveReference: (ref) => ({ bevoegdGezagNummer: ref.bevoegdGezagNummer }),
  agreements: (board, _args, { loaders }) => loaders.agreementsOfBoard.load(board.bevoegdGezagNummer),
};

export const resolvers: Resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  Query,
  Agreement,
  Board,
};
