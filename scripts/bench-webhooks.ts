/**
 * npm run bench:webhooks [-- --writes 200]
 * What webhooks cost and how fast they arrive, on the demo data, through the mandates API only
 * (the subgraph's server factory, GraphQL over HTTP as support, live local receivers):
 * 1. write cost: the same end-date change (endMandate) on two copies of the demo data, one
 *    with an endpoint for each demo supplier and its worker delivering, one with no endpoint,
 *    in alternating blocks of ten; p50/p95 of each and the difference of the medians
 *    (target: at most 5 ms more at p50). Both record the change's events in the outbox (every
 *    write does): the difference is what endpoints and deliveries add to a write;
 * 2. delivery lag: one endpoint on a live local receiver, changes written one every 50 ms;
 *    from the change's time (the event's occurredAt) to the receiver's 2xx (target p95 <= 1 s),
 *    twice: the worker in the process that wrote (it starts a round at once) and a worker of
 *    another replica (a second server on the same database, which finds the events by
 *    polling, WEBHOOK_POLL_MS, 500 ms by default);
 * 3. a slow receiver beside a quick one: supplier A's receiver answers after 8 s (and, in a
 *    second run, never: each attempt cut off by WEBHOOK_TIMEOUT_MS), supplier B's at once;
 *    changes of both suppliers' mandates alternate; B's lag p50/p95, beside B's lag with A
 *    answering at once in the same run (target: B's p95 unchanged, at most 1 s).
 * Database: MONGODB_URI (databases of a random prefix), else an embedded FerretDB in a
 * temporary folder.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { IDENTITY_HEADER, connectDatabase, createLogger, databaseName, listen, signIdentity, type Identity } from '@osr/common';
import { parseOptions, percentile, runAndExit } from '@osr/common/cli';
import { createMandatesServer } from '@osr/subgraph-mandates';
import { createOrganisationsServer } from '@osr/subgraph-organisations';
import { SUPPLIER_A, SUPPLIER_B } from './demo-data.js';
import { letPostgresIn, startFerretdb, type RunningDatabase } from './ferretdb.js';
import { seedDemo } from './seed-lib.js';

const USAGE = 'usage: npm run bench:webhooks [-- --writes 200]   (10..10000 end-date changes per side of the write cost)';
const { values, wholeNumber } = parseOptions(() => parseArgs({ options: { writes: { type: 'string', default: '200' }, help: { type: 'boolean' } }, strict: true }), USAGE);
const writes = wholeNumber('writes', values.writes, 10, 10_000);
const say = (line: string) => console.log(`[bench:webhooks] ${line}`);
const SUPPORT: Identity = { sub: 'bench', name: 'Benchmark', role: 'SUPPORT', board: null, rights: [], supplier: null };
const identitySecret = randomBytes(32).toString('base64url');
const ms = (n: number) => `${n.toFixed(1)} ms`;
/** Writes in a row on one copy before the other's turn (the write cost). */
const BLOCK = 10;
const logger = createLogger('bench-webhooks', 'warn');
/** Timings small enough for a run of minutes; the rest as the environment says (subgraphs/mandates/src/webhooks/config.ts). */
const WEBHOOKS = { allowPrivate: true } as const;

/** One mandates API over a database: the subgraph as its server factory builds it, listening on a free port. */
interface MandatesApi {
  url: string;
  pollMs: number;
  timeoutMs: number;
  ask<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

async function mandatesApi(uri: string, prefix: string, organisationsUrl: string, worker: boolean): Promise<MandatesApi> {
  const database = await connectDatabase(uri, databaseName(prefix, 'mandates'));
  const server = await createMandatesServer({ database, logger, identitySecret, peers: { organisations: organisationsUrl } }, { webhooks: { ...WEBHOOKS, worker } });
  const url = await listen(server.httpServer, 0);
  return {
    url,
    pollMs: server.webhooks.settings.pollMs,
    timeoutMs: server.webhooks.settings.timeoutMs,
    async ask<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: signIdentity(SUPPORT, identitySecret) },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
      if (body.errors?.length || !body.data) throw new Error(`mandates API: ${body.errors?.map((e) => e.message).join('; ') ?? res.status}`);
      return body.data;
    },
    async stop() {
      server.httpServer.closeAllConnections();
      await server.stop();
      await database.close();
    },
  };
}

/** The organisations API the mandates API asks about schools and boards. */
async function organisationsApi(uri: string, prefix: string): Promise<{ url: string; stop(): Promise<void> }> {
  const database = await connectDatabase(uri, databaseName(prefix, 'organisations'));
  const server = await createOrganisationsServer({ database, logger, identitySecret, peers: {} });
  const url = await listen(server.httpServer, 0);
  return {
    url,
    async stop() {
      await server.stop();
      await database.close();
    },
  };
}

/** A mandate to change, with the version the next change must expect. */
interface Target {
  id: string;
  version: number;
}

