/**
 * A client for the RIO (LOD) REST API: HAL JSON, collections under `_embedded.<resource>`
 * paged with `page` (from 0) and `pageSize`, `page.totalPages` telling how many there are,
 * items carrying `_links`. Fair use: at most `concurrency` requests at once and
 * `requestsPerSecond` started per second; 429 (honouring Retry-After), 5xx, timeouts and
 * broken connections are retried with exponential backoff and jitter. The API key travels in
 * a header and appears in no message.
 */

export interface RioApiOptions {
  /** e.g. https://<rio-api-host>/api/rio/v2/ (collections are resolved against it) */
  baseUrl: string;
  apiKey: string | null;
  /** header that carries the key (default X-API-Key) */
  apiKeyHeader?: string;
  concurrency?: number;
  requestsPerSecond?: number;
  /** attempts per request, the first included (default 6) */
  maxAttempts?: number;
  /** first backoff; doubles per attempt, with jitter (default 500 ms) */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  requestTimeoutMs?: number;
  /** Ends every request and wait: the job's deadline or stop. */
  signal?: AbortSignal;
  /** Told about every retry (for logs); never given the key. */
  onRetry?: (info: { url: string; attempt: number; waitMs: number; reason: string }) => void;
  random?: () => number;
}

/** A request that cannot succeed (4xx other than 429, a malformed answer, or retries exhausted). */
export class RioApiError extends Error {
  override name = 'RioApiError';
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

export interface RioPage {
  resource: string;
  page: number;
  totalPages: number;
  totalElements: number;
  items: unknown[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function camel(resource: string): string {
  return resource.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** A URL for messages and logs: without user and password, should the base URL carry them. */
function shown(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}

/** Waits, or rejects with the signal's reason when it ends first. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const done = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Retry-After as milliseconds: delta seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

class Retryable extends Error {
  constructor(
    message: string,
    readonly waitMs: number | null,
  ) {
    super(message);
  }
}

export class RioApiClient {
  /** HTTP requests sent and retries made (for the run's record). */
  requests = 0;
  retries = 0;
  private readonly base: URL;
  private active = 0;
  private readonly queue: (() => void)[] = [];
  private nextStart = 0;

  constructor(private readonly options: RioApiOptions) {
    this.base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  }

  /** The collection URL of a resource with these query parameters. */
  url(resource: string, query: Record<string, string | number> = {}): string {
    const url = new URL(resource, this.base);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
    return url.toString();
  }

  /**
   * One page of a collection; null when the API does not serve the resource (404), so
   * optional resources can be skipped.
   */
  page(resource: string, page: number, pageSize: number, query: Record<string, string> = {}): Promise<RioPage | null> {
    return this.pageAt(this.url(resource), resource, page, pageSize, query);
  }

  /**
   * One page of the collection at `href` (e.g. a relation link such as
   * `onderwijsinstellingserkenningen?bevoegdGezagErkenning=24597`), its own query kept.
   */
  async pageAt(href: string, resource: string, page: number, pageSize: number, query: Record<string, string> = {}): Promise<RioPage | null> {
    const target = new URL(href, this.base);
    for (const [k, v] of Object.entries({ ...query, page: String(page), pageSize: String(pageSize) })) target.searchParams.set(k, v);
    const url = target.toString();
    const body = await this.getJson(url, true);
    if (body === null) return null;
    const embedded = body['_embedded'];
    const list = isObject(embedded) ? (embedded[resource] ?? embedded[camel(resource)]) : undefined;
    const info = body['page'];
    if (!isObject(info) || typeof info['totalPages'] !== 'number' || typeof info['totalElements'] !== 'number') {
      throw new RioApiError(`${shown(url)}: the answer has no page.totalPages/page.totalElements`, 200);
    }
    if (list !== undefined && !Array.isArray(list)) throw new RioApiError(`${shown(url)}: _embedded.${resource} is not a list`, 200);
    return { resource, page, totalPages: info['totalPages'], totalElements: info['totalElements'], items: (list as unknown[] | undefined) ?? [] };
  }

  /** Every item of the collection at `href`, page after page. */
  async collect(href: string, resource: string, pageSize: number, query: Record<string, string> = {}): Promise<unknown[]> {
    const items: unknown[] = [];
    for (let page = 0; ; page++) {
      const result = await this.pageAt(href, resource, page, pageSize, query);
      if (!result) throw new RioApiError(`${shown(href)}: not found (404)`, 404);
      items.push(...result.items);
      if (page + 1 >= result.totalPages) return items;
    }
  }

  /** GETs a JSON object (e.g. an item's relation link), with the retries described above. */
  async getJson(url: string, nullOn404 = false): Promise<Json | null> {
    const max = this.options.maxAttempts ?? 6;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(url, nullOn404);
      } catch (err) {
        if (!(err instanceof Retryable)) throw err;
        if (attempt >= max) {
          throw new RioApiError(`${shown(url)}: gave up after ${attempt} attempts (last: ${err.message})`, null);
        }
        const base = this.options.backoffBaseMs ?? 500;
        const cap = this.options.backoffMaxMs ?? 30_000;
        const random = this.options.random ?? Math.random;
        // Exponential with "equal jitter": half fixed, half random, so retries spread out.
        const backoff = Math.min(cap, base * 2 ** (attempt - 1));
        const waitMs = Math.max(err.waitMs ?? 0, backoff / 2 + random() * (backoff / 2));
        this.retries++;
        this.options.onRetry?.({ url: shown(url), attempt, waitMs: Math.round(waitMs), reason: err.message });
        await sleep(waitMs, this.options.signal);
      }
    }
  }

