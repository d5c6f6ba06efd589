import type { Identity } from '@osr/common';
import type { Context } from '../context.js';
import type { SchoolRef } from '../documents.js';
import type { SchoolResolvers } from '../generated/resolvers.js';
import { schoolAccess } from '../access.js';

/**
 * Whether the caller's board held the school at some time up to today (asked only for another
 * board's staff): a period that begins later, a move registered for a later date, gives nothing yet.
 */
function heldBefore(identity: Identity, brin: string, { schoolBoards, today }: Context): () => Promise<boolean> {
  return async () => {
    const school = await schoolBoards.load(brin);
    return school !== null && school.periods.some((p) => p.board === identity.board && (p.from === null || p.from <= today));
  };
}

export const School: SchoolResolvers = {
  // A school's mandate data exists whether or not it has any: the reference is the school.
  // With @requires, the gateway adds the school's board to the representation.
  __resolveReference: (ref) => ({ brin: ref.brin, board: (ref as SchoolRef).board ?? null }),
  // The aanleverpunten belong to the school: its board now, readers of all, suppliers (their own).
  aanleverpunten: async (school, _args, { loaders, identity }) => {
    const access = await schoolAccess(identity, school.brin, school.board?.bevoegdGezagNummer, async () => false);
    const points = await loaders.aanleverpuntenOfSchool.load(school.brin);
    if (access === 'all') return points;
    const own = new Set((await loaders.systemsOfSupplier.load(identity.supplier!)).map((s) => s.id));
    return points.filter((p) => p.systemId !== null && own.has(p.systemId));
  },
  mandates: async (school, { services, asOf }, context) => {
    const { loaders, today, identity } = context;
    const access = await schoolAccess(identity, school.brin, school.board?.bevoegdGezagNummer, heldBefore(identity, school.brin, context));
    let docs = await loaders.mandatesOfSchool(services ?? null).load(school.brin);
    if (access === 'supplier') {
      const own = new Set((await loaders.systemsOfSupplier.load(identity.supplier!)).map((s) => s.id));
      docs = docs.filter((m) => own.has(m.systemId));
    } else if (access === 'given') {
      // a board that held the school before: the mandates it gave
      docs = docs.filter((m) => m.boardNummer === identity.board);
    }
    const date = asOf ?? today;
    return docs.map((d) => ({ ...d, asOf: date }));
  },
};
