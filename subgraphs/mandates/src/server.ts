import { buildSubgraphServer, createPeerClient, todayInNetherlands, type Route, type SubgraphDeps, type SubgraphServer } from '@osr/common';
import { MandateAnalytics } from './analytics.js';
import type { Context } from './context.js';
import { FeedFollower } from './feed-follower.js';
import { MandateCheck } from './mandate-check.js';
import { MandateService } from './mandate-service.js';
import { agreementsApi, changeFeedApi, organisationsApi, schoolLoaders } from './peers.js';
import { MandatesRepository } from './repository.js';
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
   * Keep each school's mandates and aanleverpunten in memory for up to this many schools,
   * exact after every write (school-cache.ts); 0 = off. Default 20,000 (the national register
   * has ~7,500 schools).
   */
  schoolCacheSchools?: number;
  /** Keep the supplier feed's change order in memory, exact after every write (feed-cache.ts); default on. */
  feedCache?: boolean;
  /** Webhook settings over those of the environment (webhooks/config.ts). */
  webhooks?: Partial<WebhookSettings>;
}

/** Builds the mandates subgraph (indexes ensured, Apollo started) without listening. */
export async function createMandatesServer(
  { database, logger, identitySecret, peers }: SubgraphDeps,
  options: MandatesOptions = {},
): Promise<SubgraphServer & { repository: MandatesRepository; follower: FeedFollower; webhooks: Webhooks }> {
  const repository = new MandatesRepository(database.db, logger);
  await repository.ensureIndexes();
  const schoolCache = repository.useSchoolCache(options.schoolCacheSchools ?? 20_000);
  const feedCache = repository.useFeedCache(options.feedCache ?? true);
  const client = (name: 'organisations' | 'agreements') =>
    peers[name] ? createPeerClient({ name, url: peers[name], caller: 'mandates', identitySecret }) : null;
  const organisations = client('organisations');
  const organisationsPeer = organisationsApi(organisations);
  const service = new MandateService(repository, repository.store, organisationsPeer, agreementsApi(client('agreements')), todayInNetherlands);
  const follower = new FeedFollower(changeFeedApi(organisations), repository.cursors, repository.mandates, repository.store, logger);
  // The school list for the aggregates is one large answer (the whole register): on a busy
  // embedded database it may take seconds, so this client waits longer than per-request peers.
  const directoryClient = peers.organisations
    ? createPeerClient({ name: 'organisations', url: peers.organisations, caller: 'mandates', identitySecret, timeoutMs: 30_000 })
    : null;
  const directory = organisationsSchoolDirectory(directoryClient, { logger });
  const analytics = new MandateAnalytics(repository.facts, repository.aanleverpunten, repository.systems, directory, repository.journal, { logger });
  const mandateCheck = new MandateCheck(repository, repository.store, organisationsPeer, directory, { logger });
  // The mandate check's rows before the first request (mandate-check.ts prepare); a failure
  // leaves them to the first question or the background refresh.
  const preparing = Date.now();
  await mandateCheck.prepare().catch((err: unknown) => logger.warn({ err }, 'preparing the mandate check rows failed; the first question computes them'));
  logger.info({ ms: Date.now() - preparing, cache: mandateCheck.cache.stats }, 'mandate check rows ready');

  let lastRefresh: { at: string; ms: number; queries: number; directory: number } | null = null;
  // GET /analytics/cache: whether the aggregates are answered from memory now (no data: counts
  // of kept queries only), for operations and the analytics benchmark.
  const cacheRoute: Route = {
    method: 'GET',
    path: '/analytics/cache',
    async handle(_req, res) {
      const [aggregates, checkState, directoryState] = await Promise.all([
        analytics.cache.state(),
        mandateCheck.cache.state(),
        directory.state().catch((err: unknown) => ({ warm: false, error: err instanceof Error ? err.message : String(err) })),
      ]);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ warm: aggregates.warm && checkState.warm && directoryState.warm, aggregates, mandateCheck: checkState, directory: directoryState, refreshSeconds: options.analyticsRefreshSeconds ?? 0, lastRefresh, schools: schoolCache?.stats() ?? null, feed: feedCache?.stats() ?? null }));
    },
  };

  const webhooks = createWebhooks(repository, identitySecret, logger, options.webhooks);

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
      repository,
      loaders: repository.createLoaders(),
      ...schoolLoaders(organisationsPeer),
      today: todayInNetherlands(),
      service,
      follower,
      analytics,
      mandateCheck,
      webhooks: webhooks.subscriptions,
    }),
  });

  let timer: NodeJS.Timeout | null = null;
  if (options.feedPollSeconds && options.feedPollSeconds > 0) {
    timer = setInterval(() => {
      follower.follow().catch((err: unknown) => logger.warn({ err }, 'following the organisation change feed failed; will retry'));
    }, options.feedPollSeconds * 1000);
    timer.unref();
  }
  let refreshTimer: NodeJS.Timeout | null = null;
  let firstRefresh: NodeJS.Timeout | null = null;
  let refreshing: Promise<void> | null = null;
  const refresh = () => {
    if (refreshing) return; // still busy with the previous round (seconds per query on FerretDB)
    const started = Date.now();
    refreshing = (async () => {
      analytics.keepWarm(todayInNetherlands());
      mandateCheck.keepWarm();
      const directoryDone = await directory.refresh();
      // the check rows first: usually taken from their stored copy in well under a second
      const queries = (await mandateCheck.cache.refresh()) + (await analytics.cache.refresh());
      await mandateCheck.keepRows();
      if (queries + directoryDone > 0) {
        lastRefresh = { at: new Date().toISOString(), ms: Date.now() - started, queries, directory: directoryDone };
        logger.info(lastRefresh, 'recomputed cached aggregates');
      }
    })()
      .catch((err: unknown) => logger.warn({ err }, 'recomputing cached aggregates failed; will retry'))
      .finally(() => {
        refreshing = null;
      });
  };
  if (options.analyticsRefreshSeconds && options.analyticsRefreshSeconds > 0) {
    directory.keepWarm();
    // The first round soon after the start (the organisations subgraph may still be starting).
    firstRefresh = setTimeout(refresh, 2_000);
    firstRefresh.unref();
    refreshTimer = setInterval(refresh, options.analyticsRefreshSeconds * 1000);
    refreshTimer.unref();
  }

  return {
    ...server,
    repository,
    follower,
    webhooks,
    async stop() {
      await webhooks.stop();
      if (timer) clearInterval(timer);
      if (refreshTimer) clearInterval(refreshTimer);
      if (firstRefresh) clearTimeout(firstRefresh);
      await refreshing;
      await server.stop();
    },
  };
}
