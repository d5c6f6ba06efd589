import type { Db } from 'mongodb';
import type { Logger } from '@osr/common';
import { MemoryReadModel, type MemoryReadModelOptions, type MemoryReads } from './read-model/index.js';
import { NO_WRITE_HOOK, Repositories } from './repositories/index.js';
import { ServiceCatalogue } from './service-catalogue.js';

/**
 * Where reads are answered: `database` (every read a query MongoDB answers by index) or
 * `memory` (the embedded database's read model, src/read-model/, which needs each mandate's
 * facts and the change journal kept by every writer).
 */
export type ReadModelKind = 'memory' | 'database';

/**
 * The read model to use: MANDATES_READ_MODEL when set, else `memory` on FerretDB (told by its
 * buildInfo) and `database` on MongoDB. Every process that writes the store uses the same, so
 * that the writers keep what the readers need.
 */
export async function readModelKind(db: Db, setting: string | undefined = process.env['MANDATES_READ_MODEL']): Promise<ReadModelKind> {
  if (setting === 'memory' || setting === 'database') return setting;
  if (setting) throw new Error(`MANDATES_READ_MODEL must be memory or database, not ${setting}`);
  const info = await db.admin().command({ buildInfo: 1 });
  return info['ferretdbVersion'] !== undefined ? 'memory' : 'database';
}

const readModels = new WeakMap<Repositories, MemoryReadModel>();

/**
 * The repositories as every writer of the store uses them with this read model: with `memory`
 * the read model hears of every write (read-model/writes.ts); with `database` a write costs
 * only what the domain needs.
 */
export function repositoriesFor(db: Db, logger: Logger | undefined, kind: ReadModelKind): Repositories {
  const repositories = new Repositories(db, logger);
  if (kind === 'memory') {
    const model = new MemoryReadModel(db, repositories.mandates, logger);
    repositories.useWriteHook(model.writes);
    readModels.set(repositories, model);
  } else repositories.useWriteHook(NO_WRITE_HOOK);
  return repositories;
}

/**
 * The repositories of a process that answers reads: with `memory` the read model answers
 * them in front of the database's (`maxSchools`: how many schools' lists it keeps; with 0 it
 * keeps none and reads each school when asked); with `database` they stay as they are.
 * Returns the read model's reads (null with `database`).
 */
export function answeringReads(repositories: Repositories, options: MemoryReadModelOptions = {}): MemoryReads | null {
  const model = readModelOf(repositories);
  if (!model) return null;
  const reads = model.reads(repositories.reads, repositories.mandates, options);
  repositories.reads = reads;
  return reads;
}

/** A memory read model over `db`, for tests and tools that look at what it keeps. */
export function memoryReadModel(db: Db, repositories: Repositories, logger?: Logger): MemoryReadModel {
  return readModelOf(repositories) ?? new MemoryReadModel(db, repositories.mandates, logger);
}

/** The memory read model the repositories were opened with (null with `database`). */
export function readModelOf(repositories: Repositories): MemoryReadModel | null {
  return readModels.get(repositories) ?? null;
}

/**
 * Opens the mandates database for reading and writing: the repositories, their indexes (and
 * the read model's), and the reference services where missing. Everything that writes the
 * store opens it here, so an empty store takes a supplier catalogue and a migration at once.
 */
export async function openRepositories(db: Db, logger?: Logger, readModel?: ReadModelKind): Promise<Repositories> {
  const kind = readModel ?? (await readModelKind(db));
  const repositories = repositoriesFor(db, logger, kind);
  await repositories.ensureIndexes();
  await readModelOf(repositories)?.ensureIndexes();
  await new ServiceCatalogue(repositories.catalogue).putInPlace();
  return repositories;
}
