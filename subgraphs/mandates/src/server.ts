import { buildSubgraphServer, createPeerClient, todayInNetherlands, type Route, type SubgraphDeps, type SubgraphServer } from '@osr/common';
import { MandateAnalytics } from './analytics.js';
import type { Context } from './context.js';
import { FeedFollower } from './feed-follower.js';
import { MandateCheck } from './mandate-check.js';
import { MandateService } from './mandate-service.js';
import { agreementsApi, changeFeedApi, organisationsApi, schoolLoaders } from './peers.js';
import { startJobs } from './jobs.js';
import { createLoaders } from './loaders.js';
import { answeringReads, openRepositories, readModelKind, readModelOf } from './open.js';
import type { Repositories } from './repositories/index.js';
import { resolvers } from './resolvers/index.js';
import { organisationsSchoolDirectory } from './school-directory.js';
import { createWebhooks, type Webhooks } from './webhooks/index.js';
import type { WebhookSettings } from './webhooks/config.js';

export interface MandatesOptions {
  /** Follow the organisations change feed every this many seconds; 0 = only on demand. */
  feedPollSeconds?: number;
  /**
   * Every this many seconds, bring up to date in the background the cached aggregates (and
   * the school directory) used in the last hour whose data changed; the common ones are
   * computed right after the start. 0 = no background work: aggregates are computed (or
   * brought forward by the changes since) when asked.
   */
  analyticsRefreshSeconds?: number;
  /**
   * Where reads are answered: `database` (every read a query the database answers by index:
   * MongoDB) or `memory` (the embedded database's read model, src/read-model/). Default:
   * MANDATES_READ_MODEL, else `memory` on FerretDB and `database` on MongoDB.
   */
  readModel?: 'memory' | 'database';
  /** With `memory`: keep the lists of at most this many schools (default 20,000). */
  schoolCacheSchools?: number;
  /** Webhook settings over those of the environment (webhooks/config.ts). */
  webhooks?: Partial<WebhookSettings>;
}

/** Builds the mandates subgraph (indexes ensured, Apollo started) without listening. */
export async function createMandatesServer(
  { database, logger, identitySecret, peers }: SubgraphDeps,
  options: MandatesOptions = {},
): Promise<SubgraphServer & { repositories: Repositories; follower: FeedFollower; webhooks: Webhooks }> {
  const readModel = await readModelKind(database.db, options.readModel ?? process.env['MANDATES_READ_MODEL']);
  const repositories = await openRepositories(database.db, logger, readModel);
  const repository = repositories.mandates;
  // with `memory` the read model answers in front of the database (src/read-model/)
  const model = readModelOf(repositories);
  const kept = model ? model.aggregates(repositories.aggregates) : null;
  const memory = answeringReads(repositories, { maxSchools: options.schoolCacheSchools });
  if (kept) repositories.aggregates = kept;
  logger.info({ readModel }, 'mandates read model');
  const client = (name: 'organisations' | 'agreements') =>
    peers[name] ? createPeerClient({ name, url: peers[name], caller: 'mandates', identitySecret }) : null;
  const organisations = client('organisations');
  const organisationsPeer = organisationsApi(organisations);
  const service = new MandateService(repositories, repository.store, organisationsPeer, agreementsApi(client('agreements')), todayInNetherlands);
  const follower = new FeedFollower(changeFeedApi(organisations), repository, logger);
  // The school list for the aggregates is one large answer (the whole register): on a busy
  // embedded database it may take seconds, so this client waits longer than per-request peers.
  const directoryClient = peers.organisations
    ? createPeerClient({ name: 'organisations', url: peers.organisations, caller: 'mandates', identitySecret, timeoutMs: 30_000 })
    : null;
  const directory = organisationsSchoolDirectory(directoryClient, { logger });
  const analytics = new MandateAnalytics(repositories.aggregates, repositories.catalogue, directory);
  const mandateCheck = new MandateCheck(repositories, repository.store, organisationsPeer, directory);
  if (kept) {
    // The mandate check's rows before the first request (read-model/aggregates.ts prepare); a
    // failure leaves them to the first question or the background refresh.
    const preparing = Date.now();
    await kept.prepare().catch((err: unknown) => logger.warn({ err }, 'preparing the mandate check rows failed; the first question computes them'));
    logger.info({ ms: Date.now() - preparing, cache: kept.checks.stats }, 'mandate check rows ready');
  }

  // GET /analytics/cache: whether the aggregates are answered from memory now (no data: counts
  // of kept queries only), for operations and the analytics benchmark.
  const cacheRoute: Route = {
    method: 'GET',
    path: '/analytics/cache',
    async handle(_req, res) {
      // with `database` nothing is kept: every answer is the database's, current by definition
      const nothingKept = { warm: true, entries: 0, current: 0, running: 0, stats: null };
      const [keptState, directoryState] = await Promise.all([
        kept ? kept.state() : { warm: true, aggregates: nothingKept, mandateCheck: nothingKept },
        directory.state().catch((err: unknown) => ({ warm: false, error: err instanceof Error ? err.message : String(err) })),
      ]);
      const { aggregates, mandateCheck: checkState } = keptState;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ warm: keptState.warm && directoryState.warm, aggregates, mandateCheck: checkState, directory: directoryState, refreshSeconds: options.analyticsRefreshSeconds ?? 0, lastRefresh: jobs.lastRefresh(), readModel, schools: memory?.schools.stats() ?? null, feed: memory?.feed.stats() ?? null }));
    },
  };

  const webhooks = createWebhooks(repositories, identitySecret, logger, options.webhooks);

  const server = await buildSubgraphServer<Context>({
    name: 'mandates',
    typeDefsUrl: new URL('./schema.graphql', import.meta.url),
    resolvers,
    database,
    logger,
    identitySecret,
    extraRoutes: [cacheRoute, ...webhooks.routes],
    context: async (identity) => ({
      identity,
      repositories,
      loaders: createLoaders(repositories),
      ...schoolLoaders(organisationsPeer),
      today: todayInNetherlands(),
      service,
      follower,
      analytics,
      mandateCheck,
      webhooks: webhooks.subscriptions,
    }),
  });

  const jobs = startJobs({ follower, directory, logger, kept, common: (today) => analytics.commonCounts(today) }, options);

  return {
    ...server,
    repositories,
    follower,
    webhooks,
    async stop() {
      await webhooks.stop();
      await jobs.stop();
      await server.stop();
    },
  };
}
