import { buildSubgraphServer, type SubgraphDeps, type SubgraphServer } from '@osr/common';
import { createContext } from './context.js';
import { OrganisationsRepository } from './repository.js';
import { resolvers } from './resolvers/index.js';

/** Builds the organisations subgraph (indexes ensured, Apollo started) without listening. */
export async function createOrganisationsServer(
  { database, logger, identitySecret }: SubgraphDeps,
): Promise<SubgraphServer & { repository: OrganisationsRepository }> {
  const repository = new OrganisationsRepository(database.db);
  await repository.ensureIndexes();
  const server = await buildSubgraphServer({
    name: 'organisations',
    typeDefsUrl: new URL('./schema.graphql', import.meta.url),
    resolvers,
    database,
    logger,
    identitySecret,
    context: async (identity) => createContext(repository, identity),
  });
  return { ...server, repository };
}
