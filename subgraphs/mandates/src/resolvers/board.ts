import type { BoardResolvers } from '../generated/resolvers.js';

export const Board: BoardResolvers = {
  __resolveReference: (ref) => ({ bevoegdGezagNummer: ref.bevoegdGezagNummer }),
};
