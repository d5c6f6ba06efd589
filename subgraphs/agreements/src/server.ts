import {
  buildSubgraphServer,
  createPeerClient,
  todayInNetherlands,
  type Route,
  type SubgraphDeps,
  type SubgraphServer,
} from '@osr/common';
import { AgreementsService, boardDirectory } from './agreements.js';
import { agreementsConfig, type AgreementsConfig } from './config.js';
import type { Context } from './context.js';
import { AgreementsRepository } from './repository.js';
import { resolvers } from './resolvers/index.js';
import { ChangeFollower } from './review.js';
import { localSigningProvider, signingWebhookRoute, type SigningProvider } from './signing.js';

export interface AgreementsServerOptions extends Partial<AgreementsConfig> {
  /** the e-signing provider; the local one by default */
  signingProvider?: SigningProvider;
}

/**
 * Builds the agreements subgraph (indexes ensured, Apollo started) without listening.
 * Settings not passed in `options` come from the environment (SIGNING_WEBHOOK_SECRET,
 * ORGANISATION_CHANGES_POLL_SECONDS).
 */
export async function createAgreementsServer(
  { database, logger, identitySecret, peers }: SubgraphDeps,
  options: AgreementsServerOptions = {},
): Promise<SubgraphServer & { repository: AgreementsRepository; service: AgreementsService; follower: ChangeFollower }> {
  const fromEnv = options.signingWebhookSecret !== undefined && options.pollSeconds !== undefined ? null : agreementsConfig();
  const config: AgreementsConfig = {
    signingWebhookSecret: options.signingWebhookSecret !== undefined ? options.signingWebhookSecret : (fromEnv?.signingWebhookSecret ?? null),
    pollSeconds: options.pollSeconds ?? fromEnv?.pollSeconds ?? 0,
  };
  const repository = new AgreementsRepository(database.db);
  await repository.ensureIndexes();
  const organisations = peers.organisations
    ? createPeerClient({ name: 'organisations', url: peers.organisations, caller: 'agreements', identitySecret })
    : null;
  const service = new AgreementsService(repository, options.signingProvider ?? localSigningProvider(), organisations ? boardDirectory(organisations) : null);
  const repaired = await service.repairExtensions();
  if (repaired.length) logger.warn({ agreements: repaired }, 'added OSO_SWV from extensions signed before the process stopped');
  const follower = new ChangeFollower(repository, organisations, logger);
  const extraRoutes: Route[] = [];
  if (config.signingWebhookSecret) extraRoutes.push(signingWebhookRoute({ secret: config.signingWebhookSecret, signer: service, logger }));

  const server = await buildSubgraphServer<Context>({
    name: 'agreements',
    typeDefsUrl: new URL('./schema.graphql', import.meta.url),
    resolvers,
    database,
    logger,
    identitySecret,
    extraRoutes,
    context: async (identity) => ({
      identity,
      repository,
      loaders: repository.createLoaders(),
      agreements: service,
      follower,
      today: todayInNetherlands(),
    }),
  });

  let poller: NodeJS.Timeout | null = null;
  if (config.pollSeconds && config.pollSeconds > 0 && organisations) {
    poller = setInterval(() => {
      follower.follow().catch((err: unknown) => logger.warn({ err }, 'following the organisation change feed failed; retrying next interval'));
    }, config.pollSeconds * 1000);
    poller.unref();
    logger.info({ everySeconds: config.pollSeconds }, 'following the organisation change feed');
  }
  return {
    ...server,
    repository,
    service,
    follower,
    async stop() {
      if (poller) clearInterval(poller);
      await server.stop();
    },
  };
}
