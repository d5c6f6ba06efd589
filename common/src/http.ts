import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { databaseCommands } from './db.js';
import { jsonShapeExcess, type JsonShapeLimits } from './json-shape.js';
import type { Logger } from './logger.js';

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> | void;
}

export interface GraphQLHttpOptions<TContext extends BaseContext> {
  apollo: ApolloServer<TContext>;
  /** Builds the per-request context (loaders live here, never across requests). */
  context(req: http.IncomingMessage): Promise<TContext>;
  /** Refuses a GraphQL request (401) before it is read, e.g. without a valid identity. */
  authenticate?(req: http.IncomingMessage): Admission | Promise<Admission>;
  /** True when every dependency (database, subgraphs) answers. */
  ready(): Promise<{ ok: boolean; detail?: Record<string, unknown> }>;
  logger: Logger;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes?: number;
  extraRoutes?: Route[];
  /**
   * Looks at a GraphQL request (the parsed POST body, or undefined for GET, and the URL's
   * parameters) before Apollo Server does; a refusal is answered as it is.
   */
  precheck?(req: http.IncomingMessage, body: unknown, search: URLSearchParams): Promise<Refusal | null>;
  /**
   * Bounds on the shape of a GraphQL request's JSON (the POST body; GET's `variables` and
   * `extensions`), measured on the text before it is parsed: past one, 400.
   */
  jsonShape?: JsonShapeLimits;
  /**
   * Longest time a client may take to send a whole request (headers and body); past it the
   * server answers 408 and closes the connection. Default 20 s.
   */
  requestTimeoutMs?: number;
  /**
   * Told of every GraphQL request refused before it reaches the GraphQL server for what its
   * HTTP body is (size, encoding, JSON, the JSON's shape, content type, method): to count them.
   */
  onRefused?(error: HttpError): void;
}

/** An answer given instead of running a GraphQL request. */
export interface Refusal {
  status: number;
  body: { errors: { message: string; extensions?: Record<string, unknown> }[] };
}

/** Whether a GraphQL request may proceed; a refusal says why, with which status (401 default). */
export type Admission =
  | { ok: true }
  | { ok: false; reason: string; status?: number; code?: string; headers?: Record<string, string> };

export const REQUEST_ID_HEADER = 'x-request-id';
const requestIds = new WeakMap<http.IncomingMessage, string>();

/** The request's id: the caller's x-request-id when it is sane, else a new one. */
export function requestIdOf(req: http.IncomingMessage): string {
  let id = requestIds.get(req);
  if (!id) {
    const given = req.headers[REQUEST_ID_HEADER];
    id = typeof given === 'string' && /^[A-Za-z0-9._:-]{1,100}$/.test(given) ? given : randomUUID();
    requestIds.set(req, id);
  }
  return id;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** extensions.code of the error in the answer, when there is one. */
    readonly code?: string,
    /** More of extensions beside the code. */
    readonly extensions?: Record<string, unknown>,
  ) {
    super(message);
  }
}

const DEFAULT_MAX_BODY = 1024 * 1024;
const DEFAULT_REQUEST_TIMEOUT_MS = 20_000;

const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const LONE_SURROGATE_MESSAGE = 'The request holds a lone UTF-16 surrogate (an unpaired \\uD800-\\uDFFF escape): send well-formed Unicode text';

/**
 * Whether a parsed JSON value holds a string (value or key) with a lone surrogate.
 * Iterative: a body of deeply nested arrays cannot exhaust the stack.
 */
export function hasLoneSurrogate(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length) {
    const value = stack.pop();
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) return true;
    } else if (Array.isArray(value)) {
      for (const item of value) stack.push(item);
    } else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (LONE_SURROGATE.test(key)) return true;
        stack.push(inner);
      }
    }
  }
  return false;
}

const SHAPE_WORDS = {
  depth: (where: string, max: number) => `${where} nests objects and arrays deeper than ${max} levels`,
  keys: (where: string, max: number) => `An object in ${where} has more than ${max} keys`,
  values: (where: string, max: number) => `${where} holds more than ${max} values`,
};

