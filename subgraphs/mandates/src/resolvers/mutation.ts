import { userError } from '@osr/common';
import type { MandateView } from '../documents.js';
import type { MutationResolvers } from '../generated/resolvers.js';

export const Mutation: MutationResolvers = {
  grantMandate: async (_p, { input, reason }, { service, identity, today }) => ({
    mandates: view(await service.grant(input, identity, reason), today),
  }),
  endMandate: async (_p, { input, reason }, { service, identity, today }) => ({
    mandates: view(await service.end(input, identity, reason), today),
  }),
  switchSystem: async (_p, { input, reason }, { service, identity, today }) => ({
    mandates: view(await service.switchSystem(input, identity, reason), today),
  }),
  markMandatesReviewed: async (_p, { ids }, { service, identity, today }) => ({
    mandates: view(await service.markReviewed(ids, identity), today),
  }),
  followOrganisationChanges: async (_p, _args, { follower, identity }) => {
    if (identity.role !== 'SUPPORT' && identity.role !== 'SERVICE') {
      throw userError('FORBIDDEN', 'Only support can make the mandates service read the organisation change feed');
    }
    return follower.follow();
  },
};

function view(mandates: Omit<MandateView, 'asOf'>[], asOf: string): MandateView[] {
  return mandates.map((m) => ({ ...m, asOf }));
}
