/**
 * Webhooks through the gateway (issue 21), with receivers of our own on 127.0.0.1 and the
 * worker's timings shortened by environment: signed deliveries, one supplier's events never
 * at another's endpoint, a receiver down and up again (every event once, in order per
 * mandate), switches, rotation, pause and resume, the automatic pause, redelivery, two
 * mandates replicas (each event once), a worker killed mid-delivery (the same event id
 * again), a retired system, a school move, and a production-mode replica refusing private
 * addresses at registration and at delivery. The signature is checked with
 * docs/examples/webhook-receiver.ts. The tests run in order and share the receivers.
 */
import http from 'node:http';
import { EventEmitter, once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUPPLIER_A, SUPPLIER_B, SYSTEM_A, SYSTEM_B } from '../../scripts/demo-data.js';
import { seedDemo } from '../../scripts/seed-lib.js';
import { MOVED_MANDATE, moveSchool13YZ } from '../support/school-move.js';
import { verifyOsrSignature } from '../../docs/examples/webhook-receiver.js';
import type { Webhooks } from '../../subgraphs/mandates/src/webhooks/index.js';
import { bearer, databaseUri, freshPrefix, graphql, identityHeaders, startSubgraph, startSystem, type RunningSubgraph, type RunningSystem } from '../support/system.js';

Object.assign(process.env, {
  WEBHOOK_WORKER: 'true',
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_POLL_MS: '100',
  WEBHOOK_RETRY_BASE_MS: '150',
  WEBHOOK_RETRY_MAX_DELAY_MS: '300',
  WEBHOOK_TIMEOUT_MS: '1000',
  WEBHOOK_LEASE_MS: '1500',
  WEBHOOK_PAUSE_AFTER_MS: '4000',
});

interface Received {
  eventId: string;
  timestamp: string;
  signature: string;
  raw: string;
  body: { id: string; type: string; supplier: string; system: { id: string }; mandate: { id: string } };
  answered: number;
}

/** Every receiver's requests, as they come: what the tests wait on. */
const requests = new EventEmitter();
requests.setMaxListeners(0);

