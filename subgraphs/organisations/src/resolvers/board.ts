import type { BoardResolvers } from '../generated/resolvers.js';

export const Board: BoardResolvers = {
  __resolveReference: (ref, { loaders }) =>
    loaders.board.load(ref.bevoegdGezagNummer),
  schools: (board, _args, { loaders }) => loaders.schoolsOfBoard.load(board.bevoegdGezagNummer),
};
