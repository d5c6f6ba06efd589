/**
 * "Missing" and "not yours" look the same to a caller without rights, in what the answer says
 * and in the work it costs (SECURITY.md): for every operation of test/corpus/refusal-pairs.ts,
 * the request naming another board's record and the one naming a record that does not exist
 * get the same answer through the gateway, make the same calls between subgraphs, and run the
 * same database commands (each subgraph's, counted with the driver's command monitoring). The
 * time each takes is measured side by side by `npm run bench:access`, not here.
 */
import type { CommandStartedEvent } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countDatabaseCommands } from '@osr/common';
import { buildDemoData, SUPPLIER_B } from '../../scripts/demo-data.js';
import { seedDemo } from '../../scripts/seed-lib.js';
import { answerWithoutIds, REFUSAL_PAIRS, type RefusalCaller, type RefusalPair } from '../corpus/refusal-pairs.js';
import { bearer, databaseUri, freshPrefix, startSystem, type RunningSystem } from '../support/system.js';

describe('a refusal costs the same work for a missing record as for another board\'s', () => {
  let system: RunningSystem;
  const headers = {} as Record<RefusalCaller, Record<string, string>>;
  /** What the subgraphs did since the last reset: "<subgraph> <command> <collection>" and "<subgraph> HTTP request". */
  let work: string[] = [];

  beforeAll(async () => {
    countDatabaseCommands(); // before connecting: the driver monitors commands only when told at connect time
    const prefix = freshPrefix();
    await seedDemo(databaseUri(), prefix, buildDemoData());
    system = await startSystem(prefix, { rateLimit: { perMinute: 0, burst: 0 } });
    for (const subgraph of Object.values(system.subgraphs)) {
      subgraph.database.client.on('commandStarted', (event: CommandStartedEvent) => {
        const collection = event.command[event.commandName];
        work.push(`${subgraph.name} ${event.commandName} ${typeof collection === 'string' ? collection : ''}`);
      });
      subgraph.server.httpServer.on('request', () => work.push(`${subgraph.name} HTTP request`));
    }
    headers.otherBoard = await bearer({ role: 'BOARD', board: '42001', rights: ['OSR_TOEGANG'] });
    headers.otherBoardSigner = await bearer({ role: 'BOARD', board: '42001', rights: ['OSR_TOEGANG', 'KENNISNET_ONDERTEKENEN'] });
    headers.supplier = await bearer({ role: 'SUPPLIER', supplier: SUPPLIER_B.oin });
  });
  afterAll(() => system?.stop());

  async function send(pair: RefusalPair, variables: Record<string, string>): Promise<{ answer: string; work: string[] }> {
    work = [];
    const res = await fetch(system.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers[pair.caller] },
      body: JSON.stringify({ query: pair.query, variables }),
    });
    const answer = `${res.status} ${answerWithoutIds(await res.text(), variables)}`;
    return { answer, work: [...work].sort() };
  }

  it.each(REFUSAL_PAIRS.map((p) => [p.name, p] as const))('%s: the same answer, subgraph calls and database commands for both', async (_name, pair) => {
    // once each first: what a process keeps after its first request (loaders, caches) is then in place for both
    await send(pair, pair.existing);
    await send(pair, pair.missing);
    const existing = await send(pair, pair.existing);
    const missing = await send(pair, pair.missing);
    expect(existing.answer).toContain('FORBIDDEN');
    expect(missing.answer, 'the answers').toBe(existing.answer);
    expect(missing.work, 'the work done').toEqual(existing.work);
    expect(existing.work.some((w) => / (find|aggregate) /.test(w)), 'a lookup was made').toBe(true);
  });
});
