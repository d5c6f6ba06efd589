import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import type { GatewayInterface } from '@apollo/server-gateway-interface';
import { closeServer, createGraphQLHttpServer, maskUnexpectedErrors, type Logger } from '@osr/common';

export const defaultSupergraphUrl = new URL('../../schema/supergraph.graphql', import.meta.url);

export interface GatewayOptions {
  logger: Logger;
  /** Subgraph name → GraphQL URL, overriding the routing URLs in the supergraph. */
  subgraphUrls?: Record<string, string>;
  supergraphSdl?: string;
  maxBodyBytes?: number;
}

export interface GatewayServer {
  httpServer: http.Server;
  apollo: ApolloServer<BaseContext>;
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
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => new RemoteGraphQLDataSource({ url: subgraphs[name] ?? url }),
  });

  const logErrors: ApolloServerPlugin = {
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

  const apollo = new ApolloServer<BaseContext>({
    // @apollo/gateway 2.x implements the gateway interface Apollo Server 5 expects.
    gateway: gateway as unknown as GatewayInterface,
    formatError: maskUnexpectedErrors(options.logger),
    includeStacktraceInErrorResponses: false,
    // The entry point handles SIGINT/SIGTERM itself (and tests stop servers explicitly).
    stopOnTerminationSignals: false,
    plugins: [logErrors],
  });
  await apollo.start();

  const httpServer = createGraphQLHttpServer<BaseContext>({
    apollo,
    logger: options.logger,
    context: async () => ({}),
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
