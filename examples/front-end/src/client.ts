/**
 * A typed GraphQL request over fetch: the document carries its result and variable types,
 * so a field the schema no longer has, or a variable of the wrong type, fails to compile.
 */
import type { TypedDocumentString } from './gql/graphql.js';

export interface GraphQLErrorEntry {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string };
}

/** Thrown for an answer with errors: the first message, all of them in errors. */
export class GraphQLRequestError extends Error {
  constructor(readonly errors: GraphQLErrorEntry[]) {
    super(errors[0]?.message ?? 'GraphQL request failed');
  }
}

export async function request<TResult, TVariables>(
  endpoint: string,
  token: string | undefined,
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
): Promise<TResult> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: document.toString(), variables }),
  });
  const body = (await response.json()) as { data?: TResult; errors?: GraphQLErrorEntry[] };
  if (body.errors?.length) throw new GraphQLRequestError(body.errors);
  if (body.data === undefined) throw new Error(`no data in the answer (HTTP ${response.status})`);
  return body.data;
}
