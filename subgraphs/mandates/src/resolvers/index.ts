import { DateScalar, DateTimeScalar } from '@osr/common';
import type { Resolvers } from '../generated/resolvers.js';
import { AnalyticsQuery, CoverageGroup, MandateCount } from './analytics.js';
import { Board } from './board.js';
import { Aanleverpunt, Service, Supplier, System } from './catalogue.js';
import { Mandate, MandateHistoryEntry, MandateSnapshot } from './mandate.js';
import { Mutation } from './mutation.js';
import { Query } from './query.js';
import { School } from './school.js';

export const resolvers: Resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  Query: { ...Query, ...AnalyticsQuery },
  Service,
  Supplier,
  System,
  Mandate,
  MandateHistoryEntry,
  MandateSnapshot,
  Mutation,
  Aanleverpunt,
  School,
  Board,
  MandateCount,
  CoverageGroup,
};
