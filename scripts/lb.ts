/**
 * A small HTTP load balancer for proving statelessness on one machine (npm run replicas and
 * test/e2e/replicas.test.ts): round robin over backends, passive health checks, one retry.
 *
 * - Round robin over the backends that are not marked down.
 * - Passive health: a backend that refuses a connection or drops one is marked down for
 *   `downForMs`, then tried again by ordinary traffic.
 * - One retry on another backend, when it is safe: the request never reached a backend (the
 *   connection was refused), or it is idempotent (GET/HEAD, or a GraphQL request whose
 *   operations are all queries). A mutation that was sent and then lost is NOT retried: the
 *   client gets 502 with `extensions.code = UPSTREAM_CONNECTION_LOST` and has to find out
 *   whether it happened (it may have).
 * - Responses are buffered (they are small), so a backend that dies while answering can
 *   still be retried for an idempotent request.
 * - A new connection per proxied request (no keep-alive to backends): a pooled connection
 *   to a killed backend would turn "not sent" into "maybe sent" and cost a retry.
 *
 * In production this is nginx, an ingress or a cloud load balancer (deploy/); this one is
 * for tests and demonstrations on 127.0.0.1.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse, type DocumentNode } from 'graphql';

export interface LoadBalancerStats {
  /** requests received from clients */
  requests: number;
  /** requests sent a second time to another backend */
  retried: number;
  /** requests answered 502/503 by the load balancer itself */
  failed: number;
  /** requests forwarded, per backend URL (first attempts and retries) */
  perBackend: Record<string, number>;
}

export interface LoadBalancer {
  readonly name: string;
  /** http://127.0.0.1:<port> once listening */
  readonly url: string;
  readonly stats: LoadBalancerStats;
  setBackends(urls: string[]): void;
  close(): Promise<void>;
}

export interface LoadBalancerOptions {
  name: string;
  backends?: string[];
  port?: number;
  host?: string;
  /** how long a backend that failed is skipped */
  downForMs?: number;
  /** largest request body, in bytes */
  maxBodyBytes?: number;
  /** upstream answer timeout */
  timeoutMs?: number;
}

interface BackendState {
  url: URL;
  downUntil: number;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'host',
]);

/** True when the request may be sent twice without doing anything twice. */
export function isIdempotent(method: string, body: Buffer, contentType: string | undefined): boolean {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return true;
  if (method !== 'POST' || !contentType?.startsWith('application/json')) return false;
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    return false;
  }
  const requests = Array.isArray(payload) ? payload : [payload];
  return requests.length > 0 && requests.every((r) => isQueryOnly(r));
}

function isQueryOnly(request: unknown): boolean {
  if (typeof request !== 'object' || request === null) return false;
  const query = (request as { query?: unknown }).query;
  // A hash-only persisted query: the text is unknown here, so it might be a mutation.
  if (typeof query !== 'string') return false;
  let document: DocumentNode;
  try {
    document = parse(query, { noLocation: true });
  } catch {
    // The backend refuses it without doing anything.
    return true;
  }
  return document.definitions.every((d) => d.kind !== 'OperationDefinition' || d.operation === 'query');
}

interface Attempt {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

class UpstreamError extends Error {
  constructor(
    message: string,
    /** false when the request never reached the backend (connection refused) */
    readonly sent: boolean,
  ) {
    super(message);
  }
}

function forward(
  backend: URL,
  req: http.IncomingMessage,
  body: Buffer,
  timeoutMs: number,
): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (!HOP_BY_HOP.has(key) && value !== undefined) headers[key] = value;
    }
    headers['content-length'] = body.length;
    headers['x-forwarded-for'] = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
    headers['connection'] = 'close';
    let connected = false;
    const upstream = http.request(
      {
        protocol: backend.protocol,
        hostname: backend.hostname,
        port: backend.port,
        method: req.method,
        path: req.url,
        headers,
        agent: false,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', (err) => reject(new UpstreamError(err.message, true)));
        res.on('aborted', () => reject(new UpstreamError('response aborted', true)));
      },
    );
    upstream.on('socket', (socket) => {
      socket.once('connect', () => (connected = true));
    });
    upstream.on('timeout', () => upstream.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    upstream.on('error', (err: NodeJS.ErrnoException) => reject(new UpstreamError(`${err.code ?? ''} ${err.message}`.trim(), connected)));
    upstream.end(body);
  });
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendError(res: http.ServerResponse, status: number, code: string, message: string): void {
  const text = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function createLoadBalancer(options: LoadBalancerOptions): Promise<LoadBalancer> {
  const downForMs = options.downForMs ?? 2_000;
  const maxBody = options.maxBodyBytes ?? 2 * 1024 * 1024;
  const timeoutMs = options.timeoutMs ?? 30_000;
  let backends: BackendState[] = [];
  let next = 0;
  const stats: LoadBalancerStats = { requests: 0, retried: 0, failed: 0, perBackend: {} };

  function setBackends(urls: string[]) {
    backends = urls.map((u) => ({ url: new URL(u), downUntil: 0 }));
    next = 0;
  }
  setBackends(options.backends ?? []);

  /** The next backend in turn that is up, other than `except`; a down one when all are. */
  function pick(except?: BackendState): BackendState | undefined {
    const candidates = backends.filter((b) => b !== except);
    if (candidates.length === 0) return undefined;
    const now = Date.now();
    for (let i = 0; i < backends.length; i++) {
      const b = backends[(next + i) % backends.length]!;
      if (b === except || b.downUntil > now) continue;
      next = (next + i + 1) % backends.length;
      return b;
    }
    return candidates.reduce((a, b) => (a.downUntil <= b.downUntil ? a : b));
  }

  const server = http.createServer((req, res) => {
    stats.requests++;
    void (async () => {
      let body: Buffer;
      try {
        body = await readBody(req, maxBody);
      } catch {
        sendError(res, 413, 'PAYLOAD_TOO_LARGE', `Request body is larger than ${maxBody} bytes`);
        return;
      }
      const first = pick();
      if (!first) {
        stats.failed++;
        sendError(res, 503, 'NO_BACKEND', `${options.name}: no backend configured`);
        return;
      }
      let backend: BackendState = first;
      let idempotent: boolean | null = null;
      for (let attempt = 0; ; attempt++) {
        const key = backend.url.origin;
        stats.perBackend[key] = (stats.perBackend[key] ?? 0) + 1;
        try {
          const answer = await forward(backend.url, req, body, timeoutMs);
          const headers: http.OutgoingHttpHeaders = {};
          for (const [k, v] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
          headers['content-length'] = answer.body.length;
          res.writeHead(answer.status, headers);
          res.end(answer.body);
          return;
        } catch (err) {
          const lost = err as UpstreamError;
          backend.downUntil = Date.now() + downForMs;
          idempotent ??= isIdempotent(req.method ?? 'GET', body, req.headers['content-type']);
          const other: BackendState | undefined = attempt === 0 && (!lost.sent || idempotent) ? pick(backend) : undefined;
          if (!other) {
            stats.failed++;
            sendError(
              res,
              502,
              lost.sent ? 'UPSTREAM_CONNECTION_LOST' : 'UPSTREAM_UNREACHABLE',
              `${options.name}: ${backend.url.origin} failed (${lost.message})${lost.sent ? '; the request may have been processed' : ''}`,
            );
            return;
          }
          stats.retried++;
          backend = other;
        }
      }
    })();
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    name: options.name,
    url: `http://127.0.0.1:${port}`,
    stats,
    setBackends,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
