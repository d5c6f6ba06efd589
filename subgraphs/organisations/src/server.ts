import { buildSubgraphServer, type SubgraphDeps, type SubgraphServer } from '@osr/common';
import { createContext } from './context.js';
import { OrganisationsRepository } from './repository.js';
import { resolvers } from './resolvers/index.js';
import { RioSyncRepository } from './rio/sync-repository.js';
import { RioSyncService, type RioSyncConfig } from './rio/sync.js';

export interface OrganisationsOptions {
  /** The RIO API to sync from; without it there is no sync (status says so). */
  rioSync?: RioSyncConfig | null;
  /** Minutes between scheduled syncs; 0 or absent: only on demand. */
  rioSyncIntervalMinutes?: number;
  /** When the schedule is checked (default: 5 s after start, then every minute); tests shorten it. */
  rioSyncScheduleTiming?: { firstCheckMs?: number; checkEveryMs?: number };
}

/** Builds the organisations subgraph (indexes ensured, Apollo started) without listening. */
export async function createOrganisationsServer(
  { database, logger, identitySecret }: SubgraphDeps,
  options: OrganisationsOptions = {},
): Promise<SubgraphServer & { repository: OrganisationsRepository; rioSync: RioSyncService }> {
  const repository = new OrganisationsRepository(database.db);
  await repository.ensureIndexes();
  const syncs = new RioSyncRepository(database.db);
  await syncs.ensureIndexes();
  const rioSync = new RioSyncService(repository, syncs, options.rioSync ?? null, options.rioSyncIntervalMinutes ?? 0, logger, options.rioSyncScheduleTiming);
  const server = await buildSubgraphServer({
    name: 'organisations',
    typeDefsUrl: new URL('./schema.graphql', import.meta.url),
    resolvers,
    database,
    logger,
    identitySecret,
    context: async (identity) => createContext(repository, identity, rioSync),
  });
  rioSync.start();
  return {
    ...server,
    repository,
    rioSync,
    async stop() {
      await rioSync.stop();
      await server.stop();
    },
  };
}
