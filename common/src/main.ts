import { parseConfig, subgraphEnvSchema, ConfigError } from './config.js';
import { connectDatabase, databaseName, type Database, type SubgraphName } from './db.js';
import { exitWhenStdinCloses, listen } from './http.js';
import { createLogger, type Logger } from './logger.js';
import type { SubgraphServer } from './subgraph.js';

/**
 * The listening entry point shared by the subgraphs' index.ts: parse config once, connect,
 * build, listen, and stop cleanly on SIGINT/SIGTERM (in-flight requests finish).
 */
export async function runSubgraph(
  name: SubgraphName,
  build: (database: Database, logger: Logger, identitySecret: string) => Promise<SubgraphServer>,
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
  let database: Database;
  try {
    database = await connectDatabase(config.MONGODB_URI, databaseName(config.DB_PREFIX, name));
  } catch (err) {
    logger.fatal({ err }, `cannot reach the database at ${redactUri(config.MONGODB_URI)}`);
    process.exit(1);
  }
  const server = await build(database, logger, config.OSR_IDENTITY_SECRET);
  const url = await listen(server.httpServer, config.PORT, config.HOST);
  logger.info({ url }, `${name} subgraph listening`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping');
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