/** A receiver that records every request; `mode` says how it answers. */
async function receiver() {
  const state = { mode: 'ok' as 'ok' | 'down' | 'hang', received: [] as Received[] };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const entry: Received = {
        eventId: String(req.headers['x-osr-event-id']),
        timestamp: String(req.headers['x-osr-timestamp']),
        signature: String(req.headers['x-osr-signature']),
        raw,
        body: JSON.parse(raw) as Received['body'],
        answered: 0,
      };
      state.received.push(entry);
      if (state.mode === 'hang') {
        requests.emit('request');
        return; // never answers
      }
      entry.answered = state.mode === 'ok' ? 204 : 503;
      res.writeHead(entry.answered);
      res.end();
      requests.emit('request');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    state,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/osr-hook`,
    delivered: () => state.received.filter((r) => r.answered >= 200 && r.answered < 300),
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/**
 * Waits until the probe holds: checked again at each request a receiver gets (the event the
 * tests wait for), and every API_POLL_MS for what only the API shows (an automatic pause).
 * No deadline of its own: the test's timeout bounds it, so a slow machine only runs longer.
 */
const API_POLL_MS = 100;
async function waitFor<T>(_what: string, probe: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  for (;;) {
    const stop = new AbortController();
    const next = once(requests, 'request', { signal: stop.signal }).catch(() => undefined);
    const value = await probe();
    if (value) {
      stop.abort();
      return value;
    }
    const timer = setTimeout(() => stop.abort(), API_POLL_MS);
    await next;
    clearTimeout(timer);
    stop.abort();
  }
}

let system: RunningSystem;
let replica: RunningSubgraph | null = null;
let prefix: string;
const receivers: Awaited<ReturnType<typeof receiver>>[] = [];
const SUPPORT = { role: 'SUPPORT' as const, name: 'Support' };
const AS_A = { role: 'SUPPLIER' as const, supplier: SUPPLIER_A.oin, name: 'Supplier A' };
const AS_B = { role: 'SUPPLIER' as const, supplier: SUPPLIER_B.oin, name: 'Supplier B' };

async function gql<T>(claims: Parameters<typeof bearer>[0], query: string, variables?: Record<string, unknown>) {
  return graphql<T>(system.gatewayUrl, query, variables, await bearer(claims));
}

async function register(claims: Parameters<typeof bearer>[0], url: string, extra: Record<string, unknown> = {}) {
  const res = await gql<{ registerWebhook: { secret: string; webhook: { id: string } } }>(
    claims,
    'mutation ($input: RegisterWebhookInput!) { registerWebhook(input: $input) { secret webhook { id status } } }',
    { input: { url, ...extra } },
  );
  expect(res.errors).toBeUndefined();
  return res.data!.registerWebhook;
}

let schoolIndex = 0;
const SCHOOLS = ['00AV', '01BC', '02DF', '04JK', '06NP', '08ST', '25BE', '31EW', '09UV', '05LM'];
/** Support grants a new mandate (ROD_PO or VERZUIM, in 2030) to the system; returns its id. */
async function grant(systemId: string, service: 'ROD_PO' | 'VERZUIM' = 'VERZUIM', brin = SCHOOLS[schoolIndex++ % SCHOOLS.length]!): Promise<string> {
  const res = await gql<{ grantMandate: { mandates: { id: string }[] } }>(
    SUPPORT,
    'mutation ($input: GrantMandateInput!) { grantMandate(input: $input) { mandates { id } } }',
    { input: { service, systemId, brin, bevoegdGezagNummer: '41234', startDate: `2030-0${1 + (schoolIndex % 9)}-01` } },
  );
  expect(res.errors).toBeUndefined();
  return res.data!.grantMandate.mandates[0]!.id;
}

async function end(id: string, endDate: string, expectedVersion: number): Promise<void> {
  const res = await gql(SUPPORT, 'mutation ($input: EndMandateInput!) { endMandate(input: $input) { mandates { id } } }', { input: { id, endDate, expectedVersion } });
  expect(res.errors).toBeUndefined();
}

function webhooksOf(subgraph: RunningSubgraph): Webhooks {
  return (subgraph.server as unknown as { webhooks: Webhooks }).webhooks;
}

beforeAll(async () => {
  prefix = freshPrefix();
  await seedDemo(databaseUri(), prefix);
  system = await startSystem(prefix);
}, 120_000);

let production: RunningSubgraph | null = null;

afterAll(async () => {
  await production?.stop();
  await replica?.stop();
  await system?.stop();
  await Promise.all(receivers.map((r) => r.close()));
});

describe('webhooks for suppliers', () => {
  let a: Awaited<ReturnType<typeof receiver>>;
  let b: Awaited<ReturnType<typeof receiver>>;
  let secretA: string;
  let webhookA: string;

  it('a grant reaches the supplier\'s receiver, signed with its secret (verified by the example in the docs)', async () => {
    a = await receiver();
    b = await receiver();
    receivers.push(a, b);
    const registered = await register(AS_A, a.url);
    secretA = registered.secret;
    webhookA = registered.webhook.id;
    expect(secretA).toMatch(/^whsec_/);
    await register(AS_B, b.url);

    const id = await grant(SYSTEM_A);
    const got = await waitFor('the grant at receiver A', () => a.delivered().find((r) => r.body.mandate.id === id));
    expect(got.body.type).toBe('MANDATE_GRANTED');
    expect(got.body.supplier).toBe(SUPPLIER_A.oin);
    expect(got.eventId).toBe(got.body.id);
    expect(verifyOsrSignature({ 'x-osr-timestamp': got.timestamp, 'x-osr-signature': got.signature }, got.raw, [secretA])).toBe(true);
    expect(verifyOsrSignature({ 'x-osr-timestamp': got.timestamp, 'x-osr-signature': got.signature }, got.raw, ['whsec_wrong'])).toBe(false);
    expect(verifyOsrSignature({ 'x-osr-timestamp': got.timestamp, 'x-osr-signature': got.signature }, got.raw.replace('MANDATE_GRANTED', 'MANDATE_ENDED'), [secretA])).toBe(false);

    // recorded right after the receiver's answer (which the receiver saw first)
    const recorded = await waitFor('the delivery recorded as delivered', async () => {
      const deliveries = await gql<{ webhookDeliveries: { edges: { node: { eventId: string; status: string; attempts: { statusCode: number }[] } }[] } }>(
        AS_A,
        'query ($id: ID!) { webhookDeliveries(webhookId: $id, status: DELIVERED, first: 10) { edges { node { eventId status attempts { statusCode } } } } }',
        { id: webhookA },
      );
      expect(deliveries.errors).toBeUndefined();
      return deliveries.data!.webhookDeliveries.edges.map((e) => e.node).find((n) => n.eventId === got.eventId);
    });
    expect(recorded).toEqual({ eventId: got.eventId, status: 'DELIVERED', attempts: [{ statusCode: 204 }] });
    // the counters on the mandates subgraph's metrics endpoint
    const metrics = await (await fetch(new URL('/metrics', system.subgraphs.mandates.url))).text();
    expect(Number(/^osr_webhook_deliveries_delivered_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    expect(metrics).toMatch(/^osr_webhook_delivery_lag_seconds_count [1-9]/m);
    // the secret is not shown again
    const listed = await gql<{ webhooks: { edges: { node: Record<string, unknown> }[] } }>(AS_A, '{ webhooks { edges { node { id url status } } } }');
    expect(listed.data!.webhooks.edges.map((e) => e.node)).toEqual([{ id: webhookA, url: a.url, status: 'ACTIVE' }]);
  });

  it('supplier B\'s events go to B\'s endpoint only, and A\'s endpoint never gets them', async () => {
    const idB = await grant(SYSTEM_B, 'ROD_PO', '03GH');
    await waitFor('the grant at receiver B', () => b.delivered().find((r) => r.body.mandate.id === idB));
    const idA = await grant(SYSTEM_A);
    await waitFor('A\'s next grant at receiver A', () => a.delivered().find((r) => r.body.mandate.id === idA));
    expect(a.state.received.every((r) => r.body.supplier === SUPPLIER_A.oin && r.body.system.id === SYSTEM_A)).toBe(true);
    expect(b.state.received.every((r) => r.body.supplier === SUPPLIER_B.oin && r.body.system.id === SYSTEM_B)).toBe(true);
    expect(a.state.received.some((r) => r.body.mandate.id === idB)).toBe(false);
  });

  it('while the receiver is down the first event is retried and later ones of the mandate wait; once up, every event arrives once, in order', async () => {
    a.state.mode = 'down';
    const id = await grant(SYSTEM_A);
    await end(id, '2031-01-31', 1);
    await end(id, '2031-06-30', 2);
    // several failed attempts of the grant, none of the events after it
    await waitFor('three failed attempts', () => a.state.received.filter((r) => r.body.mandate.id === id && r.answered === 503).length >= 3);
    expect(new Set(a.state.received.filter((r) => r.body.mandate.id === id).map((r) => r.body.type))).toEqual(new Set(['MANDATE_GRANTED']));
    a.state.mode = 'ok';
    const done = await waitFor('all three delivered', () => {
      const mine = a.delivered().filter((r) => r.body.mandate.id === id);
      return mine.length >= 3 && mine;
    });
    await new Promise((r) => setTimeout(r, 500)); // nothing more comes
    const delivered = a.delivered().filter((r) => r.body.mandate.id === id);
    expect(delivered.map((r) => r.body.type)).toEqual(['MANDATE_GRANTED', 'MANDATE_ENDED', 'MANDATE_END_DATE_CHANGED']);
    expect(new Set(delivered.map((r) => r.eventId)).size).toBe(done.length);
    // the failed attempts are visible with their answers
    const res = await gql<{ webhookDeliveries: { edges: { node: { eventType: string; attemptCount: number; attempts: { statusCode: number }[] } }[] } }>(
      AS_A,
      'query ($id: ID!) { webhookDeliveries(webhookId: $id, first: 3) { edges { node { eventType attemptCount attempts { statusCode } } } } }',
      { id: webhookA },
    );
    const grantDelivery = res.data!.webhookDeliveries.edges.map((e) => e.node).find((n) => n.eventType === 'MANDATE_GRANTED')!;
    expect(grantDelivery.attemptCount).toBeGreaterThanOrEqual(4);
    expect(grantDelivery.attempts.at(-1)!.statusCode).toBe(204);
    expect(grantDelivery.attempts[0]!.statusCode).toBe(503);
  });

  it('a switch tells the old system\'s supplier it was switched from and the new one\'s it was switched to', async () => {
    const id = await grant(SYSTEM_A, 'ROD_PO', '07QR');
    await waitFor('the grant', () => a.delivered().find((r) => r.body.mandate.id === id));
    const res = await gql<{ switchSystem: { mandates: { id: string }[] } }>(
      SUPPORT,
      'mutation ($input: SwitchSystemInput!) { switchSystem(input: $input) { mandates { id } } }',
      { input: { brin: '07QR', service: 'ROD_PO', fromSystemId: SYSTEM_A, toSystemId: SYSTEM_B, startDate: '2032-01-01' } },
    );
    expect(res.errors).toBeUndefined();
    const newId = res.data!.switchSystem.mandates.map((m) => m.id).find((m) => m !== id)!;
    const from = await waitFor('switched from at A', () => a.delivered().find((r) => r.body.mandate.id === id && r.body.type === 'MANDATE_SWITCHED_FROM'));
    const to = await waitFor('switched to at B', () => b.delivered().find((r) => r.body.mandate.id === newId));
    expect(to.body.type).toBe('MANDATE_SWITCHED_TO');
    expect((from.body as unknown as { mandate: { after: { endDate: string } } }).mandate.after.endDate).toBe('2031-12-31');
    expect(a.state.received.some((r) => r.body.mandate.id === newId)).toBe(false);
  });

  it('another supplier cannot see or change A\'s endpoint (answered like a missing one); A can rotate, pause and resume it', async () => {
    for (const op of ['pauseWebhook(id: $id) { id }', 'rotateWebhookSecret(id: $id) { secret }', 'deleteWebhook(id: $id)']) {
      const res = await gql(AS_B, `mutation ($id: ID!) { ${op} }`, { id: webhookA });
      expect(res.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
      expect(res.errors?.[0]?.message).toBe(`Webhook ${webhookA} does not exist or is not yours`);
    }
    const deliveries = await gql(AS_B, 'query ($id: ID!) { webhookDeliveries(webhookId: $id) { edges { node { id } } } }', { id: webhookA });
    expect(deliveries.errors?.[0]?.message).toBe(`Webhook ${webhookA} does not exist or is not yours`);

    // rotation: deliveries are signed with both secrets during the overlap
    const rotated = await gql<{ rotateWebhookSecret: { secret: string; webhook: { previousSecretValidUntil: string } } }>(
      AS_A, 'mutation ($id: ID!) { rotateWebhookSecret(id: $id) { secret webhook { previousSecretValidUntil } } }', { id: webhookA });
    expect(rotated.errors).toBeUndefined();
    const newSecret = rotated.data!.rotateWebhookSecret.secret;
    expect(newSecret).not.toBe(secretA);
    const id = await grant(SYSTEM_A);
    const got = await waitFor('a grant after the rotation', () => a.delivered().find((r) => r.body.mandate.id === id));
    const headers = { 'x-osr-timestamp': got.timestamp, 'x-osr-signature': got.signature };
    expect(got.signature.split(',')).toHaveLength(2);
    expect(verifyOsrSignature(headers, got.raw, [newSecret])).toBe(true);
    expect(verifyOsrSignature(headers, got.raw, [secretA])).toBe(true);

    // paused: nothing goes out; resumed: what waited goes out
    const paused = await gql<{ pauseWebhook: { status: string; pausedReason: string } }>(AS_A, 'mutation ($id: ID!) { pauseWebhook(id: $id) { status pausedReason } }', { id: webhookA });
    expect(paused.data!.pauseWebhook).toEqual({ status: 'PAUSED', pausedReason: 'Paused by Supplier A' });
    const waiting = await grant(SYSTEM_A);
    await new Promise((r) => setTimeout(r, 600));
    expect(a.state.received.some((r) => r.body.mandate.id === waiting)).toBe(false);
    await gql(AS_A, 'mutation ($id: ID!) { resumeWebhook(id: $id) { status } }', { id: webhookA });
    await waitFor('the held grant after resuming', () => a.delivered().find((r) => r.body.mandate.id === waiting));
  });

  it('an endpoint failing for longer than allowed is paused with the reason; a redelivery sends the same event id again', async () => {
    a.state.mode = 'down';
    const id = await grant(SYSTEM_A);
    const paused = await waitFor('the automatic pause', async () => {
      const res = await gql<{ webhooks: { edges: { node: { status: string; pausedReason: string | null; failingSince: string | null } }[] } }>(AS_A, '{ webhooks { edges { node { status pausedReason failingSince } } } }');
      const node = res.data!.webhooks.edges[0]!.node;
      return node.status === 'PAUSED' && node;
    });
    expect(paused.pausedReason).toMatch(/^No 2xx answer since .* \(last: HTTP 503\); paused automatically/);
    expect(paused.failingSince).not.toBeNull();
    a.state.mode = 'ok';
    const resumed = await gql<{ resumeWebhook: { status: string; failingSince: string | null } }>(AS_A, 'mutation ($id: ID!) { resumeWebhook(id: $id) { status failingSince } }', { id: webhookA });
    expect(resumed.data!.resumeWebhook).toEqual({ status: 'ACTIVE', failingSince: null });
    const first = await waitFor('the grant after resuming', () => a.delivered().find((r) => r.body.mandate.id === id));
    const again = await gql<{ redeliverWebhookEvent: { status: string }[] }>(AS_A, 'mutation ($id: ID!) { redeliverWebhookEvent(id: $id) { status } }', { id: first.eventId });
    expect(again.data!.redeliverWebhookEvent).toEqual([{ status: 'QUEUED' }]);
    await waitFor('the redelivery', () => a.delivered().filter((r) => r.eventId === first.eventId).length === 2);
    // the deliveries page newest first without overlap
    type Page = { webhookDeliveries: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } };
    const pageQuery = 'query ($id: ID!, $after: String) { webhookDeliveries(webhookId: $id, first: 2, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }';
    const one = await gql<Page>(AS_A, pageQuery, { id: webhookA });
    const two = await gql<Page>(AS_A, pageQuery, { id: webhookA, after: one.data!.webhookDeliveries.pageInfo.endCursor });
    expect(one.data!.webhookDeliveries.pageInfo.hasNextPage).toBe(true);
    const ids = [...one.data!.webhookDeliveries.edges, ...two.data!.webhookDeliveries.edges].map((e) => e.node.id);
    expect(new Set(ids).size).toBe(4);
    const bad = await gql(AS_A, pageQuery, { id: webhookA, after: 'not-a-cursor' });
    expect(bad.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    // another supplier cannot have it redelivered
    const refused = await gql(AS_B, 'mutation ($id: ID!) { redeliverWebhookEvent(id: $id) { status } }', { id: first.eventId });
    expect(refused.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
  });

  it('with two mandates replicas, each event is delivered once', async () => {
    replica = await startSubgraph('mandates', prefix, { organisations: system.subgraphs.organisations.url, agreements: system.subgraphs.agreements.url });
    const before = a.state.received.length;
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await grant(SYSTEM_A, 'ROD_PO'));
    await waitFor('six grants', () => ids.every((id) => a.delivered().some((r) => r.body.mandate.id === id)));
    await new Promise((r) => setTimeout(r, 700));
    const latest = a.state.received.slice(before);
    expect(latest.length).toBe(6);
    expect(new Set(latest.map((r) => r.eventId)).size).toBe(6);
  });

  it('a worker killed mid-delivery: another one sends the same event again after the lease', async () => {
    // only the replica's worker runs from here: the first one is stopped
    await webhooksOf(system.subgraphs.mandates).worker.stop();
    a.state.mode = 'hang';
    const id = await grant(SYSTEM_A, 'VERZUIM', '09UV');
    const first = await waitFor('the attempt in flight', () => a.state.received.find((r) => r.body.mandate.id === id));
    await webhooksOf(replica!).worker.halt(); // dies with the request open: nothing recorded
    a.state.mode = 'ok';
    // a fresh process takes over once the lease (1.5 s) ran out
    await replica!.kill();
    await replica!.restart();
    const again = await waitFor('the redelivery', () => a.delivered().find((r) => r.body.mandate.id === id));
    expect(again.eventId).toBe(first.eventId);
    expect(a.state.received.filter((r) => r.eventId === first.eventId).length).toBe(2);
  });

  it('retiring a system tells its supplier which mandates are flagged; the board\'s review clears them and says so', async () => {
    const id = await grant(SYSTEM_A, 'ROD_PO', '08ST');
    await waitFor('the grant', () => a.delivered().find((r) => r.body.mandate.id === id));
    const retired = await gql<{ retireSystem: { flaggedMandates: { id: string }[] } }>(
      SUPPORT, 'mutation { retireSystem(input: { id: "voorbeeld-las", lastDay: "2035-12-31" }) { flaggedMandates { id } } }');
    expect(retired.errors).toBeUndefined();
    expect(retired.data!.retireSystem.flaggedMandates.map((m) => m.id)).toContain(id);
    const flagged = await waitFor('system retired', () => a.delivered().find((r) => r.body.mandate.id === id && r.body.type === 'SYSTEM_RETIRED'));
    expect((flagged.body as unknown as { reviewReason: string }).reviewReason).toBe('SYSTEM_RETIRED');
    const reviewed = await gql(
      { role: 'BOARD', board: '41234', rights: ['OSR_TOEGANG'], name: 'Staff 41234' },
      'mutation ($ids: [ID!]!) { markMandatesReviewed(ids: $ids) { mandates { id } } }', { ids: [id] });
    expect(reviewed.errors).toBeUndefined();
    await waitFor('review cleared', () => a.delivered().find((r) => r.body.mandate.id === id && r.body.type === 'MANDATE_REVIEW_CLEARED'));
    expect(b.state.received.some((r) => r.body.mandate.id === id)).toBe(false);
  });

  it('a school moving to another board tells the supplier its mandate is flagged for review', async () => {
    await moveSchool13YZ(system);
    const flagged = await waitFor('flagged for review', () => b.delivered().find((r) => r.body.mandate.id === MOVED_MANDATE));
    expect(flagged.body.type).toBe('MANDATE_FLAGGED_FOR_REVIEW');
    expect((flagged.body as unknown as { reviewReason: string }).reviewReason).toBe('SCHOOL_MOVED');
    expect(a.state.received.some((r) => r.body.mandate.id === MOVED_MANDATE)).toBe(false);
  });

  it('the new board confirming the flagged mandate in the yearly check clears the flag and tells the supplier so', async () => {
    const newBoard = { role: 'BOARD' as const, board: '43555', rights: ['OSR_TOEGANG'], name: 'Staff of 43555' };
    const confirmed = await gql<{ confirmMandates: { newlyConfirmed: number } }>(newBoard, `mutation { confirmMandates(board: "43555", ids: ["${MOVED_MANDATE}"]) { newlyConfirmed } }`);
    expect(confirmed.errors).toBeUndefined();
    expect(confirmed.data!.confirmMandates.newlyConfirmed).toBe(1);
    const cleared = await waitFor('review cleared by the confirmation', () => b.delivered().find((r) => r.body.mandate.id === MOVED_MANDATE && r.body.type === 'MANDATE_REVIEW_CLEARED'));
    const change = (cleared.body as unknown as { mandate: { before: { reviewReasons: unknown[] }; after: { reviewReasons: unknown[] } } }).mandate;
    expect(change.before.reviewReasons).toHaveLength(1);
    expect(change.after.reviewReasons).toEqual([]);
  });

  it('in production mode a private or loopback address is refused when registering, and again when delivering', async () => {
    // only a production-mode replica delivers from here
    await webhooksOf(replica!).worker.stop();
    const saved = { NODE_ENV: process.env['NODE_ENV'], WEBHOOK_ALLOW_PRIVATE: process.env['WEBHOOK_ALLOW_PRIVATE'] };
    Object.assign(process.env, { NODE_ENV: 'production', WEBHOOK_ALLOW_PRIVATE: 'false' });
    try {
      production = await startSubgraph('mandates', prefix, { organisations: system.subgraphs.organisations.url, agreements: system.subgraphs.agreements.url });
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    const supplierB = identityHeaders({ sub: 'b', name: 'Supplier B', role: 'SUPPLIER', board: null, rights: [], supplier: SUPPLIER_B.oin });
    const query = 'mutation ($url: String!) { registerWebhook(input: { url: $url }) { secret } }';
    for (const [url, reason] of [
      ['https://127.0.0.1:8443/hook', /is not a public address$/],
      ['https://[::1]/hook', /is not a public address$/],
      ['https://169.254.169.254/latest/meta-data', /is not a public address$/],
      ['https://localhost/hook', /is not a public address$/],
      // IPv6 forms embedding loopback, and site-local
      ...['[::7f00:1]', '[::127.0.0.1]', '[2002:7f00:1::1]', '[::ffff:0:7f00:1]', '[64:ff9b:1::7f00:1]', '[fec0::1]'].map((host) => [`https://${host}/hook`, /is not a public address$/] as const),
      // a name that does not resolve: no lookup error in the answer
      ['https://no-such-host.invalid/hook', /is not a public address$/],
      ['http://hooks.example.com/osr', /must be an https URL/],
    ] as const) {
      const res = await graphql(production.url, query, { url }, supplierB);
      expect(res.errors?.[0]?.extensions?.['code'], url).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message, url).toMatch(reason);
      expect(JSON.stringify(res), url).not.toMatch(/ENOTFOUND|EAI_AGAIN|private|loopback|resolves/);
    }
    // an endpoint registered where private addresses were allowed is refused at delivery time
    const c = await receiver();
    receivers.push(c);
    const { webhook } = await register(AS_B, c.url);
    const id = await grant(SYSTEM_B, 'ROD_PO', '12WX');
    const refused = await waitFor('a refused attempt', async () => {
      const res = await gql<{ webhookDeliveries: { edges: { node: { mandateId: string; attempts: { statusCode: number | null; error: string }[] } }[] } }>(
        AS_B, 'query ($id: ID!) { webhookDeliveries(webhookId: $id) { edges { node { mandateId attempts { statusCode error } } } } }', { id: webhook.id });
      return res.data?.webhookDeliveries.edges.map((e) => e.node).find((n) => n.mandateId === id && n.attempts.length > 0);
    });
    expect(refused.attempts[0]).toEqual({ statusCode: null, error: expect.stringMatching(/^refused: the URL must be an https URL/) });
    expect(c.state.received).toEqual([]);
  });
});
