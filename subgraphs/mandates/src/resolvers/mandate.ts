import { GraphQLError } from 'graphql';
import { userError } from '@osr/common';
import { canSeeHistory, canSeeMandate } from '../access.js';
import type { MandateHistoryEntryResolvers, MandateResolvers, MandateSnapshotResolvers } from '../generated/resolvers.js';
import { mandateStatus } from '../status.js';

export const Mandate: MandateResolvers = {
  __resolveReference: async (ref, { loaders, today, identity }) => {
    const mandate = await loaders.mandate.load(ref.id);
    if (!mandate) return null;
    const system = await loaders.system.load(mandate.systemId);
    if (!canSeeMandate(identity, mandate, system?.supplierOin ?? null)) throw userError('FORBIDDEN', `You may not see mandate ${ref.id}`);
    return { ...mandate, asOf: today };
  },
  service: async (mandate, _args, { loaders }) => {
    const service = await loaders.service.load(mandate.serviceCode);
    if (!service) throw new GraphQLError(`Service ${mandate.serviceCode} is missing from the catalogue`);
    return service;
  },
  system: async (mandate, _args, { loaders }) => {
    const system = await loaders.system.load(mandate.systemId);
    if (!system) throw new GraphQLError(`System ${mandate.systemId} of mandate ${mandate.id} is missing`);
    return system;
  },
  school: (mandate) => (mandate.brin === null ? null : { brin: mandate.brin }),
  board: (mandate) => ({ bevoegdGezagNummer: mandate.boardNummer }),
  status: (mandate) => mandateStatus(mandate, mandate.asOf),
  needsReview: (mandate) => mandate.reviewReasons.length > 0,
  history: async (mandate, _args, { loaders, identity }) => {
    if (!canSeeHistory(identity, mandate)) throw userError('FORBIDDEN', `You may not see the history of mandate ${mandate.id}`);
    const entries = await loaders.history.load(mandate.id);
    return entries.flatMap((entry) =>
      entry.changes
        .filter((c) => c.mandateId === mandate.id)
        .map((c) => ({ action: c.action, at: entry.at, by: entry.by, byRole: entry.byRole, before: c.before, after: c.after, note: c.note ?? null })),
    );
  },
};

export const MandateHistoryEntry: MandateHistoryEntryResolvers = {};

export const MandateSnapshot: MandateSnapshotResolvers = {
  service: (m) => m.serviceCode,
  bevoegdGezagNummer: (m) => m.boardNummer,
};