/** Refuses (400, QUERY_LIMIT_EXCEEDED) a JSON text whose shape passes a limit, before it is parsed. */
function checkJsonShape(text: string, limits: JsonShapeLimits | undefined, where: string): void {
  const excess = limits ? jsonShapeExcess(text, limits) : null;
  if (!excess) return;
  const message = SHAPE_WORDS[excess.limit](where, excess.max);
  throw new HttpError(400, message.charAt(0).toUpperCase() + message.slice(1), 'QUERY_LIMIT_EXCEEDED', {
    limit: `json${excess.limit.charAt(0).toUpperCase()}${excess.limit.slice(1)}`,
    value: excess.value,
    max: excess.max,
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Reads a request body up to a limit; rejects with 413 past it, with 400 when it is not UTF-8. */
export function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      reject(new HttpError(413, `Request body is larger than the limit of ${limit} bytes`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, `Request body is larger than the limit of ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      const bytes = Buffer.concat(chunks);
      // Decoding would turn each invalid byte into U+FFFD, which would then be stored as if
      // the client had sent it.
      if (!isUtf8(bytes)) reject(new HttpError(400, 'The request body is not valid UTF-8 text', 'BAD_USER_INPUT'));
      else resolve(bytes.toString('utf8'));
    });
    req.on('error', reject);
  });
}

/**
 * An HTTP server for one Apollo Server: POST/GET /graphql, GET /health (process up),
 * GET /ready (dependencies reachable). Built here, listened on by the caller.
 */
export function createGraphQLHttpServer<TContext extends BaseContext>(
  options: GraphQLHttpOptions<TContext>,
): http.Server {
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const routes = new Map<string, Route>();
  for (const route of options.extraRoutes ?? []) routes.set(`${route.method} ${route.path}`, route);

  async function handleGraphQL(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    const auth = await options.authenticate?.(req);
    if (auth && !auth.ok) {
      req.resume();
      for (const [name, value] of Object.entries(auth.headers ?? {})) res.setHeader(name, value);
      sendJson(res, auth.status ?? 401, { errors: [{ message: auth.reason, extensions: { code: auth.code ?? 'UNAUTHENTICATED' } }] });
      return;
    }
    let body: unknown;
    if (req.method === 'POST') {
      const text = await readBody(req, limit);
      const type = req.headers['content-type'] ?? '';
      if (!type.startsWith('application/json') && !type.startsWith('application/graphql-response+json')) {
        throw new HttpError(415, 'Send GraphQL requests as application/json');
      }
      // JSON is UTF-8 (RFC 8259): a body declared in another charset is refused, not misread.
      const charset = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(type)?.[1];
      if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
        throw new HttpError(415, `Send GraphQL requests in UTF-8, not ${charset}`);
      }
      checkJsonShape(text, options.jsonShape, 'the request body');
      try {
        body = text.length ? JSON.parse(text) : undefined;
      } catch {
        throw new HttpError(400, 'The request body is not valid JSON');
      }
      // A lone surrogate (a "\ud800" escape without its pair) is not text: stored, it would
      // silently become U+FFFD.
      if (hasLoneSurrogate(body)) throw new HttpError(400, LONE_SURROGATE_MESSAGE, 'BAD_USER_INPUT');
    }
    if (req.method === 'GET') {
      // GET carries variables and extensions as JSON in the URL: the same rule.
      for (const name of ['variables', 'extensions']) {
        const text = url.searchParams.get(name);
        if (text === null) continue;
        checkJsonShape(text, options.jsonShape, `the ${name} parameter`);
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          continue; // Apollo Server reports it
        }
        if (hasLoneSurrogate(value)) throw new HttpError(400, LONE_SURROGATE_MESSAGE, 'BAD_USER_INPUT');
      }
    }
    const refusal = await options.precheck?.(req, body, url.searchParams);
    if (refusal) {
      sendJson(res, refusal.status, refusal.body);
      return;
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await options.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: () => options.context(req),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  // Node checks the request timeouts every `connectionsCheckingInterval` (30 s by default),
  // which would let a slow client hold a connection for up to twice the timeout.
  const timeouts = { requestTimeout, headersTimeout: requestTimeout, connectionsCheckingInterval: Math.min(1_000, requestTimeout) };
  const server = http.createServer(timeouts, (req, res) => {
    res.setHeader(REQUEST_ID_HEADER, requestIdOf(req));
    const url = new URL(req.url ?? '/', 'http://localhost');
    const work = async () => {
      if (url.pathname === '/health' && req.method === 'GET') {
        sendJson(res, 200, { status: 'ok' });
        return;
      }
      if (url.pathname === '/ready' && req.method === 'GET') {
        const { ok, detail } = await options.ready();
        sendJson(res, ok ? 200 : 503, { status: ok ? 'ready' : 'not ready', ...detail });
        return;
      }
      if (url.pathname === '/db-commands' && req.method === 'GET' && databaseCommands.enabled) {
        // Only when round-trip counting is on (OSR_COUNT_DB_COMMANDS): the benchmark reads it.
        sendJson(res, 200, { count: databaseCommands.count, byName: Object.fromEntries(databaseCommands.byName) });
        return;
      }
      if (url.pathname === '/graphql' || url.pathname === '/') {
        if (req.method !== 'POST' && req.method !== 'GET') {
          res.setHeader('allow', 'GET, POST');
          const refused = new HttpError(405, 'Use GET or POST for GraphQL requests');
          options.onRefused?.(refused);
          throw refused;
        }
        try {
          await handleGraphQL(req, res, url);
        } catch (err) {
          if (err instanceof HttpError) options.onRefused?.(err);
          throw err;
        }
        return;
      }
      const route = routes.get(`${req.method} ${url.pathname}`);
      if (route) {
        await route.handle(req, res);
        return;
      }
      throw new HttpError(404, `No route for ${req.method} ${url.pathname}`);
    };
    work().catch((err: unknown) => {
      if (err instanceof HttpError) {
        const error = err.code ? { message: err.message, extensions: { code: err.code, ...err.extensions } } : { message: err.message };
        if (!res.headersSent) sendJson(res, err.status, { errors: [error] });
        else res.end();
        return;
      }
      options.logger.error({ err, requestId: requestIdOf(req) }, 'unexpected error in HTTP handler');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error' }] });
      else res.end();
    });
  });
  return server;
}

/** Listens on host:port (0 = any free port) and resolves with the actual URL. */
export async function listen(server: http.Server, port: number, host = '127.0.0.1'): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return `http://${host}:${address.port}/graphql`;
}

/** Closes a server: stops accepting, lets in-flight requests finish, drops idle keep-alives. */
export async function closeServer(server: http.Server): Promise<void> {
  if (!server.listening) return;
  await new Promise<void>((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeIdleConnections();
  });
}

/**
 * When the parent process (npm start) passes a pipe as stdin, its end means the parent is
 * gone: stop, so that no process outlives the command that started it.
 */
export function exitWhenStdinCloses(stop: () => Promise<void>): void {
  process.stdin.on('end', () => void stop());
  process.stdin.on('error', () => void stop());
  process.stdin.resume();
}
