import { DateScalar } from '@osr/common';
import type { QueryResolvers, Resolvers, ServiceResolvers, SupportContactResolvers } from '../generated/resolvers.js';

const Query: QueryResolvers = {
  supportContacts: (_parent, { asOf }, { loaders, today }) => loaders.validOn(asOf ?? today),
};

const SupportContact: SupportContactResolvers = {
  replacedBy: (contact, _args, { loaders }) =>
    contact.replacedById ? loaders.contact.load(contact.replacedById) : null,
};

const Service: ServiceResolvers = {
  __resolveReference: (ref) => ({ code: ref.code }),
  support: async (service, _args, { loaders, today }) => {
    const contacts = await loaders.validOn(today);
    return contacts.filter((c) => c.services.length === 0 || c.services.includes(service.code));
  },
};

export const resolvers: Resolvers = {
  Date: DateScalar,
  Query,
  SupportContact,
  Service,
};
