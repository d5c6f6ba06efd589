/**
 * The gateway's HTTP client for subgraphs (src/subgraph-fetch.ts), against real HTTP servers
 * on port 0: connections kept alive and bounded per subgraph, the timeout as a total (a
 * silent, stalled or trickling answer, a wait for a free connection), an unreachable
 * subgraph, identical queries in flight shared, and the pool of a URL no longer in use closed
 * once its fetches are done.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { SubgraphClient, SubgraphClients, SubgraphFetchError } from '../src/subgraph-fetch.js';

interface TestServer {
  url: string;
  server: Server;
  /** connections accepted so far */
  connections: number;
  /** requests received so far */
  requests: number;
  sockets: Set<Socket>;
}

const servers: TestServer[] = [];
const clients: SubgraphClient[] = [];

async function serve(handle: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<TestServer> {
  const state = { connections: 0, requests: 0, sockets: new Set<Socket>() } as TestServer;
  const server = createServer((req, res) => {
    state.requests++;
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handle(req, res, body));
  });
  server.on('connection', (socket) => {
    state.connections++;
    state.sockets.add(socket);
    socket.on('close', () => state.sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.server = server;
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  servers.push(state);
  return state;
}

function client(url: string, settings = { timeoutMs: 5_000, connections: 4 }): SubgraphClient {
  const c = new SubgraphClient(url, settings);
  clients.push(c);
  return c;
}

const json = (res: ServerResponse, value: unknown) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
};

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
  for (const s of servers.splice(0)) {
    for (const socket of s.sockets) socket.destroy();
    await new Promise((r) => s.server.close(r));
  }
});

