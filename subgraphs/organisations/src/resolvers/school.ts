import { GraphQLError } from 'graphql';
import { schoolOin, todayInNetherlands } from '@osr/common';
import type { BoardPeriodDocument, SchoolDocument } from '../documents.js';
import type { SchoolResolvers } from '../generated/resolvers.js';
import { boardHistoryOf, holderOn } from '../rio/plan.js';

/** The board period holding `date`, or null when the school did not exist or was unknown then. */
export function boardPeriodOn(school: SchoolDocument, date: string): BoardPeriodDocument | null {
  if (school.startDate && date < school.startDate) return null;
  if (school.endDate && date > school.endDate) return null;
  return boardHistoryOf(school).find((p) => (p.from === null || p.from <= date) && (p.until === null || date <= p.until)) ?? null;
}

export const School: SchoolResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.school.load(ref.brin),
  oin: (school) => schoolOin(school.brin),
  // The board holding the school today: a move registered for a later date takes effect on that date.
  board: async (school, _args, { loaders }) => {
    const holder = holderOn(school, todayInNetherlands());
    const board = await loaders.board.load(holder);
    // The import never stores a school whose board is unknown; this is a broken store.
    if (!board) throw new GraphQLError(`Board ${holder} of school ${school.brin} is missing`);
    return board;
  },
  boardOn: (school, { date }, { loaders }) => {
    const period = boardPeriodOn(school, date);
    return period ? loaders.board.load(period.boardNummer) : null;
  },
  boardHistory: (school) => boardHistoryOf(school),
  samenwerkingsverbanden: async (school, _args, { loaders }) => {
    const swvs = await loaders.swv.loadMany(school.swvCodes);
    return swvs.filter((s): s is Exclude<typeof s, Error | null> => s !== null && !(s instanceof Error));
  },
};
