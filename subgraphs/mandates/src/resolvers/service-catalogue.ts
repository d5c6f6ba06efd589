/**
 * The service catalogue's mutations and its history (service-catalogue.ts holds the rules).
 * Mutations are for support only: anyone else is refused before anything is looked up.
 */
import { userError } from '@osr/common';
import { canSeeServiceHistory, requireServiceManager, ServiceCatalogue } from '../service-catalogue.js';
import type { Context } from '../context.js';
import { actorOf } from '../mandate-service.js';
import type { MutationResolvers, ServiceResolvers } from '../generated/resolvers.js';

function catalogueOf(context: Context): ServiceCatalogue {
  return new ServiceCatalogue(context.repositories.catalogue);
}

function managed(context: Context): ServiceCatalogue {
  requireServiceManager(context.identity);
  return catalogueOf(context);
}

export const ServiceCatalogueMutation: Pick<MutationResolvers, 'registerService' | 'changeService' | 'retireService'> = {
  registerService: async (_p, { input }, context) => managed(context).registerService(input, actorOf(context.identity)),
  changeService: async (_p, { input }, context) => managed(context).changeService(input, actorOf(context.identity)),
  retireService: async (_p, { input }, context) => managed(context).retireService(input, actorOf(context.identity)),
};

export const ServiceHistory: Pick<ServiceResolvers, 'history' | 'lastDay'> = {
  lastDay: (service) => service.lastDay ?? null,
  history: async (service, _args, context) => {
    if (!canSeeServiceHistory(context.identity)) throw userError('FORBIDDEN', 'Only support and analysts see the service catalogue history');
    return catalogueOf(context).historyOf(service.code);
  },
};
