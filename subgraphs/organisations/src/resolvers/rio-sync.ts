import { userError } from '@osr/common';
import type { MutationResolvers, QueryResolvers } from '../generated/resolvers.js';
import { RioSyncBusyError } from '../rio/sync.js';

/** Sync status is operational detail: support and analysts only. */
export const rioSyncStatus: QueryResolvers['rioSyncStatus'] = (_parent, _args, { identity, rioSync }) => {
  if (identity.role !== 'SUPPORT' && identity.role !== 'ANALYST') {
    throw userError('FORBIDDEN', 'The RIO sync status is for support staff and analysts');
  }
  return rioSync.status();
};

export const Mutation: MutationResolvers = {
  startRioSync: async (_parent, _args, { identity, rioSync }) => {
    if (identity.role !== 'SUPPORT') throw userError('FORBIDDEN', 'Only support staff can start a RIO sync');
    if (!rioSync.configured) throw userError('UNAVAILABLE', 'This service has no RIO API to sync from (RIO_API_URL is not set)');
    try {
      return await rioSync.trigger('SUPPORT');
    } catch (err) {
      if (err instanceof RioSyncBusyError) throw userError('CONFLICT', err.message);
      throw err;
    }
  },
};
