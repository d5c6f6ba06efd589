/**
 * npm run bench:webhooks [-- --writes 200]
 * What webhooks cost and how fast they arrive (issue 21), on the demo data:
 * 1. write cost: the same end-date change committed through the mandate store with the
 *    events outbox and without it, alternating, on the same slots; p50/p95 of each and of the
 *    difference of the medians (target: at most 5 ms more at p50);
 * 2. delivery lag: one endpoint on a live local receiver, changes written one every 50 ms;
 *    from the change's time to the receiver's 2xx (target p95 <= 1 s), twice: the worker in
 *    the process that wrote (it starts a round at once) and a worker of another replica
 *    (it finds the events by polling, WEBHOOK_POLL_MS, 500 ms by default).
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
import { connectDatabase, databaseName, type Database, type Identity } from '@osr/common';
import { SUPPLIER_A, SUPPLIER_B, SYSTEM_A, SYSTEM_B } from './demo-data.js';
import { letPostgresIn, startFerretdb, type RunningDatabase } from './ferretdb.js';
import { seedDemo } from './seed-lib.js';
import { percentile } from './bench/cli.js';
import { MandateStore } from '../subgraphs/mandates/src/repositories/mandate-store.js';
import { directAccess, type DirectAccess } from '../subgraphs/mandates/src/repositories/direct.js';
import { webhookSettings } from '../subgraphs/mandates/src/webhooks/config.js';
import { WebhookOutbox } from '../subgraphs/mandates/src/webhooks/events.js';
import { WebhookMetrics } from '../subgraphs/mandates/src/webhooks/metrics.js';
import { SecretBox } from '../subgraphs/mandates/src/webhooks/secrets.js';
import { WebhookSubscriptions } from '../subgraphs/mandates/src/webhooks/subscriptions.js';
import { WebhookWorker } from '../subgraphs/mandates/src/webhooks/worker.js';

const { values } = parseArgs({ options: { writes: { type: 'string', default: '200' } }, strict: true });
const writes = Number(values.writes);
if (!Number.isInteger(writes) || writes < 10 || writes > 10_000) throw new Error('--writes must be a whole number from 10 to 10000');
const settingsPollMs = webhookSettings().pollMs;
const say = (line: string) => console.log(`[bench:webhooks] ${line}`);
const ACTOR = { sub: 'bench', name: 'Benchmark', role: 'SUPPORT' };
const BENCH_SUPPORT: Identity = { sub: 'bench', name: 'Benchmark', role: 'SUPPORT', board: null, rights: [], supplier: null };
const SLOTS = ['school:00AV|OSO_OV', 'school:01BC|OSO_OV', 'school:02DF|OSO_OV', 'school:04JK|OSO_OV', 'school:06NP|OSO_OV', 'school:08ST|OSO_OV', 'school:25BE|OSO_OV', 'school:31EW|OSO_OV'];
const ms = (n: number) => `${n.toFixed(1)} ms`;

/** Changes the end date of the slot's first mandate through the store; returns the time it took. */
async function endDateChange(store: MandateStore, slotKey: string, i: number): Promise<number> {
  const state = await store.readSlot(slotKey);
  const current = state.mandates[0]!;
  const after = { ...current, endDate: `2040-01-${String(1 + (i % 28)).padStart(2, '0')}`, version: current.version + 1, updatedAt: new Date() };
  const started = performance.now();
  await store.commit(state, [{ mandateId: current.id, action: 'ENDED', before: current, after }], ACTOR, new Date());
  return performance.now() - started;
}

