/**
 * The school cache (school-cache.ts) against the real database: a school asked again costs no
 * mandate or aanleverpunt read, and every write (through the store, by another replica, a write
 * still in progress, a bulk change without details) is seen by the next request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, databaseName, type Database } from '@osr/common';
import { buildDemoData } from '../../../scripts/demo-data.js';
import { seedDemo } from '../../../scripts/seed-lib.js';
import { databaseUri, freshPrefix, withEnv } from '../../../test/support/system.js';
import type { MandateDocument } from '../src/documents.js';
import type { MemoryReads } from '../src/read-model/index.js';
import { directAccess, type DirectAccess } from '../src/repositories/direct.js';

const memoryOf = (repo: DirectAccess) => repo.repositories.reads as MemoryReads;

const ACTOR = { sub: 'u-test', name: 'Test', role: 'SUPPORT' as const };

describe('the school cache', () => {
  let database: Database;
  /** the replica whose cache is tested */
  let cached: DirectAccess;
  /** another replica (its own process in production), writing */
  let other: DirectAccess;
  let reads = 0;

  beforeAll(async () => {
    const prefix = freshPrefix();
    // what the read model keeps: written with it whatever the test run's read model
    await withEnv({ MANDATES_READ_MODEL: 'memory' }, () => seedDemo(databaseUri(), prefix, buildDemoData()));
    database = await connectDatabase(databaseUri(), databaseName(prefix, 'mandates'));
    cached = directAccess(database.db, undefined, 'memory');
    await cached.ensureIndexes();
    cached.repositories.reads = cached.readModel.reads(cached.repositories.reads, cached.repositories.mandates, { maxSchools: 100 });
    // count the school reads the cache makes
    const cache = memoryOf(cached).schools;
    const readers = (cache as unknown as { readers: { mandates: (b: string) => Promise<unknown[]>; aanleverpunten: (b: string) => Promise<unknown[]> } }).readers;
    for (const kind of ['mandates', 'aanleverpunten'] as const) {
      const read = readers[kind];
      readers[kind] = (brin: string) => {
        reads++;
        return read(brin);
      };
    }
    other = directAccess(database.db, undefined, 'memory');
  });
  afterAll(() => database?.close());

  /** A new OSR mandate for the school, written by `repo`'s store as a grant is. */
  async function grantTo(repo: DirectAccess, brin: string, startDate: string): Promise<MandateDocument> {
    const [template] = await repo.mandates.find({ brin, serviceCode: 'OSO_OV' }).toArray();
    const at = new Date();
    const mandate: MandateDocument = { ...template!, id: `m-cache-${brin}-${startDate}`, startDate, endDate: startDate, origin: 'OSR', version: 1, createdAt: at, updatedAt: at, reviewReasons: [], reviewBoards: [] };
    delete (mandate as Partial<MandateDocument & { _id: unknown }>)._id;
    await repo.store.change(mandate.slotKey, () => [{ mandateId: mandate.id, action: 'CREATED', before: null, after: mandate }], ACTOR);
    return mandate;
  }

  it('answers a school asked again from memory: no mandate or aanleverpunt read', async () => {
    const first = await cached.findMandatesOfSchools(['31EW', '25BE'], null);
    const points = await cached.findAanleverpuntenOfSchools(['31EW', '25BE']);
    expect(first.length).toBeGreaterThan(0);
    expect(points.length).toBeGreaterThan(0);
    const before = reads;
    expect(await cached.findMandatesOfSchools(['31EW', '25BE'], null)).toEqual(first);
    expect(await cached.findAanleverpuntenOfSchools(['31EW', '25BE'])).toEqual(points);
    expect(reads).toBe(before);
    // a service filter is applied to what is kept
    const ov = await cached.findMandatesOfSchools(['31EW'], ['OSO_OV']);
    expect(ov.length).toBeGreaterThan(0);
    expect(ov.every((m) => m.serviceCode === 'OSO_OV' && m.brin === '31EW')).toBe(true);
    expect(reads).toBe(before);
  });

  it('sees a write by another replica at the next request, and reads only the school it touched again', async () => {
    await cached.findMandatesOfSchools(['31EW', '25BE'], null);
    const granted = await grantTo(other, '31EW', '2031-02-03');
    const before = reads;
    const after = await cached.findMandatesOfSchools(['31EW', '25BE'], null);
    expect(after.map((m) => m.id)).toContain(granted.id);
    expect(reads - before).toBe(1); // 31EW again; 25BE still from memory
    expect(memoryOf(cached).schools.stats().dropped).toBeGreaterThan(0);
  });

  it('while a write is in progress, reads the database and keeps nothing', async () => {
    await cached.findMandatesOfSchools(['25BE'], null);
    const intent = await other.journal.begin();
    const busy = memoryOf(cached).schools.stats().busy;
    const before = reads;
    await cached.findMandatesOfSchools(['25BE'], null);
    expect(reads - before).toBe(1);
    expect(memoryOf(cached).schools.stats().busy).toBe(busy + 1);
    await intent.end([]);
  });

  it('after a change without details (a bulk load, a repair), forgets everything', async () => {
    await cached.findMandatesOfSchools(['31EW', '25BE'], null);
    await other.mandates.updateOne({ id: (await other.mandates.findOne({ brin: '25BE' }))!.id }, { $set: { endDate: '2040-01-01' } });
    await other.journal.unknownChange();
    const before = reads;
    const after = await cached.findMandatesOfSchools(['31EW', '25BE'], null);
    expect(reads - before).toBe(2);
    expect(after.some((m) => m.brin === '25BE' && m.endDate === '2040-01-01')).toBe(true);
  });

  it('keeps what it hands out from being changed by a caller', async () => {
    await cached.findMandatesOfSchools(['31EW'], null);
    const [kept] = await cached.findMandatesOfSchools(['31EW'], null);
    expect(() => {
      (kept as { endDate: string | null }).endDate = '1999-01-01';
    }).toThrow(TypeError);
  });
});
