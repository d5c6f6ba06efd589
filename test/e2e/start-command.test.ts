/**
 * The README's run command (scripts/start.ts, what `npm start` runs), as a user runs it:
 * a real process tree, stopped with Ctrl-C (SIGINT).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, letPostgresIn, repoRoot } from '../../scripts/ferretdb.js';
import { databaseUri, freshPrefix, graphql } from '../support/system.js';

/** Every live descendant of a process, with its command line (from /proc). */
function descendants(pid: number): { pid: number; cmd: string }[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const found: { pid: number; cmd: string }[] = [];
  const walk = (p: number) => {
    for (const child of parents.get(p) ?? []) {
      let cmd = '';
      try {
        cmd = readFileSync(`/proc/${child}/cmdline`, 'utf8').replace(/\0/g, ' ');
      } catch {
        continue;
      }
      found.push({ pid: child, cmd });
      walk(child);
    }
  };
  walk(pid);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Started {
  child: ChildProcess;
  output: () => string;
  gatewayUrl: string;
}

async function start(env: Record<string, string>): Promise<Started> {
  const ports = { GATEWAY_PORT: 0, ORGANISATIONS_PORT: 0, MANDATES_PORT: 0, AGREEMENTS_PORT: 0, SUPPORT_PORT: 0 };
  for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts', 'start.ts')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      MONGODB_URI: '', // unset unless the test sets it
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 90_000;
  while (!output.includes('gateway ready')) {
    if (child.exitCode !== null) throw new Error(`start exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`start did not become ready:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, output: () => output, gatewayUrl: `http://127.0.0.1:${ports.GATEWAY_PORT}/graphql` };
}

/** Ctrl-C: SIGINT to the command; resolves with its exit code and what was left running. */
async function stop(started: Started): Promise<{ code: number | null; leftRunning: { pid: number; cmd: string }[] }> {
  const tree = descendants(started.child.pid!);
  const exited = new Promise<number | null>((resolve) => started.child.once('exit', (code) => resolve(code)));
  started.child.kill('SIGINT');
  const code = await exited;
  const deadline = Date.now() + 10_000;
  while (tree.some((p) => alive(p.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return { code, leftRunning: tree.filter((p) => alive(p.pid)) };
}

const SCHOOL_COUNT = '{ board(bevoegdGezagNummer: "41234") { schools { brin } } }';

describe('the run command', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'osr-start-'));
  letPostgresIn(dataDir); // so the cluster lives inside it (the postgres user must reach it)
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts the embedded database, seeds once, serves the headline data, and leaves no process behind; a restart keeps the data', async () => {
    const first = await start({ OSR_DATA_DIR: dataDir });
    expect(first.output()).toContain('embedded database (FerretDB over PostgreSQL)');
    expect(first.output()).toContain(`data in ${join(dataDir, 'database', 'cluster')}`);
    expect(first.output()).toContain('loading the demo data (first start)');
    const tree = descendants(first.child.pid!);
    expect(tree.filter((p) => p.cmd.includes('osr-ferretdb'))).toHaveLength(1);
    // PostgreSQL's server runs under the project's process tree, so it stops with it.
    expect(tree.filter((p) => /postgres -D \S+/.test(p.cmd))).toHaveLength(1);
    expect(tree.filter((p) => p.cmd.includes('/src/index.ts'))).toHaveLength(5);
    const res = await graphql<{ board: { schools: unknown[] } }>(first.gatewayUrl, SCHOOL_COUNT);
    expect(res.data!.board.schools).toHaveLength(14);
    const stopped = await stop(first);
    expect(stopped.code).toBe(0);
    expect(stopped.leftRunning).toEqual([]);

    const second = await start({ OSR_DATA_DIR: dataDir });
    expect(second.output()).toContain('demo data already loaded');
    expect(second.output()).not.toContain('loading the demo data');
    const again = await graphql<{ board: { schools: unknown[] } }>(second.gatewayUrl, SCHOOL_COUNT);
    expect(again.data!.board.schools).toHaveLength(14);
    const stoppedAgain = await stop(second);
    expect(stoppedAgain.code).toBe(0);
    expect(stoppedAgain.leftRunning).toEqual([]);
  }, 180_000);

  it('uses MONGODB_URI when it is set and starts no embedded database', async () => {
    const started = await start({ MONGODB_URI: databaseUri(), DB_PREFIX: freshPrefix(), OSR_DATA_DIR: dataDir });
    expect(started.output()).toContain('no embedded database started');
    expect(descendants(started.child.pid!).filter((p) => p.cmd.includes('osr-ferretdb'))).toEqual([]);
    const res = await graphql<{ board: { schools: unknown[] } }>(started.gatewayUrl, SCHOOL_COUNT);
    expect(res.data!.board.schools).toHaveLength(14);
    const stopped = await stop(started);
    expect(stopped.code).toBe(0);
    expect(stopped.leftRunning).toEqual([]);
  }, 120_000);
});
