import type { Identity } from '@osr/common';
import type { OrganisationsLoaders, OrganisationsRepository } from './repository.js';

export interface Context {
  /** Who is asking (verified by the gateway, signed). */
  identity: Identity;
  repository: OrganisationsRepository;
  loaders: OrganisationsLoaders;
}

export function createContext(repository: OrganisationsRepository, identity: Identity): Context {
  return { identity, repository, loaders: repository.createLoaders() };
}
