import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, databaseName, ensureIndexes, type Database } from '@osr/common';
import { databaseUri, freshPrefix } from '../../../test/support/system.js';
import { ChangeJournal, type MandateDelta } from '../src/read-model/change-journal.js';
import { READ_MODEL_INDEXES } from '../src/read-model/collections.js';
import type { MandateFacts } from '../src/read-model/facts.js';

/** A delta whose system names it, so that order and completeness can be checked. */
function delta(n: number): MandateDelta {
  const facts: MandateFacts = {
    serviceCode: 'ROD_PO', systemId: `s${n}`, origin: 'OSR', boardNummer: '41234', brin: '00AV',
    startDate: '2026-01-01', endDate: null, seriesStart: 'ROD_PO|2026-01', seriesEnd: null,
  };
  return { before: null, after: facts };
}

describe('the mandates change journal (against the real database)', () => {
  let database: Database;
  let now = Date.now();
  let n = 0;
  /** A journal of its own per test, over the same database (as several replicas would be). */
  const journal = (name: string, options: { maxLinks?: number } = {}) =>
    new ChangeJournal(database.db.collection('change_marks'), database.db.collection('mandate_journal'), database.db.collection('mandate_journal_intents'), name, { now: () => now, ...options });

  beforeAll(async () => {
    database = await connectDatabase(databaseUri(), databaseName(freshPrefix(), 'mandates'));
    for (const name of ['change_marks', 'mandate_journal', 'mandate_journal_intents'] as const) await ensureIndexes(database.db.collection(name), READ_MODEL_INDEXES[name]);
  });
  afterAll(() => database?.close());

  it('gives every change since a token in order, from any replica, and nothing since the last', async () => {
    const a = journal(`j${n++}`);
    const b = new ChangeJournal(database.db.collection('change_marks'), database.db.collection('mandate_journal'), database.db.collection('mandate_journal_intents'), a.name);
    expect(await a.head()).toBe(`start:${a.name}`);
    const start = await (await a.begin()).end([delta(0)]);
    await (await b.begin()).end([delta(1), delta(2)]);
    const last = await (await a.begin()).end([delta(3)]);
    expect(await b.head()).toBe(last);
    const since = await b.since(start);
    expect(since?.token).toBe(last);
    expect(since?.changes.map((c) => c.after?.systemId)).toEqual(['s1', 's2', 's3']);
    expect(await a.since(last)).toEqual({ token: last, changes: [] });
  });

  it('keeps one line of changes when many writers append at the same moment', async () => {
    const name = `j${n++}`;
    const first = await (await journal(name).begin()).end([delta(0)]);
    // each writer its own journal object: no shared state in the process
    const tokens = await Promise.all(Array.from({ length: 12 }, async (_x, i) => (await journal(name).begin()).end([delta(i + 1)])));
    const since = await journal(name).since(first);
    expect(since).not.toBeNull();
    expect(since!.changes.map((c) => c.after?.systemId).sort()).toEqual(Array.from({ length: 12 }, (_x, i) => `s${i + 1}`).sort());
    expect(tokens).toContain(since!.token);
    expect(await journal(name).head()).toBe(since!.token);
  });

  it('takes over from a change mark written before the journal existed', async () => {
    const name = `j${n++}`;
    const legacy = 'a0c0ffee-0000-4000-8000-000000000000';
    await database.db.collection<{ _id: string; token: string; at: Date }>('change_marks').insertOne({ _id: name, token: legacy, at: new Date() });
    const j = journal(name);
    expect(await j.head()).toBe(legacy);
    const first = await (await j.begin()).end([delta(0)]);
    expect(await j.head()).toBe(first);
    expect(await j.since(legacy)).toEqual({ token: first, changes: [delta(0)] });
  });

  it('says the changes are not known after a write without details, after pruning, or beyond the link limit', async () => {
    const name = `j${n++}`;
    const j = journal(name);
    const t0 = await (await j.begin()).end([delta(0)]);
    await j.unknownChange();
    expect(await j.since(t0)).toBeNull();

    const t1 = await j.head();
    await (await j.begin()).end([delta(1)]);
    await (await j.begin()).end([delta(2)]);
    expect((await journal(name, { maxLinks: 1 }).since(t1))).toBeNull();
    expect((await j.since(t1))?.changes).toHaveLength(2);

    now += 3 * 3600 * 1000;
    expect(await j.prune()).toBeGreaterThanOrEqual(4);
    expect(await j.since(t1)).toBeNull();
    // the end of the chain is still known after pruning (the mark names it)
    const end = await j.head();
    expect(await j.since(end)).toEqual({ token: end, changes: [] });
  });

  it('is not quiet while a write is in progress, and closes a write that never finished', async () => {
    const name = `j${n++}`;
    const j = journal(name);
    expect(await j.quiet()).toEqual({ token: `start:${name}`, quiet: true });
    const writing = await j.begin();
    expect((await j.quiet()).quiet).toBe(false);
    const token = await writing.end([delta(0)]);
    expect(await j.quiet()).toEqual({ token, quiet: true });

    await j.begin(); // a writer that stops here
    expect(await j.quiet()).toEqual({ token, quiet: false });
    now += 11 * 60 * 1000;
    const after = await j.quiet();
    expect(after.quiet).toBe(true);
    expect(after.token).not.toBe(token);
    // its changes are unknown: results from before must be computed again
    expect(await j.since(token)).toBeNull();
  });
});
