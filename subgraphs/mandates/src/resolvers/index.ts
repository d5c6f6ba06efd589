import { DateScalar, DateTimeScalar } from '@osr/common';
import type { Resolvers } from '../generated/resolvers.js';
import { AnalyticsQuery, CoverageGroup, MandateCount } from './analytics.js';
import { Board } from './board.js';
import {
  MandateCheck,
  MandateCheckBoard,
  MandateCheckBoardField,
  MandateCheckDay,
  MandateCheckGroup,
  MandateCheckMutation,
  MandateCheckProgress,
  MandateCheckQuery,
  MandateYearCheck,
  MandateYearCheckField,
} from './mandate-check.js';
import { Aanleverpunt, Service, Supplier, System } from './catalogue.js';
import { Mandate, MandateHistoryEntry, MandateSnapshot } from './mandate.js';
import { Mutation } from './mutation.js';
import { Query } from './query.js';
import { School } from './school.js';
import { CatalogueChange, CatalogueMutation, CatalogueQuery, SupplierHistory } from './supplier-catalogue.js';
import { ServiceCatalogueMutation, ServiceHistory } from './service-catalogue.js';
import { Webhook, WebhookDelivery, WebhookMutation, WebhookQuery } from './webhooks.js';

export const resolvers: Resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  Query: { ...Query, ...AnalyticsQuery, ...CatalogueQuery, ...MandateCheckQuery, ...WebhookQuery },
  Service: { ...Service, ...ServiceHistory },
  Supplier: { ...Supplier, ...SupplierHistory },
  CatalogueChange,
  System,
  Mandate: { ...Mandate, ...MandateYearCheckField },
  MandateHistoryEntry,
  MandateSnapshot,
  Mutation: { ...Mutation, ...CatalogueMutation, ...ServiceCatalogueMutation, ...MandateCheckMutation, ...WebhookMutation },
  Aanleverpunt,
  School,
  Board: { ...Board, ...MandateCheckBoardField },
  MandateCount,
  CoverageGroup,
  MandateCheck,
  MandateYearCheck,
  MandateCheckProgress,
  MandateCheckGroup,
  MandateCheckBoard,
  MandateCheckDay,
  Webhook,
  WebhookDelivery,
};
