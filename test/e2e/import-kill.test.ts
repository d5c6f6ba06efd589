/**
 * An import killed halfway and run again ends equal to one clean run: nothing duplicated,
 * nothing lost, each change recorded once. Here: the OSO → OSR migration command, as a real
 * process, killed with SIGKILL once it reported progress.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, databaseName } from '@osr/common';
import { directAccess } from '@osr/subgraph-mandates/direct';
import { OrganisationsRepository } from '@osr/subgraph-organisations/repository';
import { importRio } from '@osr/subgraph-organisations/rio';
import { generateNationalSet } from '@osr/subgraph-organisations/rio/generate';
import { buildDemoData, SUPPLIER_A, SUPPLIER_B } from '../../scripts/demo-data.js';
import { repoRoot } from '../../scripts/ferretdb.js';
import { seedDemo } from '../../scripts/seed-lib.js';
import { databaseUri, freshPrefix } from '../support/system.js';
import { commandLine } from '../support/commands.js';

/** Runs the migration command; with killAt, kills it (SIGKILL) once progress reaches that share. */
function migrate(prefix: string, file: string, killAt?: number): Promise<{ code: number | null; signal: string | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...commandLine('oso-migrate'), file, '--batch-size', '40'], {
      cwd: repoRoot,
      env: { ...process.env, MONGODB_URI: databaseUri(), DB_PREFIX: prefix, ORGANISATIONS_URL: '', OSR_IDENTITY_SECRET: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const watch = (d: Buffer) => {
      output += d.toString();
      const shares = [...output.matchAll(/migrating: \d+\/\d+ \((\d+)%\)/g)].map((m) => Number(m[1]));
      if (killAt !== undefined && shares.some((s) => s >= killAt && s < 100) && child.exitCode === null) child.kill('SIGKILL');
    };
    child.stdout.on('data', watch);
    child.stderr.on('data', watch);
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, output });
    });
  });
}

async function picture(prefix: string) {
  const database = await connectDatabase(databaseUri(), databaseName(prefix, 'mandates'));
  try {
    const repo = directAccess(database.db);
    // Mandate ids are random: two runs are compared by what each mandate is (its slot and system).
    const stored = await repo.mandates.find({}, { projection: { _id: 0, createdAt: 0, updatedAt: 0 } }).toArray();
    const keyOf = new Map(stored.map((m) => [m.id, `${m.slotKey}/${m.systemId}`]));
    const key = (id: string | null) => (id === null ? null : (keyOf.get(id) ?? `unknown ${id}`));
    const mandates = stored.map((m) => ({ ...m, id: key(m.id) })).sort((a, b) => a.id!.localeCompare(b.id!));
    const points = (await repo.aanleverpunten.find({}, { projection: { _id: 0 } }).sort({ brin: 1, index: 1 }).toArray()).map((p) => ({ ...p, mandateId: key(p.mandateId) }));
    const history = (await repo.history.find({}, { projection: { _id: 0 } }).sort({ slotKey: 1, slotSeq: 1 }).toArray()).map((h) => ({
      slotKey: h.slotKey,
      slotSeq: h.slotSeq,
      by: h.by,
      changes: h.changes.map((c) => `${c.action}:${key(c.mandateId)}`),
    }));
    return { mandates, points, history };
  } finally {
    await database.close();
  }
}

describe('an import killed halfway', () => {
  const dir = mkdtempSync(join(tmpdir(), 'osr-kill-'));
  const clean = freshPrefix();
  const killed = freshPrefix();
  const exportFile = join(dir, 'export.csv');

  beforeAll(async () => {
    const demo = buildDemoData();
    const set = generateNationalSet({ boards: 40, schools: 500, seed: 11 });
    const brins: string[] = [];
    for (const prefix of [clean, killed]) {
      await seedDemo(databaseUri(), prefix, { ...demo, mandates: { ...demo.mandates, mandates: [], aanleverpunten: [] } });
      const database = await connectDatabase(databaseUri(), databaseName(prefix, 'organisations'));
      try {
        const repo = new OrganisationsRepository(database.db);
        await importRio(repo, { name: 'generated.json', bytes: new TextEncoder().encode(JSON.stringify(set.bundle)) }, { mode: 'delta' });
        if (brins.length === 0) brins.push(...(await repo.schools.find({}, { projection: { _id: 0, brin: 1 } }).toArray()).map((s) => s.brin).sort());
      } finally {
        await database.close();
      }
    }
    const rows = ['BRIN;AANLEVERPUNT;SOORT;LEVERANCIER_OIN;LAS;STATUS;AANSLUITDATUM'];
    brins.forEach((brin, i) => {
      const [oin, las] = i % 2 ? [SUPPLIER_A.oin, 'Voorbeeld LAS'] : [SUPPLIER_B.oin, 'LDD Leerlingvolgsysteem'];
      rows.push(`${brin};1;OV;${oin};${las};${i % 9 === 0 ? 'inactief' : 'actief'};2019-0${(i % 9) + 1}-01`);
      if (i % 3 === 0) rows.push(`${brin};2;SWV;${oin};${las};actief;2020-02-01`);
      if (i % 5 === 0) rows.push(`${brin};3;OV;${oin};${las};actief;2021-03-01`);
    });
    writeFileSync(exportFile, rows.join('\n') + '\n');
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the OSO migration killed with SIGKILL and run again equals one clean run', async () => {
    // A few generated schools had closed before the migration date: their rows are rejected (exit 2).
    const reference = await migrate(clean, exportFile);
    expect(reference.code, reference.output).toBe(2);
    expect(reference.output).toMatch(/rejected rows: +[1-9]/);

    const first = await migrate(killed, exportFile, 30);
    expect(first.signal).toBe('SIGKILL');
    const half = await picture(killed);
    const full = await picture(clean);
    expect(half.mandates.length).toBeGreaterThan(0);
    expect(half.mandates.length).toBeLessThan(full.mandates.length);

    const again = await migrate(killed, exportFile);
    expect(again.code, again.output).toBe(2);
    expect(again.output).toMatch(/mandates: +\d+ created, [1-9]\d* already migrated/);
    expect(await picture(killed)).toEqual(full);
    // Each mandate was created once.
    expect(full.history.flatMap((h) => h.changes)).toHaveLength(full.mandates.length);
  }, 180_000);
});
