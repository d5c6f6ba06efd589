import { boardAccess } from '../access.js';
import type { BoardResolvers } from '../generated/resolvers.js';

export const Board: BoardResolvers = {
  __resolveReference: (ref) => ({ bevoegdGezagNummer: ref.bevoegdGezagNummer }),
  mandates: async (board, { services, asOf }, { loaders, today, identity }) => {
    boardAccess(identity, board.bevoegdGezagNummer);
    const docs = await loaders.mandatesOfBoard(services ?? null).load(board.bevoegdGezagNummer);
    const date = asOf ?? today;
    return docs.map((d) => ({ ...d, asOf: date }));
  },
};
