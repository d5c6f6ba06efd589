import { GraphQLError } from 'graphql';
import { schoolOin } from '@osr/common';
import type { SchoolResolvers } from '../generated/resolvers.js';

export const School: SchoolResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.school.load(ref.brin),
  oin: (school) => schoolOin(school.brin),
  board: async (school, _args, { loaders }) => {
    const board = await loaders.board.load(school.boardNummer);
    // The import never stores a school whose board is unknown; this is a broken store.
    if (!board) throw new GraphQLError(`Board ${school.boardNummer} of school ${school.brin} is missing`);
    return board;
  },
  samenwerkingsverbanden: async (school, _args, { loaders }) => {
    const swvs = await loaders.swv.loadMany(school.swvCodes);
    return swvs.filter((s): s is Exclude<typeof s, Error | null> => s !== null && !(s instanceof Error));
  },
};
