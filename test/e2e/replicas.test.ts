/**
 * Stateless replicas: 2 gateways and 2 replicas of each subgraph (real processes) behind
 * load balancers of our own, one database, a mixed load, and one replica of each kind
 * killed with SIGKILL mid-run (scripts/replicas-lib.ts; `npm run replicas` is the same run,
 * longer, with a printed report).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/ferretdb.js';
import { createLoadBalancer, isIdempotent } from '../../scripts/lb.js';
import { seedDemo } from '../../scripts/seed-lib.js';
import { proveStatelessness } from '../../scripts/replicas-lib.js';
import { databaseUri, freshPrefix } from '../support/system.js';

describe('two replicas of every service behind a load balancer, one database', () => {
  it('when one replica of each kind is killed mid-load, then only mutations in flight fail, no acknowledged write is lost, and APQ and rate limits behave per replica', async () => {
    const prefix = freshPrefix();
    await seedDemo(databaseUri(), prefix);
    const report = await proveStatelessness({ uri: databaseUri(), prefix, durationMs: 10_000 });

    expect(report.problems).toEqual([]);
    // One of each kind was killed, while requests of every kind were running.
    expect(report.kills.map((k) => k.kind).sort()).toEqual(['agreements', 'gateway', 'mandates', 'organisations', 'support']);
    // (Counts stay low on a busy 2-core CI machine: the point is that every kind ran across the kills.)
    expect(report.load.byKind.headline.sent).toBeGreaterThanOrEqual(5);
    expect(report.load.byKind.supplierFeed.sent).toBeGreaterThanOrEqual(5);
    expect(report.load.byKind.grantMandate.sent).toBeGreaterThanOrEqual(3);
    expect(report.load.byKind.endMandate.sent).toBeGreaterThanOrEqual(1);
    // Queries never fail: a query lost with a killed replica is sent again to the other one.
    expect(report.load.byKind.headline.failed).toBe(0);
    expect(report.load.byKind.supplierFeed.failed).toBe(0);
    // The load balancers did retry (at least the first request to each killed replica).
    expect(report.load.retriedByLoadBalancers).toBeGreaterThan(0);
    // Whatever failed was a mutation in flight at a kill, and at most those in flight.
    expect(report.load.failed).toBe(report.load.failedInFlight);
    expect(report.load.failed).toBeLessThanOrEqual(report.load.inFlightAtKills);
    // Every acknowledged grant and end is in the database.
    expect(report.writes.acknowledged).toBeGreaterThanOrEqual(3);
    expect(report.writes.lost).toEqual([]);
    expect(report.writes.found).toBe(report.writes.acknowledged);
    // APQ: the cache is per replica; the other replica asks for the query, the retry works.
    expect(report.apq.otherReplicaCode).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(report.apq.retryWithQueryOk).toBe(true);
    expect(report.apq.throughLoadBalancer.ok).toBe(report.apq.throughLoadBalancer.sent);
    // Rate limits: each replica counts on its own; a caller gets the burst on each.
    for (const replica of report.rateLimit.perReplica) {
      expect(replica.ok).toBeGreaterThanOrEqual(report.rateLimit.burst);
      expect(replica.limited).toBeGreaterThan(0);
      expect(Number(replica.retryAfter)).toBeGreaterThan(0);
    }
  }, 120_000);
});

describe('the load balancer (scripts/lb.ts)', () => {
  /** A backend that answers with its name, or drops the connection without answering. */
  async function backend(name: string, behaviour: 'answer' | 'drop'): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
    let hits = 0;
    const server = http.createServer((req, res) => {
      hits++;
      req.resume();
      req.on('end', () => {
        if (behaviour === 'drop') req.socket.destroy();
        else res.end(JSON.stringify({ data: { from: name } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      hits: () => hits,
      close: () => new Promise<void>((r) => server.close(() => r())),
    };
  }
  const send = (url: string, query: string) =>
    fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) }).then(async (r) => ({ status: r.status, body: (await r.json()) as { data?: { from: string }; errors?: { extensions: { code: string } }[] } }));

  it('sends requests round robin and skips a backend that refuses connections, retrying the refused request elsewhere', async () => {
    const a = await backend('a', 'answer');
    const b = await backend('b', 'answer');
    const refused = `http://127.0.0.1:${await freePort()}`;
    const lb = await createLoadBalancer({ name: 'test', backends: [a.url, b.url, refused] });
    try {
      const froms = [];
      for (let i = 0; i < 6; i++) froms.push((await send(lb.url, 'mutation { x }')).body.data?.from);
      // The refused backend was tried once (a mutation is safe to retry: it was never sent), then skipped.
      expect(froms).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
      expect(lb.stats.retried).toBe(1);
      expect(lb.stats.failed).toBe(0);
    } finally {
      await lb.close();
      await a.close();
      await b.close();
    }
  });

  it('retries a query lost in flight on another backend, but answers 502 for a lost mutation (it may have happened)', async () => {
    const dropper = await backend('dropper', 'drop');
    const good = await backend('good', 'answer');
    const lb = await createLoadBalancer({ name: 'test', backends: [dropper.url, good.url], downForMs: 0 });
    try {
      const query = await send(lb.url, '{ board { name } }');
      expect(query).toEqual({ status: 200, body: { data: { from: 'good' } } });
      const mutation = await send(lb.url, 'mutation { grantMandate { id } }');
      expect(mutation.status).toBe(502);
      expect(mutation.body.errors?.[0]?.extensions.code).toBe('UPSTREAM_CONNECTION_LOST');
      expect(dropper.hits()).toBe(2);
      expect(good.hits()).toBe(1);
      expect(lb.stats).toMatchObject({ retried: 1, failed: 1 });
    } finally {
      await lb.close();
      await dropper.close();
      await good.close();
    }
  });

  it('tries a failed backend again after its down time: a restarted replica takes its share', async () => {
    const a = await backend('a', 'answer');
    const port = await freePort();
    const lb = await createLoadBalancer({ name: 'test', backends: [a.url, `http://127.0.0.1:${port}`], downForMs: 300 });
    let b: http.Server | null = null;
    try {
      for (let i = 0; i < 3; i++) expect((await send(lb.url, '{ x }')).body.data?.from).toBe('a');
      expect(lb.stats.retried).toBe(1);
      b = http.createServer((req, res) => req.resume().on('end', () => res.end(JSON.stringify({ data: { from: 'b' } }))));
      await new Promise<void>((r) => b!.listen(port, '127.0.0.1', () => r()));
      await new Promise((r) => setTimeout(r, 350));
      const froms = [];
      for (let i = 0; i < 4; i++) froms.push((await send(lb.url, '{ x }')).body.data?.from);
      expect(froms.filter((f) => f === 'b')).toHaveLength(2);
      expect(lb.stats.failed).toBe(0);
    } finally {
      await lb.close();
      await a.close();
      if (b) await new Promise<void>((r) => b!.close(() => r()));
    }
  });

  it('knows which requests are safe to send twice', () => {
    const json = (v: unknown) => Buffer.from(JSON.stringify(v));
    expect(isIdempotent('GET', Buffer.alloc(0), undefined)).toBe(true);
    expect(isIdempotent('POST', json({ query: 'query Q { a } fragment F on T { b }' }), 'application/json')).toBe(true);
    expect(isIdempotent('POST', json([{ query: '{ a }' }, { query: '{ b }' }]), 'application/json')).toBe(true);
    expect(isIdempotent('POST', json({ query: 'mutation { a }' }), 'application/json')).toBe(false);
    expect(isIdempotent('POST', json([{ query: '{ a }' }, { query: 'mutation { b }' }]), 'application/json')).toBe(false);
    expect(isIdempotent('POST', json({ extensions: { persistedQuery: { version: 1, sha256Hash: 'ab' } } }), 'application/json')).toBe(false);
    expect(isIdempotent('POST', Buffer.from('not json'), 'application/json')).toBe(false);
  });
});
