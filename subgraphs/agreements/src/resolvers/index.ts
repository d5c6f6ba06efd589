import { DateScalar, DateTimeScalar } from '@osr/common';
import type { Resolvers } from '../generated/resolvers.js';
import { Agreement, AgreementEvent } from './agreement.js';
import { AnalyticsQuery } from './analytics.js';
import { Board, ReviewItem } from './board.js';
import { Mutation } from './mutation.js';
import { Query } from './query.js';

export const resolvers: Resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  Query: { ...Query, ...AnalyticsQuery },
  Mutation,
  Agreement,
  AgreementEvent,
  Board,
  ReviewItem,
};