/** Up to `count` of the supplier's school mandates (support asks the supplier feed on the supplier's behalf). */
async function schoolMandates(api: MandatesApi, supplier: string, count: number): Promise<Target[]> {
  const data = await api.ask<{ supplierMandates: { edges: { node: { id: string; version: number; school: { brin: string } | null } }[] } }>(
    'query($supplier: ID!) { supplierMandates(supplier: $supplier, first: 100) { edges { node { id version school { brin } } } } }',
    { supplier },
  );
  return data.supplierMandates.edges.filter((e) => e.node.school).slice(0, count).map((e) => ({ id: e.node.id, version: e.node.version }));
}

/** Changes the mandate's end date (a day in 2040 from i) through the API; returns the time the request took. */
async function endDateChange(api: MandatesApi, target: Target, i: number): Promise<number> {
  const started = performance.now();
  const data = await api.ask<{ endMandate: { mandates: { id: string; version: number }[] } }>(
    'mutation($input: EndMandateInput!) { endMandate(input: $input) { mandates { id version } } }',
    { input: { id: target.id, endDate: `2040-${String(1 + (Math.floor(i / 28) % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`, expectedVersion: target.version } },
  );
  const took = performance.now() - started;
  target.version = data.endMandate.mandates.find((m) => m.id === target.id)!.version;
  return took;
}

/** A local receiver: answers 204 after delayMs (null: never), records the first arrival of each event with its lag. */
async function receiver(delayMs: number | null = 0) {
  const lags = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = () => {
        const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; occurredAt: string };
        if (!lags.has(event.id)) lags.set(event.id, Date.now() - Date.parse(event.occurredAt));
        res.writeHead(204).end();
      };
      if (delayMs === null) return; // never answers
      if (delayMs === 0) answer();
      else setTimeout(answer, delayMs).unref();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    lags,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function register(api: MandatesApi, url: string, supplier: string): Promise<string> {
  const data = await api.ask<{ registerWebhook: { webhook: { id: string } } }>('mutation($input: RegisterWebhookInput!) { registerWebhook(input: $input) { webhook { id } } }', { input: { url, supplier } });
  return data.registerWebhook.webhook.id;
}

async function unregister(api: MandatesApi, id: string): Promise<void> {
  await api.ask('mutation($id: ID!) { deleteWebhook(id: $id) }', { id });
}

