import { DateScalar, invalidInput } from '@osr/common';
import type { MutationResolvers, QueryResolvers, Resolvers, ServiceResolvers, SupportContactResolvers } from '../generated/resolvers.js';
import { dayAfter, inUseOn } from '../contacts.js';
import type { ServiceCode } from '../documents.js';

const Query: QueryResolvers = {
  supportContacts: async (_parent, { asOf, topic }, { loaders, today }) => {
    const contacts = await loaders.validOn(asOf ?? today);
    return topic ? contacts.filter((c) => c.topics.includes(topic)) : contacts;
  },
  supportContact: (_parent, { id }, { loaders }) => {
    if (id.length > 64) throw invalidInput('id', id, 'a contact id is at most 64 characters');
    return loaders.contact.load(id);
  },
  resolveContact: (_parent, { value, asOf }, { contacts, today }) => contacts.resolve(value, asOf ?? today),
};

const Mutation: MutationResolvers = {
  addSupportContact: (_parent, { input }, { contacts, identity, today }) => contacts.add(identity, input, today),
  retireSupportContact: (_parent, { id, lastDay, replacedById, expectedVersion }, { contacts, identity }) =>
    contacts.retire(identity, id, lastDay, replacedById, expectedVersion),
};

const SupportContact: SupportContactResolvers = {
  replacedBy: (contact, _args, { loaders }) =>
    contact.replacedById ? loaders.contact.load(contact.replacedById) : null,
  retiredSince: (contact) => (contact.validUntil ? dayAfter(contact.validUntil) : null),
  inUse: (contact, { asOf }, { today }) => inUseOn(contact, asOf ?? today),
  version: (contact) => contact.version ?? 1,
};

const Service: ServiceResolvers = {
  __resolveReference: (ref) => ({ code: ref.code }),
  support: async (service, { topic }, { loaders, today }) => {
    const contacts = await loaders.validOn(today);
    return contacts.filter((c) => (c.services.length === 0 || c.services.includes(service.code as ServiceCode)) && (!topic || c.topics.includes(topic)));
  },
};

export const resolvers: Resolvers = {
  Date: DateScalar,
  Query,
  Mutation,
  SupportContact,
  Service,
};