async function lagRun(repository: DirectAccess, sameProcess: boolean, box: SecretBox, count: number): Promise<number[]> {
  const received = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const id = String(req.headers['x-osr-event-id']);
    req.resume();
    req.on('end', () => {
      if (!received.has(id)) received.set(id, Date.now());
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const settings = { ...webhookSettings({ WEBHOOK_ALLOW_PRIVATE: 'true' }), allowPrivate: true };
  const subscriptions = new WebhookSubscriptions(repository.webhookRepository, box, settings, async () => true);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const { webhook } = await subscriptions.register({ url, supplier: SUPPLIER_A.oin }, BENCH_SUPPORT);
  const worker = new WebhookWorker({
    collections: repository.webhookRepository, store: repository.store, box, settings, metrics: new WebhookMetrics(),
    supplierOfSystem: async (id) => (id === SYSTEM_A ? SUPPLIER_A.oin : null),
  });
  // the other replica's writes: a store whose outbox does not wake this worker
  const writer = sameProcess ? repository.store : new MandateStore(repository.mandates, repository.history, undefined, repository.journal, repository.facts, new WebhookOutbox(repository.webhookRepository.outbox.events));
  worker.start();
  for (let i = 0; i < count; i++) {
    const slotKey = SLOTS[i % SLOTS.length]!;
    await endDateChange(writer, slotKey, i + 7);
    await new Promise((r) => setTimeout(r, 50));
  }
  const deadline = Date.now() + 30_000;
  while (received.size < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await worker.stop();
  await subscriptions.delete(webhook.id, BENCH_SUPPORT);
  await new Promise<void>((r) => server.close(() => r()));
  // lag per delivered event: from the change's recorded time to the first 2xx
  const deliveries = await repository.webhookRepository.deliveries.find({ webhookId: webhook.id }).toArray();
  return deliveries.filter((d) => received.has(d.eventId)).map((d) => received.get(d.eventId)! - d.occurredAt.getTime()).sort((a, b) => a - b);
}

/** Ends the mandate on another date through the store (its slot read first). */
async function endMandateChange(store: MandateStore, repository: DirectAccess, mandateId: string, i: number): Promise<void> {
  const mandate = (await repository.mandates.findOne({ id: mandateId }))!;
  const state = await store.readSlot(mandate.slotKey);
  const current = state.mandates.find((m) => m.id === mandateId)!;
  const after = { ...current, endDate: `2041-01-${String(1 + (i % 28)).padStart(2, '0')}`, version: current.version + 1, updatedAt: new Date() };
  await store.commit(state, [{ mandateId, action: 'ENDED', before: current, after }], ACTOR, new Date());
}

/**
 * B's lag while A's receiver answers after `slowMs` (null: never; 0: at once): changes of A's
 * and B's mandates alternate, one every 50 ms; returns B's lags.
 */
async function slowNeighbourRun(repository: DirectAccess, box: SecretBox, count: number, slowMs: number | null): Promise<number[]> {
  const received = new Map<string, number>();
  const quick = http.createServer((req, res) => {
    const id = String(req.headers['x-osr-event-id']);
    req.resume();
    req.on('end', () => {
      if (!received.has(id)) received.set(id, Date.now());
      res.writeHead(204).end();
    });
  });
  const slow = http.createServer((req, res) => {
    req.resume();
    if (slowMs === null) return; // never answers
    req.on('end', () => setTimeout(() => res.writeHead(204).end(), slowMs).unref());
  });
  await Promise.all([quick, slow].map((server) => new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))));
  const settings = { ...webhookSettings({ WEBHOOK_ALLOW_PRIVATE: 'true' }), allowPrivate: true };
  const subscriptions = new WebhookSubscriptions(repository.webhookRepository, box, settings, async () => true);
  const urlOf = (server: http.Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const a = await subscriptions.register({ url: urlOf(slow), supplier: SUPPLIER_A.oin }, BENCH_SUPPORT);
  const b = await subscriptions.register({ url: urlOf(quick), supplier: SUPPLIER_B.oin }, BENCH_SUPPORT);
  const suppliers = new Map([[SYSTEM_A, SUPPLIER_A.oin], [SYSTEM_B, SUPPLIER_B.oin]]);
  const worker = new WebhookWorker({
    collections: repository.webhookRepository, store: repository.store, box, settings, metrics: new WebhookMetrics(),
    supplierOfSystem: async (id) => suppliers.get(id) ?? null,
  });
  const open = async (systemId: string) => (await repository.mandates.find({ systemId }).toArray()).filter((m) => m.brin !== null).map((m) => m.id);
  const [ofA, ofB] = await Promise.all([open(SYSTEM_A), open(SYSTEM_B)]);
  worker.start();
  for (let i = 0; i < count; i++) {
    await endMandateChange(repository.store, repository, ofA[i % ofA.length]!, i);
    await endMandateChange(repository.store, repository, ofB[i % ofB.length]!, i);
    await new Promise((r) => setTimeout(r, 50));
  }
  const deadline = Date.now() + 30_000;
  const deliveriesOfB = () => repository.webhookRepository.deliveries.find({ webhookId: b.webhook.id }).toArray();
  while ((await deliveriesOfB()).some((d) => !received.has(d.eventId)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await worker.halt();
  await subscriptions.delete(a.webhook.id, BENCH_SUPPORT);
  await subscriptions.delete(b.webhook.id, BENCH_SUPPORT);
  for (const server of [quick, slow]) {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
  const deliveries = await deliveriesOfB();
  return deliveries.filter((d) => received.has(d.eventId)).map((d) => received.get(d.eventId)! - d.occurredAt.getTime()).sort((x, y) => x - y);
}

let embedded: RunningDatabase | null = null;
let dataDir: string | null = null;
let database: Database | null = null;
try {
  let uri = process.env['MONGODB_URI'] || '';
  if (!uri) {
    dataDir = mkdtempSync(join(tmpdir(), 'osr-bench-webhooks-'));
    letPostgresIn(dataDir);
    embedded = await startFerretdb({ dataDir, ephemeral: true, log: () => undefined });
    uri = embedded.uri;
  }
  const prefix = `bw${randomBytes(3).toString('hex')}_`;
  await seedDemo(uri, prefix);
  database = await connectDatabase(uri, databaseName(prefix, 'mandates'));
  const repository = directAccess(database.db);
  await repository.ensureIndexes();
  const without = new MandateStore(repository.mandates, repository.history, undefined, repository.journal, repository.facts);
  say(`write cost: ${writes} end-date changes with the events outbox and ${writes} without, alternating`);
  for (let i = 0; i < 20; i++) await endDateChange(i % 2 ? repository.store : without, SLOTS[i % SLOTS.length]!, i); // warm up
  const withEvents: number[] = [];
  const plain: number[] = [];
  for (let i = 0; i < 2 * writes; i++) {
    const store = i % 2 === 0 ? repository.store : without;
    (store === without ? plain : withEvents).push(await endDateChange(store, SLOTS[Math.floor(i / 2) % SLOTS.length]!, i));
  }
  withEvents.sort((a, b) => a - b);
  plain.sort((a, b) => a - b);
  say(`  without events: p50 ${ms(percentile(plain, 50))}, p95 ${ms(percentile(plain, 95))}`);
  say(`  with events:    p50 ${ms(percentile(withEvents, 50))}, p95 ${ms(percentile(withEvents, 95))}`);
  say(`  extra at p50: ${ms(percentile(withEvents, 50) - percentile(plain, 50))} (target <= 5 ms)`);
  const box = new SecretBox(null, randomBytes(32).toString('hex'));
  const count = Math.min(writes, 200);
  for (const sameProcess of [true, false]) {
    const lags = await lagRun(repository, sameProcess, box, count);
    say(`delivery lag, ${sameProcess ? 'worker in the writing process' : `worker of another replica (polling every ${settingsPollMs} ms)`}: ${lags.length}/${count} delivered, p50 ${ms(percentile(lags, 50))}, p95 ${ms(percentile(lags, 95))}, max ${ms(lags.at(-1) ?? 0)} (target p95 <= 1000 ms)`);
  }
  const neighbours = Math.min(writes, 60);
  for (const [label, slowMs] of [['answering at once', 0], ['answering after 8 s', 8_000], [`never answering (cut off after ${webhookSettings().timeoutMs} ms)`, null]] as const) {
    const lags = await slowNeighbourRun(repository, box, neighbours, slowMs);
    say(`supplier B's lag with supplier A's receiver ${label}: ${lags.length}/${neighbours} delivered, p50 ${ms(percentile(lags, 50))}, p95 ${ms(percentile(lags, 95))}, max ${ms(lags.at(-1) ?? 0)} (target p95 <= 1000 ms)`);
  }
} finally {
  await database?.close();
  await embedded?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
