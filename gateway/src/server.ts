import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import type { GatewayInterface } from '@apollo/server-gateway-interface';
import {
  IDENTITY_HEADER,
  closeServer,
  createGraphQLHttpServer,
  maskUnexpectedErrors,
  signIdentity,
  type Identity,
  type Logger,
} from '@osr/common';
import { TokenVerifier, type TokenSettings } from './auth.js';

export const defaultSupergraphUrl = new URL('../../schema/supergraph.graphql', import.meta.url);

export interface GatewayOptions {
  logger: Logger;
  /** Subgraph name → GraphQL URL, overriding the routing URLs in the supergraph. */
  subgraphUrls?: Record<string, string>;
  supergraphSdl?: string;
  maxBodyBytes?: number;
  /** Signs the identity passed to subgraphs. */
  identitySecret: string;
  tokens: TokenSettings;
}

export interface GatewayContext {
  identity: Identity;
}

export interface GatewayServer {
  httpServer: http.Server;
  apollo: ApolloServer<GatewayContext>;
  /** The URL each subgraph is reached at. */
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

function readyUrl(graphqlUrl: string): string {
  const u = new URL(graphqlUrl);
  u.pathname = u.pathname.replace(/\/graphql$/, '') + '/ready';
  return u.toString();
}

/**
 * Builds the gateway over the static supergraph (composed ahead of time, never at run
 * time). Does not listen.
 */
export async function createGateway(options: GatewayOptions): Promise<GatewayServer> {
  const supergraphSdl = options.supergraphSdl ?? readFileSync(defaultSupergraphUrl, 'utf8');
  const subgraphs = { ...routingUrls(supergraphSdl), ...options.subgraphUrls };
  const verifier = await TokenVerifier.create(options.tokens);
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) =>
      new RemoteGraphQLDataSource<GatewayContext>({
        url: subgraphs[name] ?? url,
        willSendRequest({ request, context }) {
          // Every subgraph call carries the caller's identity, signed, valid for a minute.
          request.http?.headers.set(IDENTITY_HEADER, signIdentity(context.identity, options.identitySecret));
        },
      }),
  });
  const identities = new WeakMap<http.IncomingMessage, Identity>();

  const logErrors: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, operationName }) {
          for (const error of errors) {
            options.logger.debug({ operationName, code: error.extensions?.['code'], message: error.message }, 'request error');
          }
        },
      };
    },
  };

  const apollo = new ApolloServer<GatewayContext>({
    // @apollo/gateway 2.x implements the gateway interface Apollo Server 5 expects.
    gateway: gateway as unknown as GatewayInterface,
    formatError: maskUnexpectedErrors(options.logger),
    includeStacktraceInErrorResponses: false,
    // The entry point handles SIGINT/SIGTERM itself (and tests stop servers explicitly).
    stopOnTerminationSignals: false,
    plugins: [logErrors],
  });
  await apollo.start();

  const httpServer = createGraphQLHttpServer<GatewayContext>({
    apollo,
    logger: options.logger,
    async authenticate(req) {
      const result = await verifier.authenticate(req);
      if (result.ok) identities.set(req, result.identity);
      return result;
    },
    async context(req) {
      const identity = identities.get(req);
      if (!identity) throw new Error('request reached the context without authentication');
      return { identity };
    },
    maxBodyBytes: options.maxBodyBytes,
    async ready() {
      const checks = await Promise.all(
        Object.entries(subgraphs).map(async ([name, url]) => {
          try {
            const res = await fetch(readyUrl(url), { signal: AbortSignal.timeout(2_000) });
            return [name, res.ok ? 'up' : `not ready (${res.status})`] as const;
          } catch {
            return [name, 'unreachable'] as const;
          }
        }),
      );
      const detail = Object.fromEntries(checks);
      return { ok: checks.every(([, state]) => state === 'up'), detail: { subgraphs: detail } };
    },
  });

  return {
    httpServer,
    apollo,
    subgraphs,
    async stop() {
      await closeServer(httpServer);
      await apollo.stop();
    },
  };
}
