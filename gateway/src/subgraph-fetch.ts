/**
 * HTTP from the gateway to its subgraphs: one undici connection pool per subgraph URL, kept
 * alive between requests, bodies as strings, no web streams, no Request/Response/Headers
 * objects and no AbortSignal per fetch. The timeout is the pool's: no answer headers within
 * it, or a pause in the body as long, ends the fetch (undici keeps one coarse timer wheel
 * for all of them instead of a timer object per fetch).
 *
 * Identical query fetches in flight at the same moment, for the same caller, share one HTTP
 * request (mutations never do): many clients asking the same thing at once cost the
 * subgraphs one answer.
 */
import { STATUS_CODES } from 'node:http';
import { Pool, errors } from 'undici';

export interface SubgraphFetchSettings {
  /** Longest wait for the answer's headers, and for each part of its body. */
  timeoutMs: number;
  /** Most open connections to one subgraph (requests beyond wait for a free one). */
  connections: number;
}

/** The default most connections per subgraph: above the fetches one busy gateway has in flight. */
export const DEFAULT_SUBGRAPH_CONNECTIONS = 32;

export interface SubgraphAnswer {
  status: number;
  statusText: string;
  contentType: string | undefined;
  cacheControl: string | undefined;
  body: string;
}

/** Why a fetch got no answer: nothing answered at all, or not in time. */
export class SubgraphFetchError extends Error {
  constructor(
    readonly reason: 'unreachable' | 'timeout',
    cause: unknown,
  ) {
    super(reason === 'timeout' ? 'the subgraph did not answer in time' : 'the subgraph could not be reached', { cause });
  }
}

const headerValue = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** One subgraph URL's pool of keep-alive connections. */
export class SubgraphClient {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly inFlight = new Map<string, Promise<SubgraphAnswer>>();

  constructor(
    readonly url: string,
    settings: SubgraphFetchSettings,
  ) {
    const parsed = new URL(url);
    this.path = `${parsed.pathname}${parsed.search}`;
    this.pool = new Pool(parsed.origin, {
      connections: settings.connections,
      headersTimeout: settings.timeoutMs,
      bodyTimeout: settings.timeoutMs,
      connectTimeout: settings.timeoutMs,
    });
  }

  /**
   * POSTs a JSON body. `shareKey`: fetches with equal keys in flight at the same moment get
   * the one answer (null: never shared). Throws SubgraphFetchError when no answer came.
   */
  post(body: string, headers: Record<string, string>, shareKey: string | null): Promise<SubgraphAnswer> {
    if (shareKey === null) return this.send(body, headers);
    const key = `${shareKey}\n${body}`;
    let shared = this.inFlight.get(key);
    if (!shared) {
      shared = this.send(body, headers).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, shared);
    }
    return shared;
  }

  private async send(body: string, headers: Record<string, string>): Promise<SubgraphAnswer> {
    try {
      const res = await this.pool.request({ method: 'POST', path: this.path, headers, body });
      const text = await res.body.text();
      return {
        status: res.statusCode,
        statusText: STATUS_CODES[res.statusCode] ?? '',
        contentType: headerValue(res.headers['content-type']),
        cacheControl: headerValue(res.headers['cache-control']),
        body: text,
      };
    } catch (err) {
      const timedOut = err instanceof errors.HeadersTimeoutError || err instanceof errors.BodyTimeoutError || err instanceof errors.ConnectTimeoutError;
      throw new SubgraphFetchError(timedOut ? 'timeout' : 'unreachable', err);
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** The clients of one gateway, one per subgraph URL (a reloaded supergraph may move a subgraph). */
export class SubgraphClients {
  private readonly clients = new Map<string, SubgraphClient>();

  constructor(private readonly settings: SubgraphFetchSettings) {}

  for(url: string): SubgraphClient {
    let client = this.clients.get(url);
    if (!client) {
      client = new SubgraphClient(url, this.settings);
      this.clients.set(url, client);
    }
    return client;
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    this.clients.clear();
  }
}
