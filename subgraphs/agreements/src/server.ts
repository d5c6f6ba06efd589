import { buildSubgraphServer, type SubgraphDeps, type SubgraphServer } from '@osr/common';
import type { Context } from './context.js';
import { AgreementsRepository } from './repository.js';
import { resolvers } from './resolvers/index.js';

/** Builds the agreements subgraph (indexes ensured, Apollo started) without listening. */
export async function createAgreementsServer(
  { database, logger, identitySecret }: SubgraphDeps,
): Promise<SubgraphServer & { repository: AgreementsRepository }> {
  const repository = new AgreementsRepository(database.db);
  await repository.ensureIndexes();
  const server = await buildSubgraphServer<Context>({
    name: 'agreements',
    typeDefsUrl: new URL('./schema.graphql', import.meta.url),
    resolvers,
    database,
    logger,
    identitySecret,
    context: async (identity) => ({ identity, repository, loaders: repository.createLoaders() }),
  });
  return { ...server, repository };
}
