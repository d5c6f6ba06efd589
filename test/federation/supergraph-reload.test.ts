/**
 * Any supergraph, delivered without a rebuild (issue 19.2): the gateway serves the file it is
 * given (SUPERGRAPH_FILE / --supergraph) instead of schema/supergraph.graphql; while it runs,
 * a changed file that validates replaces the supergraph without failing a request in flight;
 * one that does not parse or compose is refused, logged with the reason, counted, and the
 * previous supergraph stays. /ready and a log line name the supergraph in use.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen } from '@osr/common';
import { createGateway, type GatewayServer } from '@osr/gateway';
import { freePort, repoRoot } from '../../scripts/ferretdb.js';
import { identitySecret, logger, tokenSettings } from '../support/system.js';
import { MEDIA, SDL, composeLibrary, startLibrary, startLibrarySubgraph, type RunningLibrary, type RunningLibrarySubgraph } from './library.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface Ready {
  status: string;
  supergraph: { source?: string; sha256: string; loadedAt: string; watching: boolean; lastRefused?: { sha256: string | null; at: string; reason?: string } };
}

async function readyOf(graphqlUrl: string): Promise<Ready> {
  return (await (await fetch(graphqlUrl.replace(/\/graphql$/, '/ready'))).json()) as Ready;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function query(url: string, q: string) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: q }) });
  return { status: res.status, ...((await res.json()) as { data?: Record<string, unknown> | null; errors?: { message: string }[] }) };
}

async function reloadCount(gateway: GatewayServer, outcome: 'loaded' | 'refused'): Promise<number> {
  const metric = await gateway.metrics.registry.getSingleMetric('osr_gateway_supergraph_reloads_total')!.get();
  return metric.values.find((v) => v.labels['outcome'] === outcome)?.value ?? 0;
}

/** Version 2 of catalog: Book.language added. */
const CATALOG_V2 = SDL.catalog.replace('      published: DateTime\n', '      published: DateTime\n      language: String\n');

