import type { Db } from 'mongodb';
import type { Logger } from '@osr/common';
import { Repositories } from './repositories/index.js';
import { ServiceCatalogue } from './service-catalogue.js';

/**
 * Opens the mandates database for reading and writing: the repositories, their indexes, and
 * the reference services where missing. Everything that writes the store opens it here, so
 * an empty store takes a supplier catalogue and a migration at once.
 */
export async function openRepositories(db: Db, logger?: Logger): Promise<Repositories> {
  const repositories = new Repositories(db, logger);
  await repositories.ensureIndexes();
  await new ServiceCatalogue(repositories.catalogue).putInPlace();
  return repositories;
}
