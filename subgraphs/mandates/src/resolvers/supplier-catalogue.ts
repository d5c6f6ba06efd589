/**
 * The supplier catalogue's queries and mutations (catalogue.ts holds the rules). Mutations
 * are for support only: anyone else is refused before anything is looked up.
 */
import { toConnection, userError } from '@osr/common';
import { canSeeCatalogueHistory, requireCatalogueManager, SupplierCatalogue } from '../catalogue.js';
import type { Context } from '../context.js';
import { actorOf } from '../mandate-service.js';
import type { CatalogueChangeResolvers, MutationResolvers, QueryResolvers, SupplierResolvers } from '../generated/resolvers.js';

function catalogueOf(context: Context): SupplierCatalogue {
  return new SupplierCatalogue(context.repositories);
}

/** The catalogue for support: anyone else is refused before anything is looked up. */
function managed(context: Context): SupplierCatalogue {
  requireCatalogueManager(context.identity);
  return catalogueOf(context);
}

export const CatalogueQuery: Pick<QueryResolvers, 'suppliers'> = {
  suppliers: async (_parent, { first, after }, context) => {
    const { items, size, cursorOf } = await catalogueOf(context).page(first, after);
    return toConnection(items, size, cursorOf);
  },
};

export const CatalogueMutation: Pick<MutationResolvers, 'registerSupplier' | 'renameSupplier' | 'addSystem' | 'changeSystemServices' | 'retireSystem'> = {
  registerSupplier: async (_p, { input }, context) => managed(context).registerSupplier(input, actorOf(context.identity)),
  renameSupplier: async (_p, { input }, context) => managed(context).renameSupplier(input, actorOf(context.identity)),
  addSystem: async (_p, { input }, context) => managed(context).addSystem(input, actorOf(context.identity)),
  changeSystemServices: async (_p, { input }, context) => managed(context).changeSystemServices(input, actorOf(context.identity), context.today),
  retireSystem: async (_p, { input }, context) => {
    const { system, flagged } = await managed(context).retireSystem(input, actorOf(context.identity));
    return { system, flaggedMandates: flagged.map((m) => ({ ...m, asOf: context.today })) };
  },
};

export const SupplierHistory: Pick<SupplierResolvers, 'history'> = {
  history: async (supplier, _args, context) => {
    if (!canSeeCatalogueHistory(context.identity, supplier.oin)) {
      throw userError('FORBIDDEN', `You may not see the catalogue history of supplier ${supplier.oin}`);
    }
    return catalogueOf(context).historyOf(supplier.oin);
  },
};

export const CatalogueChange: CatalogueChangeResolvers = {
  system: (change, _args, { loaders }) => (change.systemId ? loaders.system.load(change.systemId) : null),
};
