import type { Identity } from '@osr/common';
import type { AgreementsLoaders, AgreementsRepository } from './repository.js';

export interface Context {
  /** Who is asking (verified by the gateway, signed). */
  identity: Identity;
  repository: AgreementsRepository;
  loaders: AgreementsLoaders;
}
