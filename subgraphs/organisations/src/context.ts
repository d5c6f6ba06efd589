import type { Identity } from '@osr/common';
import type { OrganisationsLoaders, OrganisationsRepository } from './repository.js';
import type { RioSyncService } from './rio/sync.js';

export interface Context {
  /** Who is asking (verified by the gateway, signed). */
  identity: Identity;
  repository: OrganisationsRepository;
  loaders: OrganisationsLoaders;
  /** The RIO API sync of this service (status, start on demand). */
  rioSync: RioSyncService;
}

export function createContext(repository: OrganisationsRepository, identity: Identity, rioSync: RioSyncService): Context {
  return { identity, repository, loaders: repository.createLoaders(), rioSync };
}
