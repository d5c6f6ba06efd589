import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';
import type http from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway } from '@apollo/gateway';
import type { GatewayInterface } from '@apollo/server-gateway-interface';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import {
  PUBLIC_IDENTITY,
  closeServer,
  createGraphQLHttpServer,
  maskUnexpectedErrors,
  requestIdOf,
  signIdentity,
  type Identity,
  type JsonShapeLimits,
  type Logger,
  type Refusal,
  type Route,
} from '@osr/common';
import { TokenVerifier, type TokenSettings } from './auth.js';
import { ResilientDataSource } from './data-source.js';
import { explorerRoutes } from './explorer.js';
import { checkOperation } from './input-check.js';
import { DEFAULT_JSON_SHAPE, DEFAULT_LIMITS, DocumentCache, LimitCheck, graphQLParams, loggedName, type QueryLimits } from './limits.js';
import { GatewayMetrics } from './metrics.js';
import { RateLimiter, TrustedProxies, type RateLimitSettings } from './rate-limit.js';
import { RequestIdentity } from './request-identity.js';
import { DEFAULT_SUBGRAPH_CONNECTIONS, SubgraphClients } from './subgraph-fetch.js';
import { safelistApplies, type SafelistMode, type SafelistedOperation } from './safelist.js';
import { subgraphState } from './readiness.js';
import { withoutSchemaDetails } from './schema-details.js';
import { SupergraphSource } from './supergraph.js';
import './no-telemetry.js';

export const defaultSupergraphUrl = new URL('../../schema/supergraph.graphql', import.meta.url);

export interface GatewayOptions {
  logger: Logger;
  /** Subgraph name → GraphQL URL, overriding the routing URLs in the supergraph. */
  subgraphUrls?: Record<string, string>;
  /** A fixed supergraph SDL (never reloaded); without it, supergraphFile. */
  supergraphSdl?: string;
  /** The supergraph file to serve (SUPERGRAPH_FILE, --supergraph); default schema/supergraph.graphql. */
  supergraphFile?: string;
  /** Follow the file and load a changed supergraph while running (SUPERGRAPH_WATCH). */
  watchSupergraph?: boolean | { intervalMs: number };
  maxBodyBytes?: number;
  /** Longest time a client may take to send a whole request (408 past it; default 20 s). */
  requestTimeoutMs?: number;
  /** Signs the identity passed to subgraphs. */
  identitySecret: string;
  tokens: TokenSettings;
  limits?: Partial<QueryLimits>;
  /** Bounds on the shape of the request's JSON, checked before it is parsed. */
  jsonShape?: Partial<JsonShapeLimits>;
  rateLimit?: RateLimitSettings;
  /** Proxies (addresses, CIDR ranges) whose X-Forwarded-For names the client; none by default. */
  trustedProxies?: string[];
  safelist?: { mode: SafelistMode; operations: SafelistedOperation[] };
  introspection?: boolean;
  /** Most lexical tokens in one document: a longer one is refused while it is parsed. */
  maxTokens?: number;
  /** Serve /metrics from a server of its own (`metricsServer`) instead of the GraphQL port. */
  separateMetrics?: boolean;
  /** Longest time of one subgraph fetch in total (asking to last byte). */
  subgraphTimeoutMs?: number;
  /** Most open connections from this gateway to one subgraph. */
  subgraphConnections?: number;
  /** Serve the in-browser explorer at /explorer. */
  explorer?: boolean;
  /** Operation names the metrics label besides the safelist's; every other name counts as "other". */
  metricsOperations?: string[];
  /** Collect Node.js process metrics too (off in tests that run several gateways). */
  processMetrics?: boolean;
}

export interface GatewayContext extends Record<string, unknown> {
  identity: Identity;
  requestId: string;
}

export interface GatewayServer {
  httpServer: http.Server;
  apollo: ApolloServer<GatewayContext>;
  metrics: GatewayMetrics;
  /** The supergraph in use (reload() reads its file again). */
  supergraph: SupergraphSource;
  /** With `separateMetrics`: the server that answers GET /metrics (not listening yet). */
  metricsServer: http.Server | null;
  /** The URL each subgraph of the supergraph in use is reached at. */
  subgraphs: Record<string, string>;
  stop(): Promise<void>;
}