describe('the subgraph client', () => {
  it('posts the body and headers as given and reads status, type and body; connections serve requests one after another', async () => {
    const seen: { headers: IncomingMessage['headers']; body: string }[] = [];
    const server = await serve((req, res, body) => {
      seen.push({ headers: req.headers, body });
      res.setHeader('cache-control', 'max-age=30');
      json(res, { data: { n: seen.length } });
    });
    const c = client(server.url);
    for (let i = 1; i <= 20; i++) {
      const answer = await c.post(`{"query":"{ n }","i":${i}}`, { 'content-type': 'application/json', 'x-osr-identity': 'signed' }, null);
      expect(answer).toEqual({ status: 200, statusText: 'OK', contentType: 'application/json', cacheControl: 'max-age=30', body: `{"data":{"n":${i}}}` });
    }
    expect(seen.map((s) => JSON.parse(s.body).i)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(seen[0]!.headers['x-osr-identity']).toBe('signed');
    // undici may open a second connection while the first is being handed back.
    expect(server.connections, 'kept alive: connections reused').toBeLessThanOrEqual(2);
  });

  it('opens at most the configured connections to a subgraph; requests beyond wait for one and are all answered', async () => {
    const held: ServerResponse[] = [];
    let answerAtOnce = false;
    let release: () => void = () => undefined;
    const allHeld = new Promise<void>((resolve) => (release = resolve));
    const server = await serve((_req, res) => {
      if (answerAtOnce) return json(res, { data: {} });
      held.push(res);
      if (held.length === 3) release();
    });
    const c = client(server.url, { timeoutMs: 5_000, connections: 3 });
    const answers = Array.from({ length: 9 }, (_, i) => c.post(`{"i":${i}}`, { 'content-type': 'application/json' }, null));
    await allHeld;
    expect(server.requests, 'three in flight, six waiting').toBe(3);
    // Answering the three lets the waiting requests through, on the same connections.
    answerAtOnce = true;
    for (const res of held) json(res, { data: {} });
    expect((await Promise.all(answers)).every((a) => a.status === 200)).toBe(true);
    expect(server.requests).toBe(9);
    expect(server.connections).toBe(3);
  });

  it('a subgraph that never answers, or stops in the middle of its body, is a timeout', async () => {
    const silent = await serve(() => undefined);
    const err = await client(silent.url, { timeoutMs: 300, connections: 1 }).post('{}', {}, null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubgraphFetchError);
    expect((err as SubgraphFetchError).reason).toBe('timeout');

    const stalled = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":');
    });
    const err2 = await client(stalled.url, { timeoutMs: 300, connections: 1 }).post('{}', {}, null).catch((e: unknown) => e);
    expect((err2 as SubgraphFetchError).reason).toBe('timeout');
  });

  it('the timeout is a total: a body trickled byte by byte, each in time, still ends at the timeout', async () => {
    const ended: Promise<unknown>[] = [];
    const trickling = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":"');
      // A byte every 20 ms, for ever: no pause ever reaches the timeout.
      const t = setInterval(() => res.write('x'), 20);
      ended.push(once(res, 'close').then(() => clearInterval(t)));
    });
    const c = client(trickling.url, { timeoutMs: 300, connections: 1 });
    const err = await c.post('{}', {}, null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubgraphFetchError);
    expect((err as SubgraphFetchError).reason).toBe('timeout');
    // The fetch was aborted: its connection closes, which ends the trickle.
    expect(ended).toHaveLength(1);
    await Promise.all(ended);
  });

  it('the wait for a free connection counts in the timeout; the pool serves on afterwards', async () => {
    let answerAtOnce = false;
    const server = await serve((_req, res) => {
      if (answerAtOnce) json(res, { data: { n: 3 } });
    });
    const c = client(server.url, { timeoutMs: 300, connections: 1 });
    const first = c.post('{"n":1}', {}, null).catch((e: unknown) => e);
    const queued = c.post('{"n":2}', {}, null).catch((e: unknown) => e);
    expect(((await queued) as SubgraphFetchError).reason, 'never got a connection').toBe('timeout');
    expect(((await first) as SubgraphFetchError).reason).toBe('timeout');
    expect(server.requests, 'the queued fetch never reached the subgraph').toBe(1);
    // Both are over: a new fetch gets a connection and its answer.
    answerAtOnce = true;
    expect((await c.post('{"n":3}', {}, null)).body).toBe('{"data":{"n":3}}');
  });

  it('a subgraph nobody listens for is unreachable', async () => {
    const server = await serve(() => undefined);
    const url = server.url;
    await new Promise((r) => server.server.close(r));
    servers.splice(servers.indexOf(server), 1);
    const err = await client(url).post('{}', {}, null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubgraphFetchError);
    expect((err as SubgraphFetchError).reason).toBe('unreachable');
  });

  it('identical bodies in flight with the same share key are one request; another key, another body or no key are not', async () => {
    const held: ServerResponse[] = [];
    const server = await serve((_req, res) => held.push(res));
    const c = client(server.url, { timeoutMs: 5_000, connections: 8 });
    const ask = (body: string, key: string | null) => c.post(body, { 'content-type': 'application/json' }, key);
    const answers = [ask('{"q":1}', 'alice'), ask('{"q":1}', 'alice'), ask('{"q":1}', 'bob'), ask('{"q":2}', 'alice'), ask('{"q":1}', null), ask('{"q":1}', null)];
    // Wait until the server holds every request that was sent (shared ones are not).
    while (server.requests < 5 || held.length < 5) await new Promise((r) => setImmediate(r));
    held.forEach((res, i) => json(res, { data: { i } }));
    const bodies = (await Promise.all(answers)).map((a) => a.body);
    expect(server.requests).toBe(5);
    expect(bodies[0]).toBe(bodies[1]);
    expect(new Set(bodies).size).toBe(5);
    // Once answered, the same body with the same key is asked again.
    const again = ask('{"q":1}', 'alice');
    while (held.length < 6) await new Promise((r) => setImmediate(r));
    json(held[5]!, { data: { again: true } });
    expect((await again).body).toBe('{"data":{"again":true}}');
    expect(server.requests).toBe(6);
  });

  it('retain() retires the clients of URLs no longer in use: their pool closes once their fetches are done, the others stay open', async () => {
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const old = await serve((_req, res, body) => void (body.includes('late') ? hold : Promise.resolve()).then(() => json(res, { data: { from: 'old' } })));
    const kept = await serve((_req, res) => json(res, { data: { from: 'kept' } }));
    // Keep-alive as long as a minute: without closing, the old connection would stay open.
    old.server.keepAliveTimeout = 60_000;
    kept.server.keepAliveTimeout = 60_000;
    const all = new SubgraphClients({ timeoutMs: 5_000, connections: 2 });
    try {
      await all.for(old.url).post('{}', {}, null);
      await all.for(kept.url).post('{}', {}, null);
      expect(old.sockets.size).toBe(1);
      const inFlight = all.for(old.url).post('{"late":1}', {}, null);
      while (old.requests < 2) await new Promise((r) => setImmediate(r));

      all.retain([kept.url]);
      expect(old.sockets.size, 'a fetch in flight keeps its connection').toBe(1);
      release();
      expect((await inFlight).body).toBe('{"data":{"from":"old"}}');
      // Closed by the client: the server sees its side end.
      await Promise.all([...old.sockets].map((socket) => once(socket, 'close')));
      expect(kept.sockets.size, 'the URL in use keeps its connection').toBe(1);
      expect((await all.for(kept.url).post('{}', {}, null)).body).toBe('{"data":{"from":"kept"}}');
      expect(kept.connections).toBe(1);
    } finally {
      await all.close();
    }
  });

  it('a retired client asked again (an operation planned before a reload) opens a pool for that fetch and closes it after', async () => {
    const server = await serve((_req, res) => json(res, { data: {} }));
    server.server.keepAliveTimeout = 60_000;
    const c = client(server.url);
    await c.post('{}', {}, null);
    const closed = Promise.all([...server.sockets].map((socket) => once(socket, 'close')));
    c.retire();
    await closed;
    expect(c.open).toBe(false);
    expect((await c.post('{}', {}, null)).status).toBe(200);
    expect(server.connections).toBe(2);
    expect(c.open).toBe(false);
    await Promise.all([...server.sockets].map((socket) => once(socket, 'close')));
  });
});
