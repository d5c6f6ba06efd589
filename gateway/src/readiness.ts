/**
 * Is a subgraph ready? Ours serve GET /ready beside /graphql: 200, or 503 while their database
 * is unreachable. A subgraph of another supergraph (SUPERGRAPH_FILE) may have no such route
 * and answer 404, 405, or 400 (Apollo's standalone server takes every path for GraphQL): on
 * a 4xx the subgraph counts as up when it answers the health query @apollo/gateway uses.
 */
import { IDENTITY_HEADER } from '@osr/common';

export type SubgraphState = 'up' | 'unreachable' | `not ready (${number})`;

function readyUrl(graphqlUrl: string): string {
  const u = new URL(graphqlUrl);
  u.pathname = u.pathname.replace(/\/graphql$/, '').replace(/\/$/, '') + '/ready';
  return u.toString();
}

export async function subgraphState(graphqlUrl: string, signedIdentity: () => string, timeoutMs = 2_000): Promise<SubgraphState> {
  try {
    const res = await fetch(readyUrl(graphqlUrl), { signal: AbortSignal.timeout(timeoutMs) });
    if (res.ok) return 'up';
    if (res.status < 400 || res.status >= 500) return `not ready (${res.status})`;
    const health = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: signedIdentity() },
      body: JSON.stringify({ query: 'query __ApolloServiceHealthCheck__ { __typename }' }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await health.json().catch(() => null)) as { data?: { __typename?: unknown } } | null;
    return health.ok && typeof body?.data?.__typename === 'string' ? 'up' : `not ready (${health.status})`;
  } catch {
    return 'unreachable';
  }
}
