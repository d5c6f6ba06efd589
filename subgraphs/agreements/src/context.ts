import type { AgreementsLoaders, AgreementsRepository } from './repository.js';

export interface Context {
  repository: AgreementsRepository;
  loaders: AgreementsLoaders;
}