/** Waits until `done()` or 30 s, looking every 50 ms. */
async function settle(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

const sorted = (values: Iterable<number>) => [...values].sort((a, b) => a - b);
const lagLine = (lags: number[], count: number) => `${lags.length}/${count} delivered, p50 ${ms(percentile(lags, 50))}, p95 ${ms(percentile(lags, 95))}, max ${ms(lags.at(-1) ?? 0)}`;

/** Lag of `count` changes of supplier A's mandates, written through `writer`, delivered by `deliverer`'s worker. */
async function lagRun(writer: MandatesApi, deliverer: MandatesApi, targets: Target[], count: number, offset: number): Promise<number[]> {
  const quick = await receiver();
  const webhook = await register(deliverer, quick.url, SUPPLIER_A.oin);
  for (let i = 0; i < count; i++) {
    await endDateChange(writer, targets[i % targets.length]!, offset + i);
    await new Promise((r) => setTimeout(r, 50));
  }
  await settle(() => quick.lags.size >= count);
  await unregister(deliverer, webhook);
  await quick.close();
  return sorted(quick.lags.values());
}

/**
 * B's lag while A's receiver answers after `slowMs` (null: never; 0: at once): changes of A's
 * and B's mandates alternate, one pair every 50 ms; returns B's lags.
 */
async function slowNeighbourRun(api: MandatesApi, ofA: Target[], ofB: Target[], count: number, slowMs: number | null, offset: number): Promise<number[]> {
  const [slow, quick] = await Promise.all([receiver(slowMs), receiver()]);
  const a = await register(api, slow.url, SUPPLIER_A.oin);
  const b = await register(api, quick.url, SUPPLIER_B.oin);
  for (let i = 0; i < count; i++) {
    await endDateChange(api, ofA[i % ofA.length]!, offset + i);
    await endDateChange(api, ofB[i % ofB.length]!, offset + i);
    await new Promise((r) => setTimeout(r, 50));
  }
  await settle(() => quick.lags.size >= count);
  await unregister(api, a);
  await unregister(api, b);
  await Promise.all([slow.close(), quick.close()]);
  return sorted(quick.lags.values());
}

let embedded: RunningDatabase | null = null;
let dataDir: string | null = null;
const running: { stop(): Promise<void> }[] = [];
const receivers: { close(): Promise<void> }[] = [];

async function main(): Promise<number> {
  let uri = process.env['MONGODB_URI'] || '';
  if (!uri) {
    dataDir = mkdtempSync(join(tmpdir(), 'osr-bench-webhooks-'));
    letPostgresIn(dataDir);
    embedded = await startFerretdb({ dataDir, ephemeral: true, log: () => undefined });
    uri = embedded.uri;
  }
  // two copies of the demo data: one with endpoints, one without
  const prefixes = [`bw${randomBytes(3).toString('hex')}_`, `bw${randomBytes(3).toString('hex')}_`] as const;
  const apis: MandatesApi[] = [];
  for (const prefix of prefixes) {
    await seedDemo(uri, prefix);
    const organisations = await organisationsApi(uri, prefix);
    running.push(organisations);
    const api = await mandatesApi(uri, prefix, organisations.url, true);
    running.push(api);
    apis.push(api);
  }
  const [withEndpoints, without] = apis as [MandatesApi, MandatesApi];

  // 1. write cost
  const sinks = [await receiver(), await receiver()];
  receivers.push(...sinks);
  const endpoints = [await register(withEndpoints, sinks[0]!.url, SUPPLIER_A.oin), await register(withEndpoints, sinks[1]!.url, SUPPLIER_B.oin)];
  const targets = [await schoolMandates(withEndpoints, SUPPLIER_A.oin, 8), await schoolMandates(without, SUPPLIER_A.oin, 8)] as const;
  if (!targets[0].length || targets[0].length !== targets[1].length) throw new Error('the demo data has no school mandates of supplier A to change');
  say(`write cost: ${writes} end-date changes through the API with an endpoint per supplier delivering, and ${writes} on a copy without endpoints, in alternating blocks of ${BLOCK}`);
  for (let i = 0; i < 20; i++) await endDateChange(i % 2 ? withEndpoints : without, targets[i % 2 ? 0 : 1][i % targets[0].length]!, i); // warm up
  // In blocks, not one by one: a write's deliveries run just after it, so with strict
  // alternation their cost would land on the other copy's next write.
  const delivering: number[] = [];
  const plain: number[] = [];
  for (let i = 0; delivering.length < writes || plain.length < writes; i++) {
    const slot = i % targets[0].length;
    const turnOfDelivering = Math.floor(i / BLOCK) % 2 === 0 ? delivering.length < writes : plain.length >= writes;
    if (turnOfDelivering) delivering.push(await endDateChange(withEndpoints, targets[0][slot]!, 20 + i));
    else plain.push(await endDateChange(without, targets[1][slot]!, 20 + i));
  }
  for (const id of endpoints) await unregister(withEndpoints, id);
  const [d, p] = [sorted(delivering), sorted(plain)];
  say(`  without endpoints:          p50 ${ms(percentile(p, 50))}, p95 ${ms(percentile(p, 95))}`);
  say(`  with endpoints, delivering: p50 ${ms(percentile(d, 50))}, p95 ${ms(percentile(d, 95))}`);
  say(`  extra at p50: ${ms(percentile(d, 50) - percentile(p, 50))} (target <= 5 ms)`);

  // 2. delivery lag: the worker of the writing process, then another replica's
  const count = Math.min(writes, 200);
  const organisationsUrl = await organisationsApi(uri, prefixes[0]);
  running.push(organisationsUrl);
  const writer = await mandatesApi(uri, prefixes[0], organisationsUrl.url, false);
  running.push(writer);
  let offset = 20 + 2 * writes;
  const sameProcess = await lagRun(withEndpoints, withEndpoints, targets[0], count, offset);
  say(`delivery lag, worker in the writing process: ${lagLine(sameProcess, count)} (target p95 <= 1000 ms)`);
  offset += count;
  const otherReplica = await lagRun(writer, withEndpoints, targets[0], count, offset);
  say(`delivery lag, worker of another replica (polling every ${withEndpoints.pollMs} ms): ${lagLine(otherReplica, count)} (target p95 <= 1000 ms)`);
  offset += count;

  // 3. a slow receiver beside a quick one
  const neighbours = Math.min(writes, 60);
  const ofB = await schoolMandates(withEndpoints, SUPPLIER_B.oin, 8);
  if (!ofB.length) throw new Error('the demo data has no school mandates of supplier B to change');
  for (const [label, slowMs] of [['answering at once', 0], ['answering after 8 s', 8_000], [`never answering (cut off after ${withEndpoints.timeoutMs} ms)`, null]] as const) {
    const lags = await slowNeighbourRun(withEndpoints, targets[0], ofB, neighbours, slowMs, offset);
    offset += neighbours;
    say(`supplier B's lag with supplier A's receiver ${label}: ${lagLine(lags, neighbours)} (target p95 <= 1000 ms)`);
  }
  return 0;
}

async function stopAll(): Promise<void> {
  for (const r of receivers.splice(0)) await r.close();
  for (const s of running.splice(0).reverse()) await s.stop().catch(() => undefined);
  await embedded?.stop();
  embedded = null;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  dataDir = null;
}

await runAndExit(main, stopAll, say);
