import type { MandatesLoaders, MandatesRepository } from './repository.js';

export interface Context {
  repository: MandatesRepository;
  loaders: MandatesLoaders;
  /** Today in the Netherlands (YYYY-MM-DD), fixed for the whole request. */
  today: string;
}
