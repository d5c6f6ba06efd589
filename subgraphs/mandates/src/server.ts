import { buildSubgraphServer, createPeerClient, todayInNetherlands, type SubgraphDeps, type SubgraphServer } from '@osr/common';
import { MandateAnalytics } from './analytics.js';
import type { Context } from './context.js';
import { FeedFollower } from './feed-follower.js';
import { MandateService } from './mandate-service.js';
import { agreementsApi, changeFeedApi, organisationsApi } from './peers.js';
import { MandatesRepository } from './repository.js';
import { resolvers } from './resolvers/index.js';
import { organisationsSchoolDirectory } from './school-directory.js';

export interface MandatesOptions {
  /** Follow the organisations change feed every this many seconds; 0 = only on demand. */
  feedPollSeconds?: number;
}

/** Builds the mandates subgraph (indexes ensured, Apollo started) without listening. */
export async function createMandatesServer(
  { database, logger, identitySecret, peers }: SubgraphDeps,
  options: MandatesOptions = {},
): Promise<SubgraphServer & { repository: MandatesRepository; follower: FeedFollower }> {
  const repository = new MandatesRepository(database.db, logger);
  await repository.ensureIndexes();
  const client = (name: 'organisations' | 'agreements') =>
    peers[name] ? createPeerClient({ name, url: peers[name], caller: 'mandates', identitySecret }) : null;
  const organisations = client('organisations');
  const service = new MandateService(repository, repository.store, organisationsApi(organisations), agreementsApi(client('agreements')), todayInNetherlands);
  const follower = new FeedFollower(changeFeedApi(organisations), repository.cursors, repository.mandates, repository.store, logger);
  // The school list for the aggregates pages the whole register: a page may take seconds on
  // a busy embedded database, so this client waits longer than the per-request peers.
  const directoryClient = peers.organisations
    ? createPeerClient({ name: 'organisations', url: peers.organisations, caller: 'mandates', identitySecret, timeoutMs: 30_000 })
    : null;
  const analytics = new MandateAnalytics(repository.mandates, repository.aanleverpunten, repository.systems, organisationsSchoolDirectory(directoryClient));

  const server = await buildSubgraphServer<Context>({
    name: 'mandates',
    typeDefsUrl: new URL('./schema.graphql', import.meta.url),
    resolvers,
    database,
    logger,
    identitySecret,
    context: async (identity) => ({
      identity,
      repository,
      loaders: repository.createLoaders(),
      today: todayInNetherlands(),
      service,
      follower,
      analytics,
    }),
  });

  let timer: NodeJS.Timeout | null = null;
  if (options.feedPollSeconds && options.feedPollSeconds > 0) {
    timer = setInterval(() => {
      follower.follow().catch((err: unknown) => logger.warn({ err }, 'following the organisation change feed failed; will retry'));
    }, options.feedPollSeconds * 1000);
    timer.unref();
  }
  return {
    ...server,
    repository,
    follower,
    async stop() {
      if (timer) clearInterval(timer);
      await server.stop();
    },
  };
}
