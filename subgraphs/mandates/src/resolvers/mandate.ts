import { GraphQLError } from 'graphql';
import type { MandateResolvers } from '../generated/resolvers.js';
import { mandateStatus } from '../status.js';

export const Mandate: MandateResolvers = {
  __resolveReference: async (ref, { loaders, today }) => {
    const mandate = await loaders.mandate.load(ref.id);
    return mandate ? { ...mandate, asOf: today } : null;
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
};
