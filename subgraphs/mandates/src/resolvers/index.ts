import { DateScalar, DateTimeScalar } from '@osr/common';
import type { Resolvers } from '../generated/resolvers.js';
import { AnalyticsQuery, CoverageGroup, MandateCount } from './analytics.js';
import { Board } from './board.js';
import { Aanleverpunt, Service, Supplier, System } from './catalogue.js';
import { Mandate, MandateHistoryEntry, MandateSnapshot } from './mandate.js';
import { Mutation } from './mutation.js';
import { Query } from './query.js';
import { School } from './school.js';
import { CatalogueChange, CatalogueMutation, CatalogueQuery, SupplierHistory } from './supplier-catalogue.js';

export const resolvers: Resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  Query: { ...Query, ...AnalyticsQuery, ...CatalogueQuery },
  Service,
  Supplier: { ...Supplier, ...SupplierHistory },
  CatalogueChange,
  System,
  Mandate,
  MandateHistoryEntry,
  MandateSnapshot,
  Mutation: { ...Mutation, ...CatalogueMutation },
  Aanleverpunt,
  School,
  Board,
  MandateCount,
  CoverageGroup,
};
