/**
 * Faults with real processes: the database server stops under load and comes back.
 * Subgraphs report not ready and answer with errors (no hang past their timeouts), recover
 * without a restart, every acknowledged write is there and no failed write is half there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, databaseName } from '@osr/common';
import { directAccess } from '@osr/subgraph-mandates/direct';
import { freePort, letPostgresIn, startFerretdb, type RunningDatabase } from '../../scripts/ferretdb.js';
import { buildDemoData } from '../../scripts/demo-data.js';
import { seedDemo } from '../../scripts/seed-lib.js';
import { bearer, freshPrefix, graphql, startSystem, type RunningSystem } from '../support/system.js';

const END = `mutation End($id: ID!, $endDate: Date!, $v: Int!) {
  endMandate(input: { id: $id, endDate: $endDate, expectedVersion: $v }) { mandates { id version endDate } }
}`;

describe('the database stops during load and comes back', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'osr-fault-db-'));
  let port: number;
  let db: RunningDatabase;
  let uri: string;
  let system: RunningSystem;
  const prefix = freshPrefix();
  const demo = buildDemoData();

  beforeAll(async () => {
    port = await freePort();
    letPostgresIn(dataDir);
    db = await startFerretdb({ dataDir, port, ephemeral: true });
    uri = db.uri;
    await seedDemo(uri, prefix, demo);
    system = await startSystem(prefix, { subgraphTimeoutMs: 4_000 }, uri);
  }, 60_000);
  afterAll(async () => {
    await system?.stop();
    await db?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers with errors within the timeouts while it is down, recovers by itself, and loses no acknowledged write', async () => {
    const support = await bearer({ role: 'SUPPORT' });
    const mandates = demo.mandates.mandates.filter((m) => m.endDate === null).map((m) => m.id);
    const versions = new Map(mandates.map((id) => [id, 1]));
    const acknowledged = new Map<string, { version: number; endDate: string }>();
    const failedAttempts: { id: string; endDate: string }[] = [];
    let day = 1;

    // One round of writes: each mandate gets a new end date at the version we know.
    const round = async () => {
      const started = Date.now();
      const results = await Promise.all(
        mandates.slice(0, 8).map(async (id) => {
          const endDate = `2031-01-${String(day).padStart(2, '0')}`;
          const res = await graphql<{ endMandate: { mandates: { version: number; endDate: string }[] } }>(system.gatewayUrl, END, { id, endDate, v: versions.get(id) }, support);
          const m = res.data?.endMandate?.mandates[0];
          if (m) {
            versions.set(id, m.version);
            acknowledged.set(id, { version: m.version, endDate: m.endDate });
            return 'ok';
          }
          failedAttempts.push({ id, endDate });
          return res.errors?.[0]?.extensions?.['code'] ?? `HTTP ${res.status}`;
        }),
      );
      day++;
      return { results, seconds: (Date.now() - started) / 1000 };
    };

    expect((await round()).results.every((r) => r === 'ok')).toBe(true);
    expect((await round()).results.every((r) => r === 'ok')).toBe(true);

    await db.stop();
    const whileDown = await round();
    expect(whileDown.results.every((r) => r !== 'ok')).toBe(true);
    // Driver server selection (2 s in tests) and the gateway's subgraph timeout (4 s) bound the wait.
    expect(whileDown.seconds).toBeLessThan(8);
    const ready = await fetch(system.subgraphs.mandates.url.replace(/graphql$/, 'ready'));
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ database: 'down' });

    db = await startFerretdb({ dataDir, port, ephemeral: true });
    // The driver reconnects by itself: the same processes answer again.
    let recovered = false;
    for (let i = 0; i < 40 && !recovered; i++) {
      recovered = (await fetch(system.subgraphs.mandates.url.replace(/graphql$/, 'ready'))).status === 200;
      if (!recovered) await new Promise((r) => setTimeout(r, 250));
    }
    expect(recovered).toBe(true);
    const afterwards = await round();
    expect(afterwards.results.every((r) => r === 'ok')).toBe(true);

    // Every acknowledged write is there; every mandate equals the last change its history records.
    const database = await connectDatabase(uri, databaseName(prefix, 'mandates'));
    try {
      const repository = directAccess(database.db);
      for (const [id, ack] of acknowledged) {
        const [doc] = await repository.findMandates([id]);
        expect(doc, id).toMatchObject({ version: ack.version, endDate: ack.endDate });
        const state = await repository.store.readSlot(doc!.slotKey);
        const history = await repository.store.historyOf([id]);
        const last = history.at(-1)!.changes.find((c) => c.mandateId === id)!;
        expect(state.mandates.find((m) => m.id === id), id).toEqual(last.after);
      }
      // A write that failed while the database was down left no trace.
      for (const failed of failedAttempts) {
        const history = await repository.store.historyOf([failed.id]);
        expect(history.some((h) => h.changes.some((c) => c.after.endDate === failed.endDate)), failed.id).toBe(false);
      }
    } finally {
      await database.close();
    }
  }, 90_000);
});
