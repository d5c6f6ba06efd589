import { invalidInput, oinProblem } from '@osr/common';
import type { QueryResolvers } from '../generated/resolvers.js';

export const Query: QueryResolvers = {
  services: (_parent, _args, { repository }) => repository.findServices(),
  service: (_parent, { code }, { loaders }) => loaders.service.load(code),
  supplier: (_parent, { oin }, { loaders }) => {
    const problem = oinProblem(oin);
    if (problem) throw invalidInput('oin', oin, problem);
    return loaders.supplier.load(oin);
  },
  mandate: async (_parent, { id, asOf }, { loaders, today }) => {
    if (id.length > 64) throw invalidInput('id', id, 'a mandate id is at most 64 characters');
    const mandate = await loaders.mandate.load(id);
    return mandate ? { ...mandate, asOf: asOf ?? today } : null;
  },
};
