/**
 * What the subgraphs receive from our gateway, seen at the library subgraphs (./library.ts):
 * one signed identity per client request, the same on each of its subgraph fetches and valid
 * for the caller; the request id on each; a new client request with another token signed
 * for its own caller. And the keep-alive pool: many requests, few connections.
 */
import type http from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDENTITY_HEADER, REQUEST_ID_HEADER, listen, verifyIdentity } from '@osr/common';
import { createGateway, type GatewayServer } from '@osr/gateway';
import { identitySecret, logger, tokenFor, tokenSettings } from '../support/system.js';
import { startLibrary, type LibrarySubgraph, type RunningLibrary } from './library.js';

interface Seen {
  subgraph: LibrarySubgraph;
  identity: string | undefined;
  requestId: string | undefined;
}

describe('subgraph calls from our gateway', () => {
  let library: RunningLibrary;
  let gateway: GatewayServer;
  let url: string;
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    library = await startLibrary();
    for (const [name, subgraph] of Object.entries(library.subgraphs) as [LibrarySubgraph, { httpServer: http.Server }][]) {
      subgraph.httpServer.on('request', (req: http.IncomingMessage) => {
        const header = (h: string | string[] | undefined) => (Array.isArray(h) ? h[0] : h);
        seen.push({ subgraph: name, identity: header(req.headers[IDENTITY_HEADER]), requestId: header(req.headers[REQUEST_ID_HEADER]) });
      });
      subgraph.httpServer.on('connection', (socket: Socket) => sockets.add(socket));
    }
    gateway = await createGateway({ logger, identitySecret, tokens: await tokenSettings(), supergraphSdl: library.supergraphSdl, subgraphConnections: 2 });
    url = await listen(gateway.httpServer, 0);
  });
  afterAll(async () => {
    await gateway?.stop();
    await library?.stop();
  });

  // people, then catalog and inventory, then reviews: four fetches, one per subgraph
  const QUERY = '{ people { id favouriteBooks { title stock reviews { stars } } } }';

  async function ask(token: string, requestId: string) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, [REQUEST_ID_HEADER]: requestId },
      body: JSON.stringify({ query: QUERY }),
    });
    const body = (await res.json()) as { data?: unknown; errors?: unknown };
    expect(res.status).toBe(200);
    expect(body.errors).toBeUndefined();
    return body;
  }

  it('one signature per client request, on each of its four subgraph fetches, naming the caller; the request id on each', async () => {
    seen.length = 0;
    await ask(await tokenFor({ role: 'ANALYST', sub: 'analyst-1' }), 'request-one');
    expect(seen.map((s) => s.subgraph).sort()).toEqual(['catalog', 'inventory', 'people', 'reviews']);
    expect(new Set(seen.map((s) => s.identity)).size, 'the same signed header on all four').toBe(1);
    expect(seen.every((s) => s.requestId === 'request-one')).toBe(true);
    const check = verifyIdentity(seen[0]!.identity, identitySecret);
    expect(check).toMatchObject({ ok: true, identity: { sub: 'analyst-1', role: 'ANALYST' } });

    seen.length = 0;
    await ask(await tokenFor({ role: 'SUPPORT', sub: 'support-1' }), 'request-two');
    expect(seen).toHaveLength(4);
    expect(new Set(seen.map((s) => s.identity)).size).toBe(1);
    expect(verifyIdentity(seen[0]!.identity, identitySecret)).toMatchObject({ ok: true, identity: { sub: 'support-1', role: 'SUPPORT' } });
    expect(seen.every((s) => s.requestId === 'request-two')).toBe(true);
  });

  it('many requests at once reach each subgraph over at most the configured connections (2), kept alive', async () => {
    const before = sockets.size;
    // A caller each: no fetch is shared, every request reaches every subgraph.
    const tokens = await Promise.all(Array.from({ length: 12 }, (_, i) => tokenFor({ role: 'ANALYST', sub: `analyst-${i}` })));
    seen.length = 0;
    await Promise.all(tokens.map((token, i) => ask(token, `burst-${i}`)));
    expect(seen).toHaveLength(48);
    // Four subgraphs, at most two connections each (some may have been opened by the test before).
    expect(sockets.size).toBeLessThanOrEqual(8);
    expect(sockets.size - before).toBeLessThanOrEqual(8);
  });
});
