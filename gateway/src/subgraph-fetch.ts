/**
 * HTTP from the gateway to its subgraphs: one undici connection pool per subgraph URL, kept
 * alive between requests, bodies as strings, no streams, no Request/Response/Headers
 * objects and no AbortSignal per fetch. The timeout is a total: one timer per fetch, from
 * the moment it is asked (waiting for a free connection included) to the last byte of the
 * answer, so that a subgraph trickling its body cannot hold a client request longer.
 *
 * A reloaded supergraph may move a subgraph to another URL: the pool of the old URL is
 * closed once the fetches still using it are done (a later fetch there opens a new one).
 *
 * Identical query fetches in flight at the same moment, for the same caller, share one HTTP
 * request (mutations never do): many clients asking the same thing at once cost the
 * subgraphs one answer.
 */
import { STATUS_CODES } from 'node:http';
import { Pool, errors } from 'undici';

export interface SubgraphFetchSettings {
  /** Longest time of one fetch, from asking to the answer's last byte. */
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

/** The timer of one fetch ended it. */
class FetchTimeout extends Error {}

const CONTENT_TYPE = 'content-type';
const CACHE_CONTROL = 'cache-control';

/**
 * One fetch under way, as undici's dispatch handler: it collects the answer's body chunks
 * itself (no Readable stream, no parsed headers object: the two headers the data source
 * reads are picked from the raw list) and settles its promise once, from the answer or
 * from its timer, whichever comes first. A fetch whose timer ran out before it got a
 * connection is aborted when undici hands it one.
 */
class PendingFetch {
  private readonly timer: NodeJS.Timeout;
  private done = false;
  private abort: ((reason: Error) => void) | null = null;
  private timedOut: FetchTimeout | null = null;
  private status = 0;
  private contentType: string | undefined = undefined;
  private cacheControl: string | undefined = undefined;
  private chunks: Buffer[] = [];

  constructor(
    timeoutMs: number,
    private readonly resolve: (answer: SubgraphAnswer) => void,
    private readonly reject: (err: SubgraphFetchError) => void,
  ) {
    this.timer = setTimeout(() => this.expire(), timeoutMs);
  }

  private expire(): void {
    if (this.done) return;
    const reason = new FetchTimeout('the fetch took longer than its timeout');
    this.fail(new SubgraphFetchError('timeout', reason));
    this.timedOut = reason;
    // Not yet connected: undici aborts it in onConnect.
    this.abort?.(reason);
  }

  onConnect(abort: (reason: Error) => void): void {
    if (this.timedOut) abort(this.timedOut);
    else this.abort = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    // 1xx informational answers come before the answer itself.
    if (statusCode < 200) return true;
    this.status = statusCode;
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!;
      // Only names of the two lengths are decoded and compared.
      if (name.length !== CONTENT_TYPE.length && name.length !== CACHE_CONTROL.length) continue;
      const lower = name.toString('latin1').toLowerCase();
      if (lower === CONTENT_TYPE) this.contentType ??= rawHeaders[i + 1]!.toString('latin1');
      else if (lower === CACHE_CONTROL) this.cacheControl ??= rawHeaders[i + 1]!.toString('latin1');
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    const chunks = this.chunks;
    this.chunks = [];
    const body = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
    this.resolve({ status: this.status, statusText: STATUS_CODES[this.status] ?? '', contentType: this.contentType, cacheControl: this.cacheControl, body });
  }

  onError(err: unknown): void {
    this.fail(err);
  }

  fail(err: unknown): void {
    if (this.done) return;
    this.done = true;
    this.chunks = [];
    clearTimeout(this.timer);
    const timedOut = err instanceof FetchTimeout || err instanceof errors.ConnectTimeoutError;
    this.reject(err instanceof SubgraphFetchError ? err : new SubgraphFetchError(timedOut ? 'timeout' : 'unreachable', err));
  }
}

/** One subgraph URL's pool of keep-alive connections. */
export class SubgraphClient {
  private pool: Pool | null = null;
  private readonly origin: string;
  private readonly path: string;
  private readonly inFlight = new Map<string, Promise<SubgraphAnswer>>();
  /** Fetches sent and not yet settled. */
  private active = 0;
  /** No longer in use by the serving supergraph: the pool closes whenever it is idle. */
  private retired = false;

  constructor(
    readonly url: string,
    private readonly settings: SubgraphFetchSettings,
  ) {
    const parsed = new URL(url);
    this.origin = parsed.origin;
    this.path = `${parsed.pathname}${parsed.search}`;
  }

  /** Whether a pool (and so, perhaps, connections) is open. */
  get open(): boolean {
    return this.pool !== null;
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

  private openPool(): Pool {
    // The total timer of each fetch bounds the headers and the body; undici's own timeouts are off.
    this.pool = new Pool(this.origin, { connections: this.settings.connections, headersTimeout: 0, bodyTimeout: 0, connectTimeout: this.settings.timeoutMs });
    return this.pool;
  }

  private send(body: string, headers: Record<string, string>): Promise<SubgraphAnswer> {
    const pool = this.pool ?? this.openPool();
    this.active++;
    const answer = new Promise<SubgraphAnswer>((resolve, reject) => {
      const pending = new PendingFetch(this.settings.timeoutMs, resolve, reject);
      // dispatch() reports a refused request to the handler's onError rather than throwing.
      pool.dispatch({ method: 'POST', path: this.path, headers, body }, pending);
    });
    return answer.finally(() => {
      if (--this.active === 0 && this.retired) void this.closePool();
    });
  }

  /** Out of use: close the pool now if idle, else when its last fetch is done. */
  retire(): void {
    this.retired = true;
    if (this.active === 0) void this.closePool();
  }

  private async closePool(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    // close() lets requests already handed to the pool finish.
    if (pool) await pool.close().catch(() => undefined);
  }

  close(): Promise<void> {
    this.retired = true;
    return this.closePool();
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

  /** Keeps the clients of these URLs (the supergraph in use) and retires every other one. */
  retain(urls: Iterable<string>): void {
    const keep = new Set(urls);
    for (const [url, client] of this.clients) {
      if (keep.has(url)) continue;
      this.clients.delete(url);
      client.retire();
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    this.clients.clear();
  }
}
