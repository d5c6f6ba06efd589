/**
 * The mandate check's rows and their stored copy (read-model/check-rows.ts): a process
 * that starts answers from the copy brought forward by the changes since, never from a copy
 * that could be stale, and reads the facts whenever the copy cannot be brought forward exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@osr/common';
import { buildDemoData } from '../../../scripts/demo-data.js';
import { computeCheckRows } from '../src/read-model/check-rows.js';
import { rowKey, type CheckRow } from '../src/repositories/aggregates.js';
import { MandateCheck } from '../src/mandate-check.js';
import type { DirectAccess } from '../src/repositories/direct.js';
import { parseSchoolYear } from '../src/school-year.js';
import type { SchoolDirectory } from '../src/school-directory.js';
import { boardUser, FakeOrganisations, seededMandates } from './fixtures.js';

const sorted = (rows: readonly CheckRow[]) => [...rows].sort((a, b) => (rowKey(a) < rowKey(b) ? -1 : rowKey(a) > rowKey(b) ? 1 : 0));

describe('the mandate check rows kept in the database', () => {
  const demo = buildDemoData();
  const year = parseSchoolYear('2026-2027');
  const noDirectory = { schools: async () => [] } as unknown as SchoolDirectory;
  let database: Database;
  let repository: DirectAccess;
  /** A new process's mandate check over the read model's aggregates: nothing in memory. */
  const process = () => {
    const kept = repository.readModel.aggregates(repository.repositories.aggregates);
    const check = new MandateCheck({ ...repository.repositories, aggregates: kept }, repository.store, new FakeOrganisations(demo), noDirectory, { now: () => new Date('2026-09-15T08:00:00Z') });
    return Object.assign(check, { cache: kept.checks, keepRows: (now?: number) => kept.keepRows(now) });
  };
  /** The figures read from the facts, as a process with no copy computes them. */
  const fromFacts = async () => {
    const check = process();
    await repository.db.collection('mandate_check_rows').deleteMany({});
    const progress = await check.progress({ board: null }, year, 'SECTOR');
    expect(check.cache.stats).toMatchObject({ misses: 1, restored: 0 });
    return progress;
  };

  beforeAll(async () => {
    ({ database, repository } = await seededMandates(demo, 'memory'));
  });
  afterAll(() => database?.close());

  it('stores rows in parts and reads back the same rows, odd text included', async () => {
    const rows: CheckRow[] = Array.from({ length: 12_345 }, (_, i) => ({
      serviceCode: i % 2 ? 'OSO_OV' : 'RIO',
      systemId: `sys-"${i % 7}"\n\\`,
      brin: i % 5 ? `${String(i % 100).padStart(2, '0')}AB` : null,
      boardNummer: String(10000 + (i % 300)),
      startDate: '2024-08-01',
      endDate: i % 3 ? null : '2027-07-31',
      checks: i % 4 ? null : `2026-2027|2026-09-0${1 + (i % 9)}|${10000 + (i % 300)}`,
      count: 1 + (i % 3),
    }));
    await repository.checkRows.save('token-a', rows);
    const parts = await repository.db.collection('mandate_check_rows').countDocuments({ copy: { $exists: true }, index: { $exists: true } });
    expect(parts).toBe(3);
    const loaded = await repository.checkRows.load();
    expect(loaded?.token).toBe('token-a');
    expect(loaded?.value).toEqual(rows);
    expect(await repository.checkRows.token()).toBe('token-a');

    // a second copy replaces the first: its parts are removed
    await repository.checkRows.save('token-b', rows.slice(0, 10));
    expect(await repository.db.collection('mandate_check_rows').countDocuments({})).toBe(2);
    expect((await repository.checkRows.load())?.value).toEqual(rows.slice(0, 10));
  });

  it('does not read a copy that is incomplete or of another format', async () => {
    const rows = await computeCheckRows(repository.facts);
    await repository.checkRows.save('token-c', rows);
    const collection = repository.db.collection<{ _id: string; format?: number }>('mandate_check_rows');
    const part = await collection.findOne({ _id: { $ne: 'head' } });
    await collection.deleteOne({ _id: part!._id });
    expect(await repository.checkRows.load()).toBeNull();
    await repository.checkRows.save('token-d', rows);
    await collection.updateOne({ _id: 'head' }, { $set: { format: 99 } });
    expect(await repository.checkRows.load()).toBeNull();
    expect(await repository.checkRows.token()).toBeNull();
  });

  it('a process that starts takes the stored rows, brought forward by the confirmations made since, and reads no facts', async () => {
    const expectedBefore = await fromFacts();
    const first = process();
    await first.progress({ board: null }, year, 'SECTOR');
    expect(await first.keepRows()).toBe(true);
    expect(await repository.checkRows.token()).toBe(await repository.journal.head());

    const started = process();
    expect(await started.progress({ board: null }, year, 'SECTOR')).toEqual(expectedBefore);
    expect(started.cache.stats).toMatchObject({ restored: 1, misses: 0 });

    // another process confirms after the copy was stored
    const ids = (await repository.mandates.find({ boardNummer: '41234' }).toArray()).filter((m) => m.startDate <= year.end && (m.endDate === null || m.endDate >= year.start)).map((m) => m.id);
    expect(ids.length).toBeGreaterThan(0);
    const confirmed = await process().confirm('41234', null, ids, boardUser('41234'));
    expect(confirmed.newlyConfirmed).toBeGreaterThan(0);

    const later = process();
    const after = await later.progress({ board: null }, year, 'SECTOR');
    expect(later.cache.stats).toMatchObject({ restored: 1, misses: 0 });
    expect(after.mandatesConfirmed).toBe(expectedBefore.mandatesConfirmed + confirmed.newlyConfirmed);
    expect(after).toEqual(await fromFacts());
  });

  it('reads the facts when a change since the copy is not known (a load around the store), and the repair stores new rows', async () => {
    const check = process();
    await check.progress({ board: null }, year, null);
    await check.keepRows();
    const stored = await repository.checkRows.token();
    expect(stored).not.toBeNull();
    // written around the store: the copy may no longer be right
    await repository.mandates.updateOne({ boardNummer: '41234' }, { $set: { endDate: '2025-07-31' } });
    await repository.repairFacts();
    await repository.journal.unknownChange();

    const started = process();
    const figures = await started.progress({ board: null }, year, null);
    expect(started.cache.stats).toMatchObject({ restored: 0, misses: 1 });
    const fresh = sorted(await computeCheckRows(repository.facts));
    expect(figures.mandatesDue).toBe(fresh.filter((r) => r.startDate <= year.end && (r.endDate === null || r.endDate >= year.start)).reduce((n, r) => n + r.count, 0));

    // repairDerived stores the rows it computed, exact for the journal's end
    expect((await repository.repairDerived()).checkRows).toBe(true);
    expect(await repository.checkRows.token()).toBe(await repository.journal.head());
    expect(sorted((await repository.checkRows.load())!.value)).toEqual(fresh);
  });

  it('stores its rows at most every five minutes, and only when they changed', async () => {
    const check = process();
    await check.progress({ board: null }, year, null);
    const now = Date.now();
    await repository.db.collection('mandate_check_rows').deleteMany({});
    expect(await check.keepRows(now)).toBe(true);
    expect(await check.keepRows(now + 1000)).toBe(false); // unchanged
    await repository.journal.unknownChange();
    await check.progress({ board: null }, year, null);
    const token = await repository.journal.head();
    expect(check.cache.peek('mandate check rows')).toMatchObject({ token, exact: true });
    expect(await check.keepRows(now + 60_000)).toBe(false); // changed, but stored a minute ago
    expect(await repository.checkRows.token()).not.toBe(token);
    expect(await check.keepRows(now + 6 * 60_000)).toBe(true);
    expect(await repository.checkRows.token()).toBe(token);
  });
});
