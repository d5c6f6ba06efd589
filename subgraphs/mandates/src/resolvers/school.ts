import type { SchoolResolvers } from '../generated/resolvers.js';

export const School: SchoolResolvers = {
  // A school's mandate data exists whether or not it has any: the reference is the school.
  __resolveReference: (ref) => ({ brin: ref.brin }),
  aanleverpunten: (school, _args, { loaders }) => loaders.aanleverpuntenOfSchool.load(school.brin),
  mandates: async (school, { services, asOf }, { loaders, today }) => {
    const docs = await loaders.mandatesOfSchool(services ?? null).load(school.brin);
    const date = asOf ?? today;
    return docs.map((d) => ({ ...d, asOf: date }));
  },
};
