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
import { Webhook, WebhookDelivery, WebhookMutation, WebhookQuery } from './webhooks.js';

export const resolvers: Resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  Query: { ...Query, ...AnalyticsQuery, ...CatalogueQuery, ...WebhookQuery },
  Service,
  Supplier: { ...Supplier, ...SupplierHistory },
  CatalogueChange,
  System,
  Mandate,
  MandateHistoryEntry,
  MandateSnapshot,
  Mutation: { ...Mutation, ...CatalogueMutation, ...WebhookMutation },
  Aanleverpunt,
  School,
  Board,
  MandateCount,
  CoverageGroup,
  Webhook,
  WebhookDelivery,
};
