/**
 * A write of mandates tells what is derived from it through one hook (repositories/write-hook.ts):
 * with `memory` the read model's hook writes each mandate's facts before the mandate and appends
 * the change to the journal after it, with the change when it is known exactly; with `database`
 * nothing but the history, the outbox and the mandate is written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@osr/common';
import { buildDemoData } from '../../../scripts/demo-data.js';
import { directAccess, type DirectAccess } from '../src/repositories/direct.js';
import type { MandateWriteHook } from '../src/repositories/write-hook.js';
import { seededMandates } from './fixtures.js';

const ACTOR = { sub: 'u', name: 'Tester', role: 'SUPPORT' };

describe('the write hook', () => {
  let database: Database;
  let repository: DirectAccess;

  beforeAll(async () => {
    ({ database, repository } = await seededMandates(buildDemoData()));
  });
  afterAll(() => database?.close());

  /** Ends the running mandate of the slot through the given store. */
  async function end(store: DirectAccess['store'], slotKey: string, endDate: string) {
    const [after] = await store.change(slotKey, (state) => {
      const current = state.mandates.find((m) => m.endDate === null)!;
      return [{ mandateId: current.id, action: 'ENDED', before: current, after: { ...current, endDate, version: current.version + 1, updatedAt: new Date() } }];
    }, ACTOR);
    return after!;
  }

  it('with memory, writes the facts before the mandate and tells the journal the exact change after it', async () => {
    const memory = directAccess(database.db, undefined, 'memory');
    const mark = await memory.journal.head();
    const ended = await end(memory.store, 'school:01BC|OSO_OV', '2031-12-31');
    expect(await memory.facts.findOne({ _id: ended.id })).toMatchObject({ endDate: '2031-12-31' });
    const since = await memory.journal.since(mark);
    expect(since?.changes).toEqual([expect.objectContaining({ mandateId: ended.id, after: expect.objectContaining({ endDate: '2031-12-31' }) })]);
  });

  it('calls the hook in order: begin, writing with the after states (before the mandates change), committed with the changes', async () => {
    const calls: string[] = [];
    const recorder: MandateWriteHook = {
      begin: async () => {
        calls.push('begin');
        return {
          writing: async (after, created) => {
            const stored = await repository.mandates.findOne({ id: after[0]!.id });
            calls.push(`writing ${after.map((m) => m.endDate).join()} created=${created} stored=${stored!.endDate}`);
          },
          committed: async (changes) => {
            calls.push(`committed ${changes ? changes.map((c) => c.action).join() : 'unknown'}`);
          },
        };
      },
      changedUnknown: async () => {
        calls.push('unknown');
      },
      writingAround: async () => {
        calls.push('around');
      },
      repairDerived: async () => ({ inserted: 0, replaced: 0, removed: 0 }),
      storeComputed: async () => true,
    };
    const access = directAccess(database.db, undefined, 'database');
    access.repositories.useWriteHook(recorder);
    await end(access.store, 'school:06NP|OSO_OV', '2031-06-30');
    expect(calls).toEqual(['begin', 'writing 2031-06-30 created=false stored=null', 'committed ENDED']);
  });

  it('with database, a write leaves the facts and the journal alone', async () => {
    const db = directAccess(database.db, undefined, 'database');
    const mark = await db.journal.head();
    const before = await db.mandates.findOne({ slotKey: 'school:02DF|OSO_OV', endDate: null });
    const factsBefore = await db.facts.findOne({ _id: before!.id });
    const ended = await end(db.store, 'school:02DF|OSO_OV', '2032-01-31');
    expect(ended.id).toBe(before!.id);
    expect(await db.facts.findOne({ _id: ended.id })).toEqual(factsBefore);
    expect(await db.journal.head()).toBe(mark);
  });
  it('before mandates are written around the store, inserts the facts of new ones and replaces the facts it held of others', async () => {
    const memory = directAccess(database.db, undefined, 'memory');
    const held = (await memory.findMandatesOfSchools(['01BC'], ['OSO_OV']))[0]!;
    const fresh = { ...held, id: 'write-hook-fresh-mandate', endDate: '2041-01-01' };
    const changed = { ...held, endDate: '2040-06-30' };
    await memory.repositories.hook.writingAround([fresh, changed]);
    expect(await memory.facts.findOne({ _id: fresh.id })).toMatchObject({ endDate: '2041-01-01' });
    expect(await memory.facts.findOne({ _id: held.id })).toMatchObject({ endDate: '2040-06-30' });
    expect(await memory.facts.countDocuments({ _id: held.id })).toBe(1);
    // back as the mandate is, for the other tests
    await memory.repositories.hook.writingAround([held]);
    await memory.facts.deleteOne({ _id: fresh.id });
    expect(await memory.facts.findOne({ _id: held.id })).toMatchObject({ endDate: held.endDate });
  });
});