describe('SUPERGRAPH_FILE and reloading it while the gateway runs', () => {
  let library: RunningLibrary;
  let catalogV2: RunningLibrarySubgraph;
  let gateway: GatewayServer;
  let url: string;
  let dir: string;
  let file: string;
  let v1: string;
  let v2: string;
  const logLines: { msg: string; supergraph?: Record<string, unknown>; inUse?: Record<string, unknown> }[] = [];
  // A request to catalog's books can be held in flight.
  let hold: Promise<void> | null = null;
  let entered: () => void = () => {};

  beforeAll(async () => {
    library = await startLibrary({
      catalog: {
        Query: {
          books: async () => {
            if (hold) {
              entered();
              await hold;
            }
            return MEDIA.filter((m) => m.kind === 'Book');
          },
        },
      },
    });
    catalogV2 = await startLibrarySubgraph('catalog', { Book: { language: (b: { id: string }) => (b.id === 'b2' ? 'en' : 'nl') } }, CATALOG_V2);
    v1 = library.supergraphSdl;
    v2 = composeLibrary({ ...library.urls, catalog: catalogV2.url }, { ...SDL, catalog: CATALOG_V2 });
    dir = mkdtempSync(join(tmpdir(), 'osr-supergraph-'));
    file = join(dir, 'supergraph.graphql');
    writeFileSync(file, v1);
    const capture = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line) as (typeof logLines)[number]) });
    gateway = await createGateway({
      logger: capture,
      identitySecret,
      tokens: await tokenSettings(),
      supergraphFile: file,
      watchSupergraph: { intervalMs: 50 },
    });
    url = await listen(gateway.httpServer, 0);
  });
  afterAll(async () => {
    await gateway?.stop();
    await catalogV2?.stop();
    await library?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves the file it was given, not schema/supergraph.graphql; /ready names it by SHA-256 and load time (not by its path), the log by its path too', async () => {
    const answer = await query(url, '{ books { title stock } }');
    expect(answer.errors).toBeUndefined();
    expect((answer.data!['books'] as { title: string }[]).map((b) => b.title)).toEqual(['Max Havelaar', 'Notes on the Analytical Engine', 'Jip en Janneke']);
    const ready = await readyOf(url);
    expect(ready.status).toBe('ready');
    expect(ready.supergraph).toMatchObject({ sha256: sha256(v1), watching: true });
    // /ready answers anyone: it does not say where the file lies (the log does)
    expect(ready.supergraph.source).toBeUndefined();
    expect(JSON.stringify(ready)).not.toContain(dir);
    expect(Date.now() - Date.parse(ready.supergraph.loadedAt)).toBeLessThan(60_000);
    expect(logLines).toContainEqual(expect.objectContaining({ msg: 'supergraph in use', supergraph: { source: file, sha256: sha256(v1), loadedAt: ready.supergraph.loadedAt } }));
    // Our own subgraphs' queries are not in this supergraph.
    expect((await query(url, '{ services { code } }')).errors?.[0]?.message).toMatch(/Cannot query field "services"/);
  });

  it('a new supergraph (a new catalog version) replaces the old one while a request is in flight, which completes', async () => {
    let release!: () => void;
    hold = new Promise<void>((r) => (release = r));
    const inside = new Promise<void>((r) => (entered = r));
    const inFlight = query(url, '{ books { title stock shippingCost } }');
    await inside; // catalog (v1) is answering it now

    writeFileSync(file, v2);
    const ready = await until('the new supergraph', async () => {
      const r = await readyOf(url);
      return r.supergraph.sha256 === sha256(v2) ? r : undefined;
    });
    expect(ready.supergraph.lastRefused).toBeUndefined();
    expect(await reloadCount(gateway, 'loaded')).toBe(1);
    expect(logLines.filter((l) => l.msg === 'supergraph in use').at(-1)?.supergraph).toEqual({ source: file, sha256: sha256(v2), loadedAt: ready.supergraph.loadedAt });

    // New requests see the new field, served by the new catalog.
    const now = await query(url, '{ books { isbn language } }');
    expect(now.errors).toBeUndefined();
    expect((now.data!['books'] as { language: string }[]).map((b) => b.language)).toEqual(['nl', 'en', 'nl']);

    hold = null;
    release();
    const done = await inFlight;
    expect(done.status).toBe(200);
    expect(done.errors).toBeUndefined();
    expect((done.data!['books'] as { stock: number; shippingCost: number }[]).map((b) => b.stock)).toEqual([3, 0, 12]);
  });

  it('refuses a file that does not parse or is no valid supergraph, says why, counts it, and keeps serving the one in use', async () => {
    const inUse = sha256(v2);
    const broken: [string, RegExp][] = [
      ['type Query {', /Syntax Error/],
      ['type Query { a: Int }', /must be a core schema/],
      [v2.replace(/\nscalar DateTime\n(\s+@join__type\(graph: \w+\)\n)*/, '\n'), /DateTime/],
      ['', /empty/],
    ];
    expect(broken[2]![0]).not.toContain('scalar DateTime');
    for (const [i, [text, reason]] of broken.entries()) {
      writeFileSync(file, text);
      const ready = await until(`refusal ${i + 1}`, async () => {
        const r = await readyOf(url);
        return r.supergraph.lastRefused?.sha256 === sha256(text) ? r : undefined;
      });
      expect(ready.supergraph.sha256).toBe(inUse);
      // why, only in the log (a reason may name the file)
      expect(ready.supergraph.lastRefused!.reason).toBeUndefined();
      expect(JSON.stringify(ready)).not.toContain(dir);
      expect(await reloadCount(gateway, 'refused')).toBe(i + 1);
      const logged = logLines.filter((l) => l.msg === 'supergraph refused; the previous one stays in use').at(-1);
      expect(logged?.supergraph).toMatchObject({ file, sha256: sha256(text) });
      expect(String(logged?.supergraph?.['reason'])).toMatch(reason);
      expect(logged?.inUse).toMatchObject({ sha256: inUse });
      const still = await query(url, '{ books { language } }');
      expect(still.errors).toBeUndefined();
    }
    expect(await reloadCount(gateway, 'loaded')).toBe(1);

    // A good file again: loaded, and the refusal is no longer reported.
    writeFileSync(file, v1);
    const back = await until('v1 again', async () => {
      const r = await readyOf(url);
      return r.supergraph.sha256 === sha256(v1) ? r : undefined;
    });
    expect(back.supergraph.lastRefused).toBeUndefined();
    expect(await reloadCount(gateway, 'loaded')).toBe(2);
    expect((await query(url, '{ books { language } }')).errors?.[0]?.message).toMatch(/Cannot query field "language"/);
  });

  it('without watching, a changed file is not loaded (it is read once, at start)', async () => {
    const still = await createGateway({ logger, identitySecret, tokens: await tokenSettings(), supergraphFile: file });
    try {
      await still.apollo.executeOperation({ query: '{ __typename }' }, { contextValue: { identity: { sub: 'x', name: 'x', role: 'PUBLIC', board: null, rights: [], supplier: null }, requestId: 'r' } });
      expect(still.supergraph.describe()).toMatchObject({ sha256: sha256(v1), watching: false });
      writeFileSync(file, v2);
      await new Promise((r) => setTimeout(r, 300));
      expect(still.supergraph.describe().sha256).toBe(sha256(v1));
    } finally {
      await still.stop();
      writeFileSync(file, v1);
    }
  });

  it('a file caught half-written is not refused: the watcher loads a content only once two reads agree', async () => {
    const own = join(dir, 'settle.graphql');
    writeFileSync(own, v1);
    const settling = await createGateway({ logger, identitySecret, tokens: await tokenSettings(), supergraphFile: own });
    try {
      await settling.apollo.executeOperation({ query: '{ __typename }' }, { contextValue: { identity: { sub: 'x', name: 'x', role: 'PUBLIC', board: null, rights: [], supplier: null }, requestId: 'r' } });
      // The watcher's reads, made by hand: half of v2, then all of it, then all of it again.
      writeFileSync(own, v2.slice(0, v2.length / 2));
      expect(await settling.supergraph.reload({ settle: true })).toBe('settling');
      writeFileSync(own, v2);
      expect(await settling.supergraph.reload({ settle: true })).toBe('settling');
      expect(await settling.supergraph.reload({ settle: true })).toBe('loaded');
      expect(await reloadCount(settling, 'refused')).toBe(0);
      expect(settling.supergraph.describe().sha256).toBe(sha256(v2));
      // Half a file that stays half is refused on the second read.
      writeFileSync(own, v2.slice(0, v2.length / 2));
      expect(await settling.supergraph.reload({ settle: true })).toBe('settling');
      expect(await settling.supergraph.reload({ settle: true })).toBe('refused');
      expect(settling.supergraph.describe().sha256).toBe(sha256(v2));
    } finally {
      await settling.stop();
    }
  });

  it('a subgraph URL set in the environment (SUBGRAPH_<NAME>_URL) wins over the routing URL of every supergraph loaded later', async () => {
    const own = join(dir, 'overridden.graphql');
    writeFileSync(own, v1);
    const pinned = await createGateway({ logger, identitySecret, tokens: await tokenSettings(), supergraphFile: own, subgraphUrls: { inventory: library.urls.inventory } });
    try {
      await pinned.apollo.executeOperation({ query: '{ __typename }' }, { contextValue: { identity: { sub: 'x', name: 'x', role: 'PUBLIC', board: null, rights: [], supplier: null }, requestId: 'r' } });
      // A new file that sends inventory's requests elsewhere (and adds a comment, so it differs).
      const elsewhere = `${v1.replace(library.urls.inventory, 'http://127.0.0.1:9/graphql')}\n# moved\n`;
      expect(elsewhere).toContain('http://127.0.0.1:9/graphql');
      writeFileSync(own, elsewhere);
      expect(await pinned.supergraph.reload()).toBe('loaded');
      expect(pinned.subgraphs['inventory']).toBe(library.urls.inventory);
      const pinnedUrl = await listen(pinned.httpServer, 0);
      const answer = await query(pinnedUrl, '{ books { stock } }');
      expect(answer.errors).toBeUndefined();
      expect(answer.data).toEqual({ books: [{ stock: 3 }, { stock: 0 }, { stock: 12 }] });
    } finally {
      await pinned.stop();
    }
  });

  it('a reload that moves a subgraph to another URL closes the connections to the old one once its fetches are done', async () => {
    let release!: () => void;
    let held = false;
    const hold = new Promise<void>((r) => (release = r));
    let inside!: () => void;
    const entered = new Promise<void>((r) => (inside = r));
    const oldCatalog = await startLibrarySubgraph('catalog', {
      Query: {
        books: async () => {
          if (held) {
            inside();
            await hold;
          }
          return MEDIA.filter((m) => m.kind === 'Book');
        },
      },
    });
    // Kept alive for a minute: only the gateway closing them ends these connections in time.
    oldCatalog.httpServer.keepAliveTimeout = 60_000;
    const open = new Set<Socket>();
    oldCatalog.httpServer.on('connection', (socket: Socket) => {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
    });
    const own = join(dir, 'moved.graphql');
    writeFileSync(own, composeLibrary({ ...library.urls, catalog: oldCatalog.url }));
    const moving = await createGateway({ logger, identitySecret, tokens: await tokenSettings(), supergraphFile: own });
    try {
      const movingUrl = await listen(moving.httpServer, 0);
      expect((await query(movingUrl, '{ books { title } }')).errors).toBeUndefined();
      expect(open.size, 'the gateway keeps a connection to the old catalog').toBeGreaterThan(0);
      held = true;
      const inFlight = query(movingUrl, '{ books { title stock } }');
      await entered;

      // catalog moves to catalogV2's URL (with its new version)
      writeFileSync(own, v2);
      expect(await moving.supergraph.reload()).toBe('loaded');
      expect(moving.subgraphs['catalog']).toBe(catalogV2.url);
      expect(open.size, 'the fetch in flight keeps its connection').toBeGreaterThan(0);
      release();
      const done = await inFlight;
      expect(done.errors).toBeUndefined();
      expect((done.data!['books'] as { stock: number }[]).map((b) => b.stock)).toEqual([3, 0, 12]);
      // The gateway closes them: the old catalog sees every connection end.
      await Promise.all([...open].map((socket) => once(socket, 'close')));
      expect((await query(movingUrl, '{ books { language } }')).errors).toBeUndefined();
    } finally {
      await moving.stop();
      await oldCatalog.stop();
    }
  });

  it('/ready asks a subgraph without a /ready route (another graph\'s) the health query instead', async () => {
    // catalog served by Apollo's standalone server: GraphQL at every path, so GET /ready is a 400.
    const apollo = new ApolloServer({ schema: buildSubgraphSchema([{ typeDefs: parse(SDL.catalog), resolvers: {} as never }]) });
    const { url: bare } = await startStandaloneServer(apollo, { listen: { port: 0, host: '127.0.0.1' } });
    // An override for a subgraph this supergraph does not have (as deploy/k8s sets for ours) is not checked.
    const other = await createGateway({ logger, identitySecret, tokens: await tokenSettings(), supergraphSdl: v1, subgraphUrls: { catalog: bare, organisations: 'http://127.0.0.1:9/graphql' } });
    try {
      await other.apollo.executeOperation({ query: '{ __typename }' }, { contextValue: { identity: { sub: 'x', name: 'x', role: 'PUBLIC', board: null, rights: [], supplier: null }, requestId: 'r' } });
      const otherUrl = await listen(other.httpServer, 0);
      expect((await fetch(`${bare}ready`)).status, 'no /ready route there').toBe(400);
      const up = await readyOf(otherUrl);
      expect(up.status).toBe('ready');
      expect((up as unknown as { subgraphs: Record<string, string> }).subgraphs).toEqual({ catalog: 'up', people: 'up', reviews: 'up', inventory: 'up' });
      await apollo.stop();
      const down = (await readyOf(otherUrl)) as unknown as { status: string; subgraphs: Record<string, string> };
      expect(down.status).toBe('not ready');
      expect(down.subgraphs['catalog']).toBe('unreachable');
    } finally {
      await other.stop();
      await apollo.stop();
    }
  });

  it('does not start on a file that is missing or does not validate, naming the file or the reason', async () => {
    const options = { logger, identitySecret, tokens: await tokenSettings() };
    await expect(createGateway({ ...options, supergraphFile: join(dir, 'missing.graphql') })).rejects.toThrow(/Cannot read the supergraph file .*missing\.graphql: ENOENT/);
    const bad = join(dir, 'bad.graphql');
    writeFileSync(bad, 'type Query { a: Int }');
    await expect(createGateway({ ...options, supergraphFile: bad })).rejects.toThrow(/must be a core schema/);
  });

  it('the gateway process takes --supergraph PATH (over SUPERGRAPH_FILE) and reports it at /ready', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'gateway/src/index.ts'), '--supergraph', file], {
      cwd: repoRoot,
      env: { ...process.env, PORT: String(port), OSR_IDENTITY_SECRET: identitySecret, SUPERGRAPH_FILE: join(dir, 'missing.graphql'), LOG_LEVEL: 'silent', NODE_ENV: 'production' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      const ready = await until(
        'the gateway process',
        async () => {
          try {
            return await readyOf(`http://127.0.0.1:${port}/graphql`);
          } catch {
            return undefined;
          }
        },
        30_000,
      );
      // NODE_ENV=production: not watching unless SUPERGRAPH_WATCH=true.
      expect(ready.supergraph).toMatchObject({ sha256: sha256(v1), watching: false });
      expect(JSON.stringify(ready)).not.toContain(dir);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
