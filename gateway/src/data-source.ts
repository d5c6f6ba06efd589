/**
 * The gateway's connection to one subgraph: signed identity and request id on every call,
 * sent through the subgraph's keep-alive pool (./subgraph-fetch.ts), and, when the subgraph
 * cannot be reached or times out, a GraphQL answer instead of a thrown error, so that the
 * gateway still returns everything the other subgraphs answered, with errors that name the
 * subgraph and the path of every entity it could not resolve.
 *
 * What it sends and how it reads the answer follows @apollo/gateway's RemoteGraphQLDataSource
 * (JSON body of query, variables, operationName and extensions; a JSON answer required; an
 * HTTP error with GraphQL errors passed on; the subgraph's Cache-Control hint applied),
 * without building fetch Request, Response and Headers objects for every call.
 */
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { GraphQLError } from 'graphql';
import { IDENTITY_HEADER, REQUEST_ID_HEADER } from '@osr/common';
import type { RequestIdentity } from './request-identity.js';
import { SubgraphFetchError, type SubgraphAnswer, type SubgraphClient } from './subgraph-fetch.js';

export class SubgraphUnavailableError extends Error {
  constructor(
    readonly subgraph: string,
    readonly reason: 'unreachable' | 'timeout',
    message: string,
  ) {
    super(message);
  }
}

/** What the data source needs of the gateway's context. */
export interface SubgraphCallContext extends Record<string, unknown> {
  requestId: string;
}

export interface DataSourceSettings<TContext> {
  /** Longest time of one fetch, as the client applies it (for the message). */
  timeoutMs: number;
  /** Called after each fetch: its duration and outcome (ok, http_<status>, timeout, unreachable). */
  observe: (subgraph: string, seconds: number, outcome: string) => void;
  /** The signed identity of the client request a fetch is part of. */
  identity: (context: TContext) => RequestIdentity;
}

/** Only queries are shared: a mutation is carried out once per request that asks it. */
const shareable = (body: string) => body.startsWith('{"query":"query') || body.startsWith('{"query":"{');

export class ResilientDataSource<TContext extends SubgraphCallContext> implements GraphQLDataSource<TContext> {
  constructor(
    readonly subgraphName: string,
    private readonly client: SubgraphClient,
    private readonly settings: DataSourceSettings<TContext>,
  ) {}

  async process(options: GraphQLDataSourceProcessOptions<TContext>): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    // Health checks and schema loading (which this gateway never asks: its supergraph is
    // static) would come without the client request's context.
    const context = options.context as TContext;
    if (!request.query) throw new Error('Missing query');
    const subgraphIdentity = this.settings.identity(context);
    const identity = subgraphIdentity.header();
    const headers: Record<string, string> = { 'content-type': 'application/json', [IDENTITY_HEADER]: identity, [REQUEST_ID_HEADER]: context.requestId };
    // e.g. the trace request header @apollo/gateway adds when usage reporting is on
    if (request.http?.headers) for (const [name, value] of request.http.headers) headers[name] = value;
    const body = JSON.stringify({ query: request.query, variables: request.variables, operationName: request.operationName, extensions: request.extensions });

    const started = process.hrtime.bigint();
    let answer: SubgraphAnswer;
    try {
      answer = await this.client.post(body, headers, shareable(body) ? subgraphIdentity.key() : null);
    } catch (err) {
      if (!(err instanceof SubgraphFetchError)) throw err;
      this.settings.observe(this.subgraphName, Number(process.hrtime.bigint() - started) / 1e9, err.reason);
      const name = this.subgraphName;
      const message = err.reason === 'timeout' ? `The ${name} service did not answer within ${this.settings.timeoutMs} ms` : `The ${name} service is unreachable`;
      return this.unavailable(options, new SubgraphUnavailableError(name, err.reason, message));
    }
    const ok = answer.status >= 200 && answer.status < 300;
    this.settings.observe(this.subgraphName, Number(process.hrtime.bigint() - started) / 1e9, ok ? 'ok' : `http_${answer.status}`);

    const parsed = parseBody(answer);
    if (!ok) {
      // A subgraph that refused the request (HTTP 4xx/5xx) with GraphQL errors: pass them on.
      if (parsed && typeof parsed === 'object' && Array.isArray((parsed as { errors?: unknown }).errors)) {
        return { errors: (parsed as { errors: GatewayGraphQLResponse['errors'] }).errors } as GatewayGraphQLResponse;
      }
      if (answer.status >= 500) {
        // e.g. a proxy in front of the subgraph answered 502/503 without a GraphQL body
        return this.unavailable(options, new SubgraphUnavailableError(this.subgraphName, 'unreachable', `The ${this.subgraphName} service answered HTTP ${answer.status}`));
      }
      const extensions: Record<string, unknown> = { response: { url: this.client.url, status: answer.status, statusText: answer.statusText, body: parsed } };
      if (answer.status === 401) extensions['code'] = 'UNAUTHENTICATED';
      else if (answer.status === 403) extensions['code'] = 'FORBIDDEN';
      throw new GraphQLError(`${answer.status}: ${answer.statusText}`, { extensions });
    }
    if (!parsed || typeof parsed !== 'object') throw new Error(`Expected JSON response body, but received: ${answer.body}`);

    // Operations of a client request (not health checks) narrow its cache policy.
    if ('incomingRequestContext' in options) {
      const policy = options.incomingRequestContext.overallCachePolicy;
      if (policy && 'restrict' in policy) policy.restrict(cacheHint(answer.cacheControl));
    }
    return parsed as GatewayGraphQLResponse;
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

/** JSON when the answer says it is JSON (a malformed JSON answer throws), else the text. */
function parseBody(answer: SubgraphAnswer): unknown {
  const type = answer.contentType;
  if (type && (type.startsWith('application/json') || type.startsWith('application/graphql-response+json'))) return JSON.parse(answer.body);
  return answer.body;
}

/** The subgraph's Cache-Control header as a cache hint (no header: not cacheable). */
function cacheHint(header: string | undefined): { maxAge: number; scope?: 'PRIVATE' | 'PUBLIC' } {
  const hint: { maxAge: number; scope?: 'PRIVATE' | 'PUBLIC' } = { maxAge: 0 };
  if (!header) return hint;
  for (const part of header.split(',')) {
    const [name, value] = part.trim().split('=');
    const key = name!.toLowerCase();
    if (key === 'max-age' && value && /^[0-9]+$/.test(value)) hint.maxAge = Number(value);
    else if (key === 'private') hint.scope = 'PRIVATE';
    else if (key === 'public') hint.scope = 'PUBLIC';
  }
  return hint;
}