  private async attempt(url: string, nullOn404: boolean): Promise<Json | null> {
    await this.slot();
    try {
      await this.pace();
      this.requests++;
      const signals = [AbortSignal.timeout(this.options.requestTimeoutMs ?? 60_000)];
      if (this.options.signal) signals.push(this.options.signal);
      const headers: Record<string, string> = { accept: 'application/hal+json, application/json' };
      if (this.options.apiKey) headers[(this.options.apiKeyHeader ?? 'X-API-Key').toLowerCase()] = this.options.apiKey;
      let res: Response;
      let text: string;
      try {
        res = await fetch(url, { headers, signal: AbortSignal.any(signals) });
        text = await res.text();
      } catch (err) {
        if (this.options.signal?.aborted) throw this.options.signal.reason as Error;
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        throw new Retryable(`${(err as Error).name === 'TimeoutError' ? 'timed out' : 'connection failed'}${cause?.code ? ` (${cause.code})` : ''}`, null);
      }
      if (res.status === 429) throw new Retryable('429 Too Many Requests', retryAfterMs(res.headers.get('retry-after')) ?? null);
      if (res.status >= 500) throw new Retryable(`${res.status} ${res.statusText}`, retryAfterMs(res.headers.get('retry-after')));
      if (res.status === 404 && nullOn404) return null;
      if (res.status === 401 || res.status === 403) {
        throw new RioApiError(`${shown(url)}: ${res.status} ${res.statusText}: the RIO API refused the API key (RIO_API_KEY)`, res.status);
      }
      if (res.status !== 200) throw new RioApiError(`${shown(url)}: ${res.status} ${res.statusText}`, res.status);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        // A cut-off answer reads as broken JSON: worth another try.
        throw new Retryable('the answer is not valid JSON (cut off?)', null);
      }
      if (!isObject(body)) throw new RioApiError(`${shown(url)}: the answer is not a JSON object`, res.status);
      return body;
    } finally {
      this.release();
    }
  }

  /** At most `concurrency` requests in flight. */
  private async slot(): Promise<void> {
    if (this.active < (this.options.concurrency ?? 4)) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.queue.push(resolve));
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.active--;
  }

  /** At most `requestsPerSecond` requests started per second (evenly spaced). */
  private async pace(): Promise<void> {
    const rate = this.options.requestsPerSecond ?? 10;
    if (!(rate > 0) || !Number.isFinite(rate)) return;
    const now = Date.now();
    const start = Math.max(now, this.nextStart);
    this.nextStart = start + 1000 / rate;
    if (start > now) await sleep(start - now, this.options.signal);
  }
}
