import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, databaseName, type Database } from '@osr/common';
import { buildDemoData } from '../../../scripts/demo-data.js';
import { DEMO_RIO_FILE } from '../../../scripts/seed-lib.js';
import { OrganisationsRepository } from '../src/repository.js';
import { importRio } from '../src/rio/import.js';
import { databaseUri, freshPrefix } from '../../../test/support/system.js';

describe('the demo RIO file (scripts/demo/rio-demo.json)', () => {
  let database: Database;
  let repo: OrganisationsRepository;
  beforeAll(async () => {
    database = await connectDatabase(databaseUri(), databaseName(freshPrefix(), 'organisations'));
    repo = new OrganisationsRepository(database.db);
    await repo.ensureIndexes();
  });
  afterAll(() => database?.close());

  it('imports without rejections into exactly the organisations of buildDemoData()', async () => {
    const report = await importRio(repo, { name: 'rio-demo.json', bytes: readFileSync(DEMO_RIO_FILE) }, { mode: 'full' });
    expect(report.rejections).toEqual([]);
    expect(report.boards).toEqual({ created: 3, updated: 0, ended: 0, unchanged: 0 });
    expect(report.schools).toEqual({ created: 19, updated: 0, ended: 0, unchanged: 0, moved: 0 });

    const demo = buildDemoData().organisations;
    const byKey = <T>(items: T[], key: (t: T) => string) => [...items].sort((a, b) => key(a).localeCompare(key(b)));
    const boards = await repo.boards.find({}, { projection: { _id: 0 } }).toArray();
    const schools = await repo.schools.find({}, { projection: { _id: 0 } }).toArray();
    const swvs = await repo.swvs.find({}, { projection: { _id: 0 } }).toArray();
    expect(byKey(boards, (b) => b.bevoegdGezagNummer)).toEqual(byKey(demo.boards, (b) => b.bevoegdGezagNummer));
    expect(byKey(schools, (s) => s.brin)).toEqual(byKey(demo.schools, (s) => s.brin));
    expect(byKey(swvs, (s) => s.code)).toEqual(byKey(demo.samenwerkingsverbanden, (s) => s.code));
  });

  it('imports a second time with no change and no feed entry', async () => {
    const before = await repo.changes.countDocuments();
    const report = await importRio(repo, { name: 'rio-demo.json', bytes: readFileSync(DEMO_RIO_FILE) }, { mode: 'full' });
    expect([report.created, report.updated, report.ended, report.moved, report.changes]).toEqual([0, 0, 0, 0, 0]);
    expect(report.unchanged).toBe(3 + 19 + 4);
    expect(await repo.changes.countDocuments()).toBe(before);
  });
});
