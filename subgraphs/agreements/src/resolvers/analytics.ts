import { agreementCounts, analyticsBoard, reviewItemCounts } from '../analytics.js';
import type { QueryResolvers } from '../generated/resolvers.js';

/** The aggregate queries (merged into Query in index.ts). */
export const AnalyticsQuery: Pick<QueryResolvers, 'agreementCounts' | 'reviewItemCounts'> = {
  agreementCounts: (_parent, { asOf }, { identity, repository, today }) =>
    agreementCounts(repository, analyticsBoard(identity, 'agreement figures'), asOf ?? today, new Date()),
  reviewItemCounts: (_parent, { asOf }, { identity, repository, today }) =>
    reviewItemCounts(repository, analyticsBoard(identity, 'review item figures'), asOf ?? today, new Date()),
};
