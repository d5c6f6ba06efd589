import type { SchoolRef } from '../documents.js';
import type { SchoolResolvers } from '../generated/resolvers.js';
import { schoolAccess } from '../access.js';

export const School: SchoolResolvers = {
  // A school's mandate data exists whether or not it has any: the reference is the school.
  // With @requires, the gateway adds the school's board to the representation.
  __resolveReference: (ref) => ({ brin: ref.brin, board: (ref as SchoolRef).board ?? null }),
  aanleverpunten: async (school, _args, { loaders, identity }) => {
    const access = schoolAccess(identity, school.brin, school.board?.bevoegdGezagNummer);
    const points = await loaders.aanleverpuntenOfSchool.load(school.brin);
    if (access === 'all') return points;
    const own = new Set((await loaders.systemsOfSupplier.load(identity.supplier!)).map((s) => s.id));
    return points.filter((p) => p.systemId !== null && own.has(p.systemId));
  },
  mandates: async (school, { services, asOf }, { loaders, today, identity }) => {
    const access = schoolAccess(identity, school.brin, school.board?.bevoegdGezagNummer);
    let docs = await loaders.mandatesOfSchool(services ?? null).load(school.brin);
    if (access === 'supplier') {
      const own = new Set((await loaders.systemsOfSupplier.load(identity.supplier!)).map((s) => s.id));
      docs = docs.filter((m) => own.has(m.systemId));
    }
    const date = asOf ?? today;
    return docs.map((d) => ({ ...d, asOf: date }));
  },
};
