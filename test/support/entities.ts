import { graphql, identityHeaders, type GraphQLResponse } from './system.js';

/** Sends `_entities` with representations straight to a subgraph (no gateway). */
export function resolveEntities<T = Record<string, unknown>>(
  subgraphUrl: string,
  representations: Record<string, unknown>[],
  selection: string,
): Promise<GraphQLResponse<{ _entities: (T | null)[] }>> {
  return graphql(
    subgraphUrl,
    `query ($representations: [_Any!]!) { _entities(representations: $representations) { ${selection} } }`,
    { representations },
    identityHeaders(),
  );
}