/** The routing URL of every subgraph named in a supergraph SDL (join__Graph values). */
export function routingUrls(supergraphSdl: string): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const m of supergraphSdl.matchAll(/@join__graph\(name: "([^"]+)", url: "([^"]*)"\)/g)) {
    urls[m[1]!] = m[2]!;
  }
  return urls;
}

/**
 * Most lexical tokens in one document: the headline query has 75, the standard introspection
 * query 183, a query of 400 fields (the field limit) with an argument each fewer than 3,000.
 * Parsing and validating a document costs time in proportion to its tokens (measured by
 * npm run bench:limits).
 */
export const DEFAULT_MAX_TOKENS = 3_000;

/** Validation errors reported for one document before validation stops. */
export const MAX_VALIDATION_ERRORS = 10;

/** Apollo Server's own limit on selections with fragments expanded, behind ours. */
const APOLLO_MAX_RECURSIVE_SELECTIONS = 100_000;

/** A server that answers GET /metrics only (its own port, kept off the public network). */
function createMetricsServer(route: Route, logger: Logger): http.Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' || path !== route.path) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    Promise.resolve(route.handle(req, res)).catch((err: unknown) => {
      logger.error({ err }, 'metrics could not be collected');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
}

/**
 * Builds the gateway over the static supergraph (composed ahead of time, never at run
 * time). Does not listen.
 */
