/**
 * Calls from one subgraph to another subgraph's API (never its database), signed with a
 * SERVICE identity, with a timeout. Failures become UNAVAILABLE errors: callers refuse
 * rather than guess.
 */
import { IDENTITY_HEADER, serviceIdentity, signIdentity } from './identity.js';
import { userError } from './errors.js';
import type { SubgraphName } from './db.js';

export interface PeerClient {
  readonly name: SubgraphName;
  readonly url: string;
  request<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

export function createPeerClient(options: {
  /** the subgraph being called */
  name: SubgraphName;
  url: string;
  /** the calling subgraph, as recorded in the identity */
  caller: string;
  identitySecret: string;
  timeoutMs?: number;
}): PeerClient {
  const timeoutMs = options.timeoutMs ?? 5_000;
  return {
    name: options.name,
    url: options.url,
    async request<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
      let res: Response;
      try {
        res = await fetch(options.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [IDENTITY_HEADER]: signIdentity(serviceIdentity(options.caller), options.identitySecret),
          },
          body: JSON.stringify({ query, variables }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw userError('UNAVAILABLE', `The ${options.name} service cannot be reached (${(err as Error).name})`, {
          service: options.name,
        });
      }
      let body: { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
      try {
        body = (await res.json()) as typeof body;
      } catch {
        throw userError('UNAVAILABLE', `The ${options.name} service answered HTTP ${res.status} without JSON`, { service: options.name });
      }
      if (body.errors?.length || !body.data) {
        const first = body.errors?.[0];
        throw userError('UNAVAILABLE', `The ${options.name} service could not answer: ${first?.message ?? `HTTP ${res.status}`}`, {
          service: options.name,
          serviceCode: first?.extensions?.code,
        });
      }
      return body.data;
    },
  };
}

/** Where the other subgraphs are, for the subgraphs that call them. */
export type PeerUrls = Partial<Record<SubgraphName, string>>;
