/**
 * The gateway's connection to one subgraph: signed identity and request id on every call,
 * and, when the subgraph cannot be reached or times out, a GraphQL answer instead of a
 * thrown error, so that the gateway still returns everything the other subgraphs answered,
 * with errors that name the subgraph and the path of every entity it could not resolve.
 */
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';

export class SubgraphUnavailableError extends Error {
  constructor(
    readonly subgraph: string,
    readonly reason: 'unreachable' | 'timeout',
    message: string,
  ) {
    super(message);
  }
}

export class ResilientDataSource<TContext extends Record<string, unknown>> extends RemoteGraphQLDataSource<TContext> {
  /** Set through the constructor's config object (RemoteGraphQLDataSource assigns it). */
  declare subgraphName?: string;

  override async process(options: GraphQLDataSourceProcessOptions<TContext>): Promise<GatewayGraphQLResponse> {
    try {
      return await super.process(options);
    } catch (err) {
      // A subgraph that refused the request (HTTP 4xx/5xx) with GraphQL errors: pass them on.
      const body = (err as { extensions?: { response?: { body?: unknown } } }).extensions?.response?.body;
      if (body && typeof body === 'object' && Array.isArray((body as { errors?: unknown }).errors)) {
        return { errors: (body as { errors: GatewayGraphQLResponse['errors'] }).errors } as GatewayGraphQLResponse;
      }
      const status = (err as { extensions?: { response?: { status?: number } } }).extensions?.response?.status;
      if (typeof status === 'number' && status >= 500) {
        // e.g. a proxy in front of the subgraph answered 502/503 without a GraphQL body
        return this.unavailable(options, new SubgraphUnavailableError(this.subgraphName ?? 'a subgraph', 'unreachable', `The ${this.subgraphName ?? 'subgraph'} service answered HTTP ${status}`));
      }
      if (!(err instanceof SubgraphUnavailableError)) throw err;
      return this.unavailable(options, err);
    }
  }

  private unavailable(options: GraphQLDataSourceProcessOptions<TContext>, err: SubgraphUnavailableError): GatewayGraphQLResponse {
    const extensions = { code: 'SUBGRAPH_UNAVAILABLE', subgraph: err.subgraph, reason: err.reason };
    const representations = options.request.variables?.['representations'];
    if (Array.isArray(representations)) {
      // One error per entity, at its position: the gateway maps these to response paths.
      return {
        data: { _entities: representations.map(() => null) },
        errors: representations.map((_r, i) => ({ message: err.message, path: ['_entities', i], extensions })),
      } as unknown as GatewayGraphQLResponse;
    }
    return { errors: [{ message: err.message, extensions }] } as unknown as GatewayGraphQLResponse;
  }
}
