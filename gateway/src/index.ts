import { parseArgs } from 'node:util';
import { ConfigError, createLogger, exitWhenStdinCloses, listen, parseConfig } from '@osr/common';
import { gatewayEnvSchema, subgraphUrlOverrides, supergraphSettings } from './config.js';
import { TokenVerifier } from './auth.js';
import { loadSafelist } from './safelist.js';
import { startOtlpTracing } from './tracing.js';
import { createGateway } from './server.js';

let config;
let flags;
try {
  config = parseConfig(gatewayEnvSchema);
  flags = parseArgs({ options: { supergraph: { type: 'string' } }, strict: true, allowPositionals: false }).values;
} catch (err) {
  if (err instanceof ConfigError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`[gateway] ${(err as Error).message}`);
    process.exit(1);
  }
  throw err;
}
const supergraph = supergraphSettings(config, flags.supergraph);
// A log line for every request: written to stdout in batches (at most a quarter second late).
const logger = createLogger('gateway', config.LOG_LEVEL, { bufferBytes: 8 * 1024, flushMs: 250 });
const tracing = config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? startOtlpTracing('osr-gateway', config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) : null;
if (tracing) logger.info({ endpoint: config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT }, 'OpenTelemetry tracing on');
const gateway = await createGateway({
  logger,
  subgraphUrls: subgraphUrlOverrides(config),
  supergraphFile: supergraph.file,
  watchSupergraph: supergraph.watch && { intervalMs: supergraph.intervalMs },
  maxBodyBytes: config.MAX_BODY_BYTES,
  requestTimeoutMs: config.REQUEST_TIMEOUT_MS,
  identitySecret: config.OSR_IDENTITY_SECRET,
  tokens: {
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    algorithms: config.JWT_ALGORITHMS,
    jwksUrl: config.JWT_JWKS_URL,
    publicKeyPem: config.JWT_PUBLIC_KEY_FILE ? TokenVerifier.readPublicKeyFile(config.JWT_PUBLIC_KEY_FILE) : undefined,
    maxLifetimeSeconds: config.JWT_MAX_AGE_SECONDS,
    cacheSize: config.JWT_CACHE_SIZE,
  },
  limits: {
    maxDepth: config.MAX_DEPTH,
    maxAliases: config.MAX_ALIASES,
    maxFields: config.MAX_FIELDS,
    maxCost: config.MAX_COST,
    defaultListSize: config.DEFAULT_LIST_SIZE,
    defaultPageSize: config.DEFAULT_PAGE_SIZE,
    maxVisits: config.MAX_SELECTIONS_VISITED,
    maxVariables: config.MAX_VARIABLES,
  },
  jsonShape: { maxDepth: config.MAX_JSON_DEPTH, maxKeys: config.MAX_JSON_KEYS, maxValues: config.MAX_JSON_VALUES },
  maxTokens: config.MAX_TOKENS,
  rateLimit: { perMinute: config.RATE_LIMIT_PER_MINUTE, burst: config.RATE_LIMIT_BURST },
  trustedProxies: config.TRUSTED_PROXIES,
  safelist: { mode: config.SAFELIST_MODE, operations: config.SAFELIST_FILE ? loadSafelist(config.SAFELIST_FILE) : [] },
  introspection: config.INTROSPECTION,
  explorer: config.EXPLORER,
  subgraphTimeoutMs: config.SUBGRAPH_TIMEOUT_MS,
  metricsOperations: config.METRICS_OPERATIONS,
  subgraphConnections: config.SUBGRAPH_CONNECTIONS,
  processMetrics: true,
  separateMetrics: config.METRICS_PORT !== undefined,
}).catch((err: unknown) => {
  // e.g. a supergraph file that cannot be read or does not validate: one clear line.
  console.error(`[gateway] cannot start: ${(err as Error).message}`);
  return process.exit(1);
});
const url = await listen(gateway.httpServer, config.PORT, config.HOST);
logger.info({ url, subgraphs: gateway.subgraphs }, 'gateway listening');
if (gateway.metricsServer && config.METRICS_PORT !== undefined) {
  const metricsUrl = (await listen(gateway.metricsServer, config.METRICS_PORT, config.HOST)).replace(/graphql$/, 'metrics');
  logger.info({ url: metricsUrl }, 'metrics listening');
}

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  logger.info('stopping');
  // In-flight requests get 10 s; a stop that hangs does not keep the process.
  setTimeout(() => {
    logger.warn('stop did not finish within 10 s; exiting');
    process.exit(1);
  }, 10_000).unref();
  try {
    await gateway.stop();
    await tracing?.shutdown();
  } finally {
    process.exit(0);
  }
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
if (config.OSR_EXIT_ON_STDIN_CLOSE) exitWhenStdinCloses(stop);
