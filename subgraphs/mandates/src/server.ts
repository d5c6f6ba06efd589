import { buildSubgraphServer, type SubgraphDeps, todayInNetherlands, type SubgraphServer } from '@osr/common';
import type { Context } from './context.js';
import { MandatesRepository } from './repository.js';
import { resolvers } from './resolvers/index.js';

/** Builds the mandates subgraph (indexes ensured, Apollo started) without listening. */
export async function createMandatesServer(
  { database, logger, identitySecret }: SubgraphDeps,
): Promise<SubgraphServer & { repository: MandatesRepository }> {
  const repository = new MandatesRepository(database.db);
  await repository.ensureIndexes();
  const server = await buildSubgraphServer<Context>({
    name: 'mandates',
    typeDefsUrl: new URL('./schema.graphql', import.meta.url),
    resolvers,
    database,
    logger,
    identitySecret,
    context: async (identity) => ({ identity, repository, loaders: repository.createLoaders(), today: todayInNetherlands() }),
  });
  return { ...server, repository };
}