export async function createGateway(options: GatewayOptions): Promise<GatewayServer> {
  const { logger } = options;
  const limits: QueryLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const metrics = new GatewayMetrics({
    processMetrics: options.processMetrics,
    operations: [...(options.safelist?.operations ?? []).map((o) => o.name), ...(options.metricsOperations ?? [])],
  });
  const subgraphs: Record<string, string> = {};
  const timeoutMs = options.subgraphTimeoutMs ?? 10_000;
  const clients = new SubgraphClients({ timeoutMs, connections: options.subgraphConnections ?? DEFAULT_SUBGRAPH_CONNECTIONS });
  const watch = options.watchSupergraph;
  const supergraph = await SupergraphSource.open({
    logger,
    metrics,
    sdl: options.supergraphSdl,
    file: options.supergraphFile ?? fileURLToPath(defaultSupergraphUrl),
    watch: Boolean(watch),
    intervalMs: typeof watch === 'object' ? watch.intervalMs : undefined,
    onLoaded(sdl) {
      // The subgraphs of the supergraph in use, each at its override URL or its routing URL.
      for (const name of Object.keys(subgraphs)) delete subgraphs[name];
      for (const [name, url] of Object.entries(routingUrls(sdl))) subgraphs[name] = options.subgraphUrls?.[name] ?? url;
      // A subgraph moved to another URL: its old connections close once their fetches are done.
      clients.retain(Object.values(subgraphs));
    },
  });
  const limiter = new RateLimiter(options.rateLimit ?? { perMinute: 0, burst: 0 });
  const proxies = new TrustedProxies(options.trustedProxies ?? []);
  const safelist = options.safelist ?? { mode: 'off' as const, operations: [] };
  const safelisted = new Set(safelist.operations.map((o) => o.sha256));
  const verifier = await TokenVerifier.create(options.tokens);

  const observeFetch = metrics.subgraphFetchObserver();
  // The identity the subgraphs receive, signed once for all the fetches of one client request.
  const signed = new WeakMap<GatewayContext, RequestIdentity>();
  const subgraphIdentity = (context: GatewayContext) => {
    let identity = signed.get(context);
    if (!identity) {
      identity = new RequestIdentity(context.identity, options.identitySecret);
      signed.set(context, identity);
    }
    return identity;
  };

  const gateway = new ApolloGateway({
    supergraphSdl: supergraph,
    // A supergraph that does not validate is refused at start as on reload, in production too.
    validateSupergraph: true,
    // Spans (when tracing is on) never carry operation documents: they may hold personal data.
    telemetry: { includeDocument: false, recordExceptions: false },
    buildService: ({ name, url }) => new ResilientDataSource<GatewayContext>(name, clients.for(options.subgraphUrls?.[name] ?? url!), { timeoutMs, observe: observeFetch, identity: subgraphIdentity }),
  });
  const identities = new WeakMap<http.IncomingMessage, Identity>();

  const apqCache = new InMemoryLRUCache<string>({ maxSize: 10 * 1024 * 1024 });
  // Safelisted operations can be sent by hash alone from the first request on.
  for (const op of safelist.operations) await apqCache.set(`apq:${op.sha256}`, op.query);

  const introspection = options.introspection ?? true;

  /** One JSON log line and the request metrics, for every answered GraphQL request. */
  const record = (context: Pick<GatewayContext, 'identity' | 'requestId'>, started: bigint, operationName: string | null | undefined, status: number, codes: string[]) => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const label = metrics.operationLabel(operationName);
    metrics.recordRequest(label, codes, seconds);
    logger.info(
      {
        requestId: context.requestId,
        operationName: loggedName(operationName),
        role: context.identity.role,
        durationMs: Math.round(seconds * 1000),
        status,
        errors: codes,
      },
      'graphql request',
    );
  };

  // The API schema the limits are measured on (set once the gateway has loaded the supergraph).
  let apiSchema: GraphQLSchema | null = null;
  gateway.onSchemaLoadOrUpdate(({ apiSchema: loaded }) => {
    apiSchema = loaded;
  });
  const documents = new DocumentCache(options.maxTokens ?? DEFAULT_MAX_TOKENS);
  const limitCheck = new LimitCheck(limits);

  /**
   * The limits, checked on the request before Apollo Server parses and validates it:
   * validation of a hostile document is itself expensive (it expands fragments), and a
   * plugin hook that throws before validation makes Apollo answer 500. Null = go on.
   */
  const precheck = async (req: http.IncomingMessage, body: unknown, search: URLSearchParams): Promise<Refusal | null> => {
    if (!apiSchema) return null;
    const started = process.hrtime.bigint();
    const params = graphQLParams(body, search);
    let query = params.query;
    if (query === undefined && params.hash !== undefined) query = await apqCache.get(`apq:${params.hash}`);
    if (query === undefined) return null; // Apollo answers (persisted query not found, no query)
    const document = documents.parse(query);
    if (!document) return null; // Apollo reports the syntax error
    try {
      limitCheck.check(apiSchema, document, params.variables);
      return null;
    } catch (err) {
      if (!(err instanceof GraphQLError)) throw err;
      metrics.refused.inc({ reason: err.extensions['code'] === 'QUERY_LIMIT_EXCEEDED' ? 'limits' : 'invalid' });
      const identity = identities.get(req);
      if (identity) record({ identity, requestId: requestIdOf(req) }, started, params.operationName, 400, [String(err.extensions['code'])]);
      const { http: _http, ...extensions } = err.extensions;
      return { status: 400, body: { errors: [{ message: err.message, extensions }] } };
    }
  };

  const policy: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      return {
        async didResolveOperation({ operation, document, request, queryHash, schema }) {
          checkOperation(schema, document, operation, request.operationName, request.variables ?? {});
          if (safelistApplies(safelist.mode, contextValue.identity.role) && !safelisted.has(queryHash)) {
            metrics.refused.inc({ reason: 'safelist' });
            throw new GraphQLError('This operation is not in the safelist for your integration; register it with Kennisnet Support', {
              extensions: { code: 'OPERATION_NOT_IN_SAFELIST', http: { status: 403 } },
            });
          }
          // Checked before Apollo saw the request (precheck); again here for any other way in.
          try {
            limitCheck.check(schema, document, request.variables ?? {});
          } catch (err) {
            metrics.refused.inc({ reason: 'limits' });
            throw err;
          }
        },
        async willSendResponse({ response, operationName, errors }) {
          const codes = (errors ?? []).map((e) => String(e.extensions?.['code'] ?? 'INTERNAL_SERVER_ERROR'));
          record(contextValue, started, operationName, response.http.status ?? 200, codes);
        },
      };
    },
  };

  const mask = maskUnexpectedErrors(logger);
  const apollo = new ApolloServer<GatewayContext>({
    // @apollo/gateway 2.x implements the gateway interface Apollo Server 5 expects.
    gateway: gateway as unknown as GatewayInterface,
    formatError: introspection ? mask : (formatted, error) => withoutSchemaDetails(mask(formatted, error)),
    includeStacktraceInErrorResponses: false,
    // The entry point handles SIGINT/SIGTERM itself (and tests stop servers explicitly).
    stopOnTerminationSignals: false,
    introspection,
    // Without introspection, error messages do not suggest field, type or value names either,
    // nor name the arguments, input fields and types the caller did not write (formatError).
    hideSchemaDetailsFromClientErrors: !introspection,
    // Bounds before our own limits run: the parser's token count, and Apollo's own count of
    // selections with fragments expanded (a second line behind checkDocumentLimits).
    parseOptions: { maxTokens: options.maxTokens ?? DEFAULT_MAX_TOKENS },
    maxRecursiveSelections: APOLLO_MAX_RECURSIVE_SELECTIONS,
    // Each validation error costs the gateway about as much as validating a small document
    // (Apollo wraps, formats and logs every one): a document with a hundred mistakes gets the
    // first MAX_VALIDATION_ERRORS and "Validation aborted", which is all a client can act on.
    validationOptions: { maxErrors: MAX_VALIDATION_ERRORS },
    persistedQueries: { cache: apqCache },
    // The explorer is served from this gateway (/explorer), never from a CDN.
    plugins: [policy, ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();

  const metricsRoute: Route = {
    method: 'GET',
    path: '/metrics',
    async handle(_req, res) {
      const body = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(body);
    },
  };
  const routes: Route[] = [...(options.separateMetrics ? [] : [metricsRoute]), ...(options.explorer === false ? [] : explorerRoutes())];
  const metricsServer = options.separateMetrics ? createMetricsServer(metricsRoute, logger) : null;

  const httpServer = createGraphQLHttpServer<GatewayContext>({
    apollo,
    logger,
    maxBodyBytes: options.maxBodyBytes,
    requestTimeoutMs: options.requestTimeoutMs,
    jsonShape: { ...DEFAULT_JSON_SHAPE, ...options.jsonShape },
    extraRoutes: routes,
    precheck,
    // the body's size and shape are limits; a body that is no JSON, no UTF-8 or of another type is invalid
    onRefused: (err) => metrics.refused.inc({ reason: err.code === 'QUERY_LIMIT_EXCEEDED' || err.status === 413 ? 'limits' : 'invalid' }),
    async authenticate(req) {
      const result = await verifier.authenticate(req);
      if (!result.ok) {
        metrics.refused.inc({ reason: 'unauthenticated' });
        return result;
      }
      const key = result.identity.role === 'PUBLIC' ? `ip:${proxies.clientOf(req.socket.remoteAddress, req.headers['x-forwarded-for'])}` : `sub:${result.identity.sub}`;
      const taken = limiter.take(key);
      if (!taken.ok) {
        metrics.refused.inc({ reason: 'rate_limited' });
        return {
          ok: false,
          status: 429,
          code: 'RATE_LIMITED',
          reason: `Too many requests: try again in ${taken.retryAfterSeconds} s`,
          headers: { 'retry-after': String(taken.retryAfterSeconds) },
        };
      }
      identities.set(req, result.identity);
      return { ok: true };
    },
    async context(req) {
      const identity = identities.get(req);
      if (!identity) throw new Error('request reached the context without authentication');
      return { identity, requestId: requestIdOf(req) };
    },
    async ready() {
      const checks = await Promise.all(
        Object.entries(subgraphs).map(async ([name, url]) => [name, await subgraphState(url, () => signIdentity(PUBLIC_IDENTITY, options.identitySecret))] as const),
      );
      const detail = Object.fromEntries(checks);
      return { ok: checks.every(([, state]) => state === 'up'), detail: { subgraphs: detail, supergraph: supergraph.readiness() } };
    },
  });

  return {
    httpServer,
    apollo,
    metrics,
    supergraph,
    metricsServer,
    subgraphs,
    async stop() {
      await closeServer(httpServer);
      if (metricsServer) await closeServer(metricsServer);
      await apollo.stop();
      await clients.close();
    },
  };
}
