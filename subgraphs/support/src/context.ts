import type { SupportLoaders, SupportRepository } from './repository.js';

export interface Context {
  repository: SupportRepository;
  loaders: SupportLoaders;
  /** Today in the Netherlands (YYYY-MM-DD), fixed for the whole request. */
  today: string;
}
