/**
 * The README's run command (`osr start`, what `npm start` runs; scripts/start.ts), as a user runs it:
 * a real process tree, stopped with Ctrl-C (SIGINT).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort, letPostgresIn, repoRoot } from '../../scripts/ferretdb.js';
import { connectDatabase, databaseName } from '@osr/common';
import { OrganisationsRepository } from '@osr/subgraph-organisations/repository';
import { importRio } from '@osr/subgraph-organisations/rio';
import { FIRST } from '../../subgraphs/organisations/test/rio-fixtures.js';
import { databaseUri, freshPrefix, graphql } from '../support/system.js';
import { SUPPLIER_A, SYSTEM_A } from '../../scripts/demo-data.js';
import { verifyOsrSignature } from '../../docs/examples/webhook-receiver.js';

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

/** Every `npm start` a test launched: one a failed assertion left running is stopped after it. */
const launched: Started[] = [];

async function start(env: Record<string, string>): Promise<Started> {
  const ports = { GATEWAY_PORT: 0, ORGANISATIONS_PORT: 0, MANDATES_PORT: 0, AGREEMENTS_PORT: 0, SUPPORT_PORT: 0 };
  for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts', 'osr.ts'), 'start'], {
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
  launched.push({ child, output: () => output, gatewayUrl: '' });
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

afterEach(async () => {
  for (const started of launched.splice(0)) {
    if (started.child.exitCode === null && started.child.signalCode === null) await stop(started);
  }
});

const SCHOOL_COUNT = '{ board(bevoegdGezagNummer: "41234") { schools { brin } } }';

describe('the run command', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'osr-start-'));
  letPostgresIn(dataDir); // so the cluster lives inside it (the postgres user must reach it)
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts the embedded database, seeds once, serves the headline data, and leaves no process behind; a restart keeps the data and the webhook secrets', async () => {
    // a supplier's receiver on this machine (allowed by WEBHOOK_ALLOW_PRIVATE, as in a local trial)
    const received: { signature: string; timestamp: string; body: string }[] = [];
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ signature: String(req.headers['x-osr-signature']), timestamp: String(req.headers['x-osr-timestamp']), body });
        res.writeHead(204).end();
        receiver.emit('delivery');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const hooks = { OSR_DATA_DIR: dataDir, WEBHOOK_WORKER: 'true', WEBHOOK_ALLOW_PRIVATE: 'true' };
    const token = async (...args: string[]) =>
      (await promisify(execFile)('npm', ['run', '-s', 'token', '--', ...args], { cwd: repoRoot, env: { ...process.env, OSR_DATA_DIR: dataDir } })).stdout.trim();
    const asSupplier = { authorization: `Bearer ${await token('--role', 'SUPPLIER', '--supplier', SUPPLIER_A.oin)}` };
    const asSupport = { authorization: `Bearer ${await token('--role', 'SUPPORT')}` };

    const first = await start(hooks);
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

    // The first request it prints, pasted as it is: the headline whole, for the largest demo board.
    for (let i = 0; i < 50 && !first.output().includes('--data "$('); i++) await new Promise((r) => setTimeout(r, 100));
    const pasted = first.output().split('\n').filter((l) => /^(TOKEN=|curl | {2}--data )/.test(l));
    expect(pasted).toHaveLength(3);
    expect(pasted[0]).toBe(`TOKEN=$(OSR_DATA_DIR=${dataDir} npx osr token --role BOARD --board 41234 --rights OSR_TOEGANG)`);
    const { stdout } = await promisify(execFile)('sh', ['-c', pasted.join('\n')], { cwd: repoRoot });
    type Headline = { board: { schools: { brin: string; aanleverpunten: unknown[] | null; mandates: { service: { code: string } }[] | null }[]; agreements: unknown[] | null } };
    const headline = JSON.parse(stdout) as { data: Headline; errors?: unknown[] };
    expect(headline.errors).toBeUndefined();
    expect(headline.data.board.schools).toHaveLength(14);
    expect(headline.data.board.schools.every((school) => school.aanleverpunten !== null && school.mandates !== null)).toBe(true);
    const services = new Set(headline.data.board.schools.flatMap((school) => school.mandates!.map((m) => m.service.code)));
    expect([...services].sort()).toEqual(['OSO_OV', 'OSO_SWV']);
    expect(headline.data.board.agreements).not.toBeNull();

    const registered = await graphql<{ registerWebhook: { secret: string } }>(first.gatewayUrl,
      'mutation ($url: String!) { registerWebhook(input: { url: $url, services: [VERZUIM] }) { secret } }',
      { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/osr` }, asSupplier);
    expect(registered.errors).toBeUndefined();
    const secret = registered.data!.registerWebhook.secret;

    const stopped = await stop(first);
    expect(stopped.code).toBe(0);
    expect(stopped.leftRunning).toEqual([]);

    const second = await start(hooks);
    expect(second.output()).toContain('demo data already loaded');
    expect(second.output()).not.toContain('loading the demo data');
    const again = await graphql<{ board: { schools: unknown[] } }>(second.gatewayUrl, SCHOOL_COUNT);
    expect(again.data!.board.schools).toHaveLength(14);
    // after the restart the endpoint registered before it still gets its events, signed with its secret
    const delivery = once(receiver, 'delivery');
    const granted = await graphql(second.gatewayUrl,
      `mutation { grantMandate(input: { service: VERZUIM, systemId: "${SYSTEM_A}", brin: "00AV", bevoegdGezagNummer: "41234", startDate: "2030-01-01" }) { mandates { id } } }`,
      undefined, asSupport);
    expect(granted.errors).toBeUndefined();
    await delivery;
    const got = received[0]!;
    expect(verifyOsrSignature({ 'x-osr-timestamp': got.timestamp, 'x-osr-signature': got.signature }, got.body, [secret])).toBe(true);
    await new Promise<void>((r) => { receiver.closeAllConnections(); receiver.close(() => r()); });
    const stoppedAgain = await stop(second);
    expect(stoppedAgain.code).toBe(0);
    expect(stoppedAgain.leftRunning).toEqual([]);
  }, 300_000);

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

  it('on a store that holds a RIO import (no demo mark) loads nothing, ends nothing and adds no feed entry', async () => {
    const prefix = freshPrefix();
    const database = await connectDatabase(databaseUri(), databaseName(prefix, 'organisations'));
    try {
      const repo = new OrganisationsRepository(database.db);
      await repo.ensureIndexes();
      const imported = await importRio(repo, { name: 'first.json', bytes: new TextEncoder().encode(JSON.stringify(FIRST)) }, { mode: 'full' });
      expect(imported.rejected).toBe(0);
      const before = {
        boards: await repo.boards.find({}, { projection: { _id: 0 } }).sort({ bevoegdGezagNummer: 1 }).toArray(),
        schools: await repo.schools.find({}, { projection: { _id: 0 } }).sort({ brin: 1 }).toArray(),
        feed: (await repo.changes.find({}, { projection: { _id: 0, id: 1 } }).toArray()).length,
      };
      expect(before.boards.filter((b) => b.endDate)).toEqual([]);

      const started = await start({ MONGODB_URI: databaseUri(), DB_PREFIX: prefix, OSR_DATA_DIR: dataDir });
      for (let i = 0; i < 50 && !started.output().includes('TOKEN='); i++) await new Promise((r) => setTimeout(r, 100));
      const stopped = await stop(started);
      expect(stopped.code).toBe(0);

      const after = {
        boards: await repo.boards.find({}, { projection: { _id: 0 } }).sort({ bevoegdGezagNummer: 1 }).toArray(),
        schools: await repo.schools.find({}, { projection: { _id: 0 } }).sort({ brin: 1 }).toArray(),
        feed: (await repo.changes.find({}, { projection: { _id: 0, id: 1 } }).toArray()).length,
      };
      expect(after).toEqual(before);
      const mandates = await connectDatabase(databaseUri(), databaseName(prefix, 'mandates'));
      try {
        expect(await mandates.db.collection('mandates').findOne({})).toBeNull();
      } finally {
        await mandates.close();
      }
      expect(started.output()).toContain(`the store already holds data (${prefix}organisations.boards`);
      expect(started.output()).not.toContain('loading the demo data (first start)');
      // The token hint names the largest board of this store (41234 has 4 open schools in FIRST)
      // and carries the data folder, which is not the default one.
      expect(started.output()).toContain(`TOKEN=$(OSR_DATA_DIR=${dataDir} npx osr token --role BOARD --board 41234 --rights OSR_TOEGANG)`);
    } finally {
      await database.close();
    }
  }, 120_000);
});
