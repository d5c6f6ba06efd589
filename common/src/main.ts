import { parseConfig, subgraphEnvSchema, ConfigError } from './config.js';
import { connectDatabase, countDatabaseCommands, databaseName, type Database, type SubgraphName } from './db.js';
import { exitWhenStdinCloses, listen } from './http.js';
import { createLogger, type Logger } from './logger.js';
import type { SubgraphServer } from './subgraph.js';
import type { PeerUrls } from './peers.js';

/** What a subgraph's server is built from. */
export interface SubgraphDeps {
  database: Database;
  logger: Logger;
  /** shared with the gateway: verifies incoming identities, signs calls to peers */
  identitySecret: string;
  /** GraphQL URLs of the other subgraphs this one calls */
  peers: PeerUrls;
}

/**
 * The listening entry point shared by the subgraphs' index.ts: parse config once, connect,
 * build, listen, and stop cleanly on SIGINT/SIGTERM (in-flight requests finish).
 */
export async function runSubgraph(
  name: SubgraphName,
  build: (deps: SubgraphDeps) => Promise<SubgraphServer>,
): Promise<void> {
  let config;
  try {
    config = parseConfig(subgraphEnvSchema);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`[${name}] ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(name, config.LOG_LEVEL);
  if (config.OSR_COUNT_DB_COMMANDS) countDatabaseCommands();
  let database: Database;
  try {
    database = await connectDatabase(config.MONGODB_URI, databaseName(config.DB_PREFIX, name), {
      ferretdbPostgresUrl: config.FERRETDB_POSTGRESQL_URL,
    });
  } catch (err) {
    logger.fatal({ err }, `cannot reach the database at ${redactUri(config.MONGODB_URI)}`);
    process.exit(1);
  }
  const peers: PeerUrls = {};
  if (config.ORGANISATIONS_URL) peers.organisations = config.ORGANISATIONS_URL;
  if (config.MANDATES_URL) peers.mandates = config.MANDATES_URL;
  if (config.AGREEMENTS_URL) peers.agreements = config.AGREEMENTS_URL;
  if (config.SUPPORT_URL) peers.support = config.SUPPORT_URL;
  const server = await build({ database, logger, identitySecret: config.OSR_IDENTITY_SECRET, peers });
  const url = await listen(server.httpServer, config.PORT, config.HOST);
  logger.info({ url }, `${name} subgraph listening`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping');
    // In-flight requests get 10 s; a stop that hangs (e.g. on a half-closed socket) does not keep the process.
    setTimeout(() => {
      logger.warn('stop did not finish within 10 s; exiting');
      process.exit(1);
    }, 10_000).unref();
    try {
      await server.stop();
      await database.close();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  if (config.OSR_EXIT_ON_STDIN_CLOSE) exitWhenStdinCloses(stop);
}

/** A connection string without its password, for logs and messages. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
}
