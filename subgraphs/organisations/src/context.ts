import type { OrganisationsLoaders, OrganisationsRepository } from './repository.js';

export interface Context {
  repository: OrganisationsRepository;
  loaders: OrganisationsLoaders;
}

export function createContext(repository: OrganisationsRepository): Context {
  return { repository, loaders: repository.createLoaders() };
}
