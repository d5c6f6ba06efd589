import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoData, SUPPLIER_A } from '../../scripts/demo-data.js';
import { seedDemo } from '../../scripts/seed-lib.js';
import { BAD_INPUT_CASES, type BadInputCase, type Caller } from '../corpus/bad-input.js';
import { snapshotDatabases } from '../support/snapshot.js';
import { bearer, databaseUri, freshPrefix, startSystem, type RunningSystem } from '../support/system.js';

describe('the bad-input corpus through the gateway', () => {
  let system: RunningSystem;
  let before: Record<string, string>;
  const prefix = freshPrefix();
  const headers = {} as Record<Caller, Record<string, string>>;

  beforeAll(async () => {
    await seedDemo(databaseUri(), prefix, buildDemoData());
    system = await startSystem(prefix, { rateLimit: { perMinute: 0, burst: 0 } });
    headers.none = {};
    headers.board = await bearer({ role: 'BOARD', board: '41234', rights: ['OSR_TOEGANG'] });
    headers.boardWithoutRight = await bearer({ role: 'BOARD', board: '41234' });
    headers.otherBoard = await bearer({ role: 'BOARD', board: '42001', rights: ['OSR_TOEGANG'] });
    headers.otherBoardSigner = await bearer({ role: 'BOARD', board: '42001', rights: ['OSR_TOEGANG', 'KENNISNET_ONDERTEKENEN'] });
    headers.support = await bearer({ role: 'SUPPORT' });
    headers.analyst = await bearer({ role: 'ANALYST' });
    headers.supplier = await bearer({ role: 'SUPPLIER', supplier: SUPPLIER_A.oin });
    before = await snapshotDatabases(databaseUri(), prefix);
  });
  afterAll(() => system?.stop());

  it('holds at least 100 cases, each named once', () => {
    expect(BAD_INPUT_CASES.length).toBeGreaterThanOrEqual(100);
    expect(new Set(BAD_INPUT_CASES.map((c) => c.name)).size).toBe(BAD_INPUT_CASES.length);
  });

  async function send(c: BadInputCase) {
    const body = c.bytes ?? c.raw ?? JSON.stringify({ query: c.query, variables: c.variables, operationName: c.operationName });
    const res = await fetch(system.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': c.contentType ?? 'application/json', ...headers[c.caller ?? 'none'] },
      body,
    });
    const text = await res.text();
    let json: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } = {};
    try {
      json = JSON.parse(text);
    } catch {
      // checked below: every answer is JSON
    }
    return { status: res.status, text, json };
  }

  it.each(BAD_INPUT_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const res = await send(c);
    expect(res.status).toBe(c.expect.status);
    expect(() => JSON.parse(res.text), 'the answer is JSON').not.toThrow();
    // No stack traces, database details or internal errors reach the client.
    expect(res.text).not.toMatch(/at \S+ \(|node_modules|MongoServerError|mongodb:\/\/|INTERNAL_SERVER_ERROR/);
    const first = res.json.errors?.[0];
    if (c.expect.code === null && c.expect.status === 200) {
      expect(res.json.errors).toBeUndefined();
      if (c.expect.data !== undefined) expect(res.json.data).toEqual(c.expect.data);
    } else {
      expect(first, 'an error explains the refusal').toBeDefined();
      if (c.expect.code) expect(first!.extensions?.code).toBe(c.expect.code);
      if (c.expect.message) expect(first!.message).toContain(c.expect.message);
    }
    for (const hidden of c.expect.hides ?? []) expect(res.text, 'the answer reveals nothing of what it refuses').not.toContain(hidden);
  });

  it('after the whole corpus the databases are byte-for-byte as before, and every process still answers', async () => {
    expect(await snapshotDatabases(databaseUri(), prefix)).toEqual(before);
    const ready = await fetch(system.gatewayUrl.replace(/graphql$/, 'ready'));
    expect(ready.status).toBe(200);
  });
});
