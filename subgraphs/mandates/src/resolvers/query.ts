import { invalidInput, oinProblem, pageSize, toConnection, userError } from '@osr/common';
import { mandateById } from './mandate.js';
import type { QueryResolvers } from '../generated/resolvers.js';

export const Query: QueryResolvers = {
  services: (_parent, _args, { repositories }) => repositories.catalogue.findServices(),
  service: (_parent, { code }, { loaders }) => loaders.service.load(code),
  supplier: (_parent, { oin }, { loaders }) => {
    const problem = oinProblem(oin);
    if (problem) throw invalidInput('oin', oin, problem);
    return loaders.supplier.load(oin);
  },
  mandate: async (_parent, { id, asOf }, context) => {
    if (id.length > 64) throw invalidInput('id', id, 'a mandate id is at most 64 characters');
    const mandate = await mandateById(id, context);
    return mandate ? { ...mandate, asOf: asOf ?? context.today } : null;
  },
  supplierMandates: async (_parent, args, { identity, repositories, today }) => {
    let oin: string;
    if (identity.role === 'SUPPLIER') {
      if (args.supplier && args.supplier !== identity.supplier) {
        throw userError('FORBIDDEN', 'A supplier sees only the mandates of its own systems');
      }
      oin = identity.supplier!;
    } else if (identity.role === 'SUPPORT' || identity.role === 'ANALYST') {
      if (!args.supplier) throw invalidInput('supplier', null, 'support and analysts name the supplier (OIN)');
      oin = args.supplier;
    } else {
      throw userError('FORBIDDEN', 'supplierMandates is for supplier integrations, support and analysts');
    }
    const problem = oinProblem(oin);
    if (problem) throw invalidInput('supplier', oin, problem);
    const size = pageSize(args.first);
    const systems = await repositories.catalogue.findSystemsOfSuppliers([oin]);
    const { items, cursorOf } = await repositories.reads.findChangedMandates({
      systemIds: systems.map((s) => s.id),
      service: args.service ?? null,
      changedSince: args.changedSince ?? null,
      after: args.after ?? null,
      limit: size + 1,
    });
    const date = args.asOf ?? today;
    return toConnection(items.map((m) => ({ ...m, asOf: date })), size, cursorOf);
  },
};
