/**
 * The embedded database: FerretDB over a private PostgreSQL cluster, run by the project's Go
 * main. It keeps its data across restarts, PostgreSQL never outlives the Go process (even when
 * that is killed), and a machine without PostgreSQL gets one line that says what to install.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { SetupError, clusterDirFor, letPostgresIn, postgresBinDir, startFerretdb } from '../../scripts/ferretdb.js';

/** Processes whose parent is `pid`, with their command lines. */
function childrenOf(pid: number): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) found.push({ pid: Number(entry), cmd: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim() });
    } catch {
      // ended while we looked
    }
  }
  return found;
}

function running(pid: number): boolean {
  try {
    // a zombie (exited, not yet reaped by its new parent) counts as stopped
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('the embedded database', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'osr-embedded-'));
  letPostgresIn(dataDir);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps its data in a cluster under the data folder across a restart, the password readable by its owner only', async () => {
    const first = await startFerretdb({ dataDir, ephemeral: true });
    expect(first.clusterDir).toBe(join(dataDir, 'cluster'));
    expect(statSync(join(dataDir, 'password')).mode & 0o077).toBe(0);
    const client = new MongoClient(first.uri);
    await client.connect();
    await client.db('t_embedded').collection('things').insertOne({ name: 'kept' });
    await client.close();
    await first.stop();

    const second = await startFerretdb({ dataDir, ephemeral: true });
    const again = new MongoClient(second.uri);
    await again.connect();
    expect(await again.db('t_embedded').collection('things').findOne({ name: 'kept' }, { projection: { _id: 0 } })).toEqual({ name: 'kept' });
    await again.close();
    await second.stop();
  }, 120_000);

  it('PostgreSQL stops when the Go process that runs it is killed (SIGKILL)', async () => {
    const db = await startFerretdb({ dataDir, ephemeral: true });
    const postmaster = childrenOf(db.process.pid!).find((p) => /postgres -D /.test(p.cmd));
    expect(postmaster, 'postgres runs as a child of osr-ferretdb').toBeDefined();
    db.process.kill('SIGKILL');
    const deadline = Date.now() + 15_000;
    while (running(postmaster!.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(running(postmaster!.pid)).toBe(false);
    // and the cluster starts again afterwards (no stale lock left behind)
    const next = await startFerretdb({ dataDir, ephemeral: true });
    await next.stop();
  }, 120_000);

  it('says in one line what to install when PostgreSQL is missing', () => {
    const attempt = () => postgresBinDir({ PATH: '/nonexistent' }, join(dataDir, 'no-debian-postgresql'));
    expect(attempt).toThrow(SetupError);
    expect(attempt).toThrow(/install Debian's postgresql package/);
    try {
      attempt();
    } catch (err) {
      expect((err as Error).message.split('\n')).toHaveLength(1);
    }
    // a wrong OSR_PG_BIN says so, with the same hint
    expect(() => postgresBinDir({ OSR_PG_BIN: join(dataDir, 'nothing') })).toThrow(/OSR_PG_BIN=.*install Debian's postgresql package/);
  });

  it('as root, keeps the cluster where the postgres user can reach it', () => {
    const closed = mkdtempSync(join(tmpdir(), 'osr-closed-')); // 0700: others cannot enter
    try {
      const where = clusterDirFor(join(closed, 'data'));
      if (process.getuid?.() === 0) {
        expect(where.startsWith(join(closed, 'data'))).toBe(false);
        expect(where.startsWith(tmpdir())).toBe(true);
      } else {
        expect(where).toBe(join(closed, 'data', 'cluster'));
      }
    } finally {
      rmSync(closed, { recursive: true, force: true });
    }
  });
});
