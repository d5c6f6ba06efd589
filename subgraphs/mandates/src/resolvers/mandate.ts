import { GraphQLError } from 'graphql';
import { userError } from '@osr/common';
import { boardStaff, inOwnPeriod, mandateAccess, mandateNotVisible, readsAll, readsSomeMandates, seesMandate, staffSeesMandate, type MandateAccess } from '../access.js';
import type { Context } from '../context.js';
import type { MandateDocument } from '../documents.js';
import type { MandateHistoryEntryResolvers, MandateResolvers, MandateSnapshotResolvers } from '../generated/resolvers.js';
import { mandateStatus } from '../status.js';

function lookups({ loaders, schoolBoards }: Context) {
  return {
    supplierOfSystem: async (id: string) => (await loaders.system.load(id))?.supplierOin ?? null,
    schoolBoards: (brin: string) => schoolBoards.load(brin),
  };
}

/** How the caller may see this mandate (the system's supplier and the school's boards asked only when needed). */
export function accessTo(mandate: MandateDocument, context: Context): Promise<MandateAccess> {
  return mandateAccess(context.identity, mandate, lookups(context));
}

/**
 * A mandate by id as the caller may see it. Callers who see no mandates at all are refused
 * before anything is read; for the others a mandate that does not exist and one they may not
 * see get the same answer. Only readers of everything get null for a missing id.
 */
export async function mandateById(id: string, context: Context): Promise<MandateDocument | null> {
  const { identity, loaders } = context;
  if (!readsSomeMandates(identity)) {
    const why = identity.role === 'BOARD' ? 'your account lacks the right OSR_TOEGANG' : 'only board staff with OSR_TOEGANG, suppliers, support and analysts see mandates';
    throw userError('FORBIDDEN', `You may not see mandates: ${why}`);
  }
  // Board staff and suppliers: what decides access is looked up by the caller, beside the
  // lookup by id, so that a missing id and another's mandate cost the same work.
  if (boardStaff(identity)) {
    const [mandate, schoolsNow] = await Promise.all([loaders.mandate.load(id), context.schoolsOfBoard.load(identity.board)]);
    return mandate && staffSeesMandate(identity, mandate, schoolsNow) ? mandate : mandateNotVisible(id);
  }
  if (identity.role === 'SUPPLIER') {
    const [mandate, systems] = await Promise.all([loaders.mandate.load(id), loaders.systemsOfSupplier.load(identity.supplier ?? '')]);
    return mandate && systems.some((s) => s.id === mandate.systemId) ? mandate : mandateNotVisible(id);
  }
  const mandate = await loaders.mandate.load(id);
  if (!mandate) return readsAll(identity) ? null : mandateNotVisible(id);
  if (!(await seesMandate(identity, mandate, lookups(context)))) mandateNotVisible(id);
  return mandate;
}

export const Mandate: MandateResolvers = {
  __resolveReference: async (ref, context) => {
    const mandate = await mandateById(ref.id, context);
    return mandate ? { ...mandate, asOf: context.today } : null;
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
  // Who reviewed is a person's name: the same rule as the history.
  lastReviewedBy: async (mandate, _args, context) => {
    const access = await accessTo(mandate, context);
    if (access !== 'all' && access !== 'given') throw userError('FORBIDDEN', `You may not see who reviewed mandate ${mandate.id}`);
    if (mandate.lastReviewedBy === null || mandate.lastReviewedAt === null) return null;
    if (access === 'given') {
      const school = mandate.brin === null ? null : await context.schoolBoards.load(mandate.brin);
      if (!inOwnPeriod(context.identity, school, mandate.lastReviewedAt)) return null;
    }
    return mandate.lastReviewedBy;
  },
  history: async (mandate, _args, context) => {
    const access = await accessTo(mandate, context);
    if (access !== 'all' && access !== 'given') throw userError('FORBIDDEN', `You may not see the history of mandate ${mandate.id}`);
    // A board that gave the mandate and no longer holds the school sees the changes made while it held it.
    const school = access === 'given' && mandate.brin !== null ? await context.schoolBoards.load(mandate.brin) : null;
    const entries = await context.loaders.history.load(mandate.id);
    return entries
      .filter((entry) => access === 'all' || inOwnPeriod(context.identity, school, entry.at))
      .flatMap((entry) =>
        entry.changes
          .filter((c) => c.mandateId === mandate.id)
          .map((c) => ({
            action: c.action,
            at: entry.at,
            by: entry.by,
            byRole: entry.byRole,
            correction: entry.correction ?? false,
            reason: entry.reason ?? null,
            note: c.note ?? null,
            schoolYear: c.schoolYear ?? null,
            before: c.before,
            after: c.after,
          })),
      );
  },
};

export const MandateHistoryEntry: MandateHistoryEntryResolvers = {};

export const MandateSnapshot: MandateSnapshotResolvers = {
  service: (m) => m.serviceCode,
  bevoegdGezagNummer: (m) => m.boardNummer,
};
