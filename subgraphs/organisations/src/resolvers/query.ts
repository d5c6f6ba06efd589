import type { QueryResolvers } from '../generated/resolvers.js';
import { checkBevoegdGezagNummer, checkBrin, checkSwvCode } from './validate.js';

export const Query: QueryResolvers = {
  board: (_parent, { bevoegdGezagNummer }, { loaders }) =>
    loaders.board.load(checkBevoegdGezagNummer('bevoegdGezagNummer', bevoegdGezagNummer)),
  school: (_parent, { brin }, { loaders }) => loaders.school.load(checkBrin('brin', brin)),
  samenwerkingsverband: (_parent, { code }, { loaders }) =>
    loaders.swv.load(checkSwvCode('code', code)),
};
