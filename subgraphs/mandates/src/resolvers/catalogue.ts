import { GraphQLError } from 'graphql';
import type {
  AanleverpuntResolvers,
  ServiceResolvers,
  SupplierResolvers,
  SystemResolvers,
} from '../generated/resolvers.js';

export const Service: ServiceResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.service.load(ref.code),
};

export const Supplier: SupplierResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.supplier.load(ref.oin),
  systems: (supplier, _args, { loaders }) => loaders.systemsOfSupplier.load(supplier.oin),
};

export const System: SystemResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.system.load(ref.id),
  supplier: async (system, _args, { loaders }) => {
    const supplier = await loaders.supplier.load(system.supplierOin);
    if (!supplier) throw new GraphQLError(`Supplier ${system.supplierOin} of system ${system.id} is missing`);
    return supplier;
  },
  services: async (system, _args, { loaders }) => {
    const services = await loaders.service.loadMany(system.services);
    return services.filter((s): s is Exclude<typeof s, Error | null> => s !== null && !(s instanceof Error));
  },
};

export const Aanleverpunt: AanleverpuntResolvers = {
  system: (point, _args, { loaders }) => (point.systemId ? loaders.system.load(point.systemId) : null),
  mandate: async (point, _args, { loaders, today }) => {
    if (!point.mandateId) return null;
    const mandate = await loaders.mandate.load(point.mandateId);
    return mandate ? { ...mandate, asOf: today } : null;
  },
};
