import { invalidInput, pageSize } from '@osr/common';
import { MAX_SERIES_MONTHS, analyticsScope, seriesDays } from '../analytics.js';
import type { CoverageGroupResolvers, MandateCountResolvers, QueryResolvers } from '../generated/resolvers.js';

/** The aggregate queries (merged into Query in index.ts). */
export const AnalyticsQuery: Pick<QueryResolvers, 'mandateCounts' | 'mandateCountSeries' | 'mandateCoverage'> = {
  mandateCounts: (_parent, { asOf, services, groupBy }, { identity, analytics, today }) => {
    const scope = analyticsScope(identity, 'mandate counts');
    if (groupBy.length > 7) throw invalidInput('groupBy', groupBy, 'names each dimension at most once');
    return analytics.counts(scope, asOf ?? today, services ?? null, groupBy);
  },
  mandateCountSeries: (_parent, { from, to, services }, { identity, analytics }) => {
    const scope = analyticsScope(identity, 'mandate counts');
    if (from > to) throw invalidInput('to', to, `must not be before from (${from})`);
    if (seriesDays(from, to).length > MAX_SERIES_MONTHS) throw invalidInput('to', to, `a series spans at most ${MAX_SERIES_MONTHS} months`);
    return analytics.series(scope, from, to, services ?? null);
  },
  mandateCoverage: (_parent, { service, asOf, groupBy }, { identity, analytics, today }) => {
    const scope = analyticsScope(identity, 'coverage figures');
    return analytics.coverage(scope, service, asOf ?? today, groupBy ?? null);
  },
};

export const MandateCount: MandateCountResolvers = {
  system: (row, _args, { loaders }) => (row.system ? loaders.system.load(row.system) : null),
  supplier: (row, _args, { loaders }) => (row.supplier ? loaders.supplier.load(row.supplier) : null),
  board: (row) => (row.board ? { bevoegdGezagNummer: row.board } : null),
};

export const CoverageGroup: CoverageGroupResolvers = {
  board: (group) => (group.board ? { bevoegdGezagNummer: group.board } : null),
  samenwerkingsverband: (group) => (group.swv ? { code: group.swv } : null),
  uncoveredSchools: (group, { first }) => group.uncoveredBrins.slice(0, first === null || first === undefined ? 20 : pageSize(first)).map((brin) => ({ brin })),
};
