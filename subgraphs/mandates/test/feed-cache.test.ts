/**
 * The supplier feed's kept change order (feed-cache.ts) against the real database: every page
 * is the page read straight from the database, before and after writes by another replica,
 * with every filter; asked again it reads no mandates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, databaseName, type Database } from '@osr/common';
import { buildDemoData } from '../../../scripts/demo-data.js';
import { seedDemo } from '../../../scripts/seed-lib.js';
import { databaseUri, freshPrefix, withEnv } from '../../../test/support/system.js';
import type { MandateDocument, ServiceCode } from '../src/documents.js';
import type { MemoryReads } from '../src/read-model/index.js';
import { directAccess, type DirectAccess } from '../src/repositories/direct.js';

const memoryOf = (repo: DirectAccess) => repo.repositories.reads as MemoryReads;

const ACTOR = { sub: 'u-test', name: 'Test', role: 'SUPPORT' as const };

describe('the supplier feed kept in memory', () => {
  let database: Database;
  let cached: DirectAccess;
  /** another replica, without the cache: the reference, and the writer */
  let plain: DirectAccess;
  let systemIds: string[];
  let loads = 0;

  beforeAll(async () => {
    const prefix = freshPrefix();
    // what the read model keeps: written with it whatever the test run's read model
    await withEnv({ MANDATES_READ_MODEL: 'memory' }, () => seedDemo(databaseUri(), prefix, buildDemoData()));
    database = await connectDatabase(databaseUri(), databaseName(prefix, 'mandates'));
    cached = directAccess(database.db, undefined, 'memory');
    await cached.ensureIndexes();
    cached.repositories.reads = cached.readModel.reads(cached.repositories.reads, cached.repositories.mandates);
    const cache = memoryOf(cached).feed;
    const readers = (cache as unknown as { readers: { ofSystem: (s: string) => Promise<MandateDocument[]> } }).readers;
    const ofSystem = readers.ofSystem;
    readers.ofSystem = (s) => {
      loads++;
      return ofSystem(s);
    };
    plain = directAccess(database.db, undefined, 'memory');
    systemIds = (await plain.systems.find({}).toArray()).map((s) => s.id).sort();
  });
  afterAll(() => database?.close());

  /** The whole feed page by page, as ids, from one repository. */
  async function walk(repo: DirectAccess, options: { service?: ServiceCode; changedSince?: Date; first: number }): Promise<string[]> {
    const ids: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 1000; guard++) {
      const { items, cursorOf } = await repo.findChangedMandates({ systemIds, service: options.service ?? null, changedSince: options.changedSince ?? null, after, limit: options.first });
      ids.push(...items.map((m) => m.id));
      if (items.length < options.first) return ids;
      after = cursorOf(items.at(-1)!);
    }
    throw new Error('the feed does not end');
  }

  async function same(options: { service?: ServiceCode; changedSince?: Date; first: number }) {
    const reference = await walk(plain, options);
    expect(await walk(cached, options)).toEqual(reference);
    return reference;
  }

  it('gives the pages the database gives, with every filter, and reads each system once', async () => {
    const all = await same({ first: 3 });
    expect(all.length).toBeGreaterThan(5);
    await same({ first: 100 });
    await same({ first: 2, service: 'OSO_OV' });
    const [middle] = await plain.findMandates([all[Math.floor(all.length / 2)]!]);
    await same({ first: 2, changedSince: middle!.updatedAt });
    const before = loads;
    await same({ first: 4 });
    expect(loads).toBe(before);
    expect(before).toBeLessThanOrEqual(systemIds.length);
  });

  it('after writes by another replica (a grant, an end), gives the new order at once, without reading the lists again', async () => {
    await same({ first: 5 });
    const loadsBefore = loads;
    const [template] = await plain.mandates.find({ serviceCode: 'OSO_OV' }).limit(1).toArray();
    const at = new Date();
    const granted: MandateDocument = { ...template!, id: 'm-feed-cache-grant', brin: template!.brin, startDate: '2031-05-01', endDate: '2031-05-01', origin: 'OSR', version: 1, createdAt: at, updatedAt: at, reviewReasons: [], reviewBoards: [] };
    delete (granted as Partial<MandateDocument & { _id: unknown }>)._id;
    await plain.store.change(granted.slotKey, () => [{ mandateId: granted.id, action: 'CREATED', before: null, after: granted }], ACTOR);
    const ids = await same({ first: 5 });
    expect(ids.at(-1)).toBe(granted.id);
    // an older mandate ended: it moves to the end of the order
    const first = (await plain.findMandates([ids[0]!]))[0]!;
    const later = new Date(Date.now() + 5);
    await plain.store.change(first.slotKey, (state) => {
      const m = state.mandates.find((x) => x.id === first.id)!;
      return [{ mandateId: m.id, action: 'ENDED', before: m, after: { ...m, endDate: '2031-12-31', version: m.version + 1, updatedAt: later } }];
    }, ACTOR);
    const moved = await same({ first: 5 });
    expect(moved.at(-1)).toBe(first.id);
    expect(loads).toBe(loadsBefore);
    expect(memoryOf(cached).feed.stats().folded).toBeGreaterThanOrEqual(2);
  });

  it('after a change without details, reads the lists again and is still right', async () => {
    await plain.mandates.updateOne({ id: 'm-feed-cache-grant' }, { $set: { updatedAt: new Date(Date.now() + 10) } });
    await plain.journal.unknownChange();
    const before = loads;
    const ids = await same({ first: 7 });
    expect(ids.at(-1)).toBe('m-feed-cache-grant');
    expect(loads).toBeGreaterThan(before);
  });

  it('while a write is in progress, answers from the database', async () => {
    const intent = await plain.journal.begin();
    const busy = memoryOf(cached).feed.stats().busy;
    await same({ first: 50 });
    expect(memoryOf(cached).feed.stats().busy).toBeGreaterThan(busy);
    await intent.end([]);
  });
});
