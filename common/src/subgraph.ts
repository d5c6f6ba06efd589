import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError, parse, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import type { Database } from './db.js';
import { IDENTITY_HEADER, verifyIdentity, type Identity } from './identity.js';
import { closeServer, createGraphQLHttpServer, type Route } from './http.js';
import type { Logger } from './logger.js';

type SchemaModule = Exclude<Extract<Parameters<typeof buildSubgraphSchema>[0], unknown[]>[number], DocumentNode>;
type ApolloResolverMap = SchemaModule['resolvers'];

/** Reads a subgraph's SDL file (SDL-first: the .graphql file is the source of truth). */
export function loadTypeDefs(url: URL) {
  return parse(readFileSync(url, 'utf8'));
}

const KNOWN_CODES = new Set([
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'CONFLICT',
  'UNAVAILABLE',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
  'QUERY_LIMIT_EXCEEDED',
  'OPERATION_NOT_IN_SAFELIST',
  'RATE_LIMITED',
  'SUBGRAPH_UNAVAILABLE',
]);

/**
 * Errors with a stable code reach clients as they are; anything else is logged with its
 * stack and masked, so internals (queries, hosts, stack traces) never leak.
 */
export function maskUnexpectedErrors(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.['code'];
    if (typeof code === 'string' && KNOWN_CODES.has(code)) return formatted;
    const original = unwrapResolverError(error);
    // Apollo Server refuses some requests with a 4xx status and no code (an unknown
    // persisted-query version, a hash that does not match the query): the client's mistake,
    // answered as BAD_REQUEST and logged at info, without a stack.
    const status = original instanceof GraphQLError ? (original.extensions?.['http'] as { status?: unknown } | undefined)?.status : undefined;
    if (original instanceof GraphQLError && original.extensions?.['code'] === undefined && typeof status === 'number' && status >= 400 && status < 500) {
      logger.info({ status, reason: original.message }, 'request refused by Apollo Server');
      return { message: formatted.message, extensions: { code: 'BAD_REQUEST' } };
    }
    if (original instanceof GraphQLError && original.extensions?.['code'] && original !== error) {
      return formatted;
    }
    logger.error({ err: original, path: formatted.path }, 'unexpected error while resolving');
    return {
      message: 'Internal server error',
      ...(formatted.path ? { path: formatted.path } : {}),
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}

export interface SubgraphServerOptions<TContext extends BaseContext> {
  name: string;
  typeDefsUrl: URL;
  /** Resolver map (typed by each subgraph with its generated resolver types). */
  resolvers: object;
  database: Database;
  logger: Logger;
  /** Secret shared with the gateway; requests without a valid signed identity get 401. */
  identitySecret: string;
  context(identity: Identity, req: http.IncomingMessage): Promise<TContext>;
  /** More HTTP routes next to /graphql (e.g. a webhook); they do their own authentication. */
  extraRoutes?: Route[];
}

export interface SubgraphServer {
  httpServer: http.Server;
  apollo: ApolloServer<BaseContext>;
  stop(): Promise<void>;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Builds (and starts, but does not listen) a subgraph's Apollo Server and HTTP server. */
export async function buildSubgraphServer<TContext extends BaseContext>(
  options: SubgraphServerOptions<TContext>,
): Promise<SubgraphServer> {
  const schema = buildSubgraphSchema([
    { typeDefs: loadTypeDefs(options.typeDefsUrl), resolvers: options.resolvers as ApolloResolverMap },
  ]);
  const apollo = new ApolloServer<TContext>({
    schema,
    formatError: maskUnexpectedErrors(options.logger),
    includeStacktraceInErrorResponses: false,
    // The entry point handles SIGINT/SIGTERM itself (and tests stop servers explicitly).
    stopOnTerminationSignals: false,
    // The gateway asks for no traces (no usage reporting); measured: no effect on throughput.
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  await apollo.start();
  const httpServer = createGraphQLHttpServer<TContext>({
    apollo,
    logger: options.logger,
    authenticate(req) {
      const check = verifyIdentity(headerValue(req.headers[IDENTITY_HEADER]), options.identitySecret);
      return check.ok ? { ok: true } : check;
    },
    async context(req) {
      const check = verifyIdentity(headerValue(req.headers[IDENTITY_HEADER]), options.identitySecret);
      if (!check.ok) throw new Error(check.reason); // authenticate() already refused it
      return options.context(check.identity, req);
    },
    extraRoutes: options.extraRoutes ?? [],
    async ready() {
      const database = await options.database.ping();
      return { ok: database, detail: { subgraph: options.name, database: database ? 'up' : 'down' } };
    },
  });
  return {
    httpServer,
    apollo: apollo as unknown as ApolloServer<BaseContext>,
    async stop() {
      options.logger.debug('closing HTTP server');
      await closeServer(httpServer);
      options.logger.debug('stopping Apollo');
      await apollo.stop();
      options.logger.debug('stopped');
    },
  };
}
