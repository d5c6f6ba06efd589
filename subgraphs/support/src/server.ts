import { buildSubgraphServer, type SubgraphDeps, todayInNetherlands, type SubgraphServer } from '@osr/common';
import { ContactsService } from './contacts.js';
import type { Context } from './context.js';
import { SupportRepository } from './repository.js';
import { resolvers } from './resolvers/index.js';

/** Builds the support subgraph (indexes ensured, Apollo started) without listening. */
export async function createSupportServer(
  { database, logger, identitySecret }: SubgraphDeps,
): Promise<SubgraphServer & { repository: SupportRepository }> {
  const repository = new SupportRepository(database.db);
  await repository.ensureIndexes();
  const contacts = new ContactsService(repository);
  const server = await buildSubgraphServer<Context>({
    name: 'support',
    typeDefsUrl: new URL('./schema.graphql', import.meta.url),
    resolvers,
    database,
    logger,
    identitySecret,
    context: async (identity) => ({ identity, repository, loaders: repository.createLoaders(), contacts, today: todayInNetherlands() }),
  });
  return { ...server, repository };
}
