import type { BoardResolvers, ReviewItemResolvers } from '../generated/resolvers.js';
import { requireReadBoard } from './access.js';

export const Board: BoardResolvers = {
  __resolveReference: (ref) => ({ bevoegdGezagNummer: ref.bevoegdGezagNummer }),
  agreements: async (board, _args, { loaders, identity }) => {
    requireReadBoard(identity, board.bevoegdGezagNummer, 'its agreements');
    return (await loaders.agreementsOfBoard.load(board.bevoegdGezagNummer)).filter((a) => !a.extensionOf);
  },
  reviewItems: async (board, { status }, { loaders, identity }) => {
    requireReadBoard(identity, board.bevoegdGezagNummer, 'its review items');
    const items = await loaders.reviewItemsOfBoard.load(board.bevoegdGezagNummer);
    return status ? items.filter((i) => i.status === status) : items;
  },
};

export const ReviewItem: ReviewItemResolvers = {
  board: (item) => ({ bevoegdGezagNummer: item.boardNummer }),
  schools: (item) => item.brins.map((brin) => ({ brin })),
  agreements: async (item, _args, { loaders }) => {
    const found = await Promise.all(item.agreementIds.map((id) => loaders.agreement.load(id)));
    return found.filter((a) => a !== null);
  },
};
