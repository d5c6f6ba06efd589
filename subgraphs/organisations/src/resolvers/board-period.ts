import { GraphQLError } from 'graphql';
import type { BoardPeriodResolvers } from '../generated/resolvers.js';

export const BoardPeriod: BoardPeriodResolvers = {
  board: async (period, _args, { loaders }) => {
    const board = await loaders.board.load(period.boardNummer);
    if (!board) throw new GraphQLError(`Board ${period.boardNummer} of a board history is missing`);
    return board;
  },
};
