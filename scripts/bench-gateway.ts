/**
 * npm run bench:gateway -- [options]   (see --help and docs/performance.md)
 *
 * The gateway's own cost beside a plain @apollo/gateway: both compiled to JavaScript and run
 * with plain `node` (ours from its build output, as its image runs it), each in a process of its own, over the same four in-memory subgraphs of
 * ours (test/federation/library.ts, in a third process), asked the same two queries of four
 * subgraph fetches each. Two modes: nothing shared (a new token, with its own subject, on
 * every request: no cache or shared fetch can help) and shared (one token, identical
 * requests in flight). The gateway's CPU per request is read from /proc/<pid>/stat around
 * each measured window; windows run in A-B-B-A order (ours, plain, plain, ours) after a
 * warm-up of each, so that a drift of the machine during the run weighs on both alike.
 * Every answer is compared with the expected one. Prints the table and writes JSON to
 * bench-results/.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon, { type Request as LoadRequest, type Result as LoadResult } from 'autocannon';
import { build, type Plugin } from 'esbuild';
import { freePort, repoRoot } from './ferretdb.js';
import { parseOptions, runAndExit } from '@osr/common/cli';
import { profileByLibrary } from './bench/profile.js';

const USAGE = `usage: npm run bench:gateway -- [--window 10] [--warmup 15] [--connections 10] [--modes nothing-shared,shared]
       [--cpu-prof] [--out bench-results/bench-gateway-<time>.json]`;

const { values, wholeNumber, names } = parseOptions(() => parseArgs({
  options: {
    window: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '15' },
    connections: { type: 'string', default: '10' },
    modes: { type: 'string', default: 'nothing-shared,shared' },
    'cpu-prof': { type: 'boolean', default: false },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
}), USAGE);
const windowSeconds = wholeNumber('window', values.window, 1, 600);
const warmupSeconds = wholeNumber('warmup', values.warmup, 0, 600);
const connections = wholeNumber('connections', values.connections, 1, 200);
type Mode = 'nothing-shared' | 'shared';
const modes = names('modes', values.modes!, ['nothing-shared', 'shared'] as const);
const cpuProfile = values['cpu-prof'];

const say = (line: string) => console.log(`[bench:gateway] ${line}`);
const workDir = join(repoRoot, '.cache', 'bench-gateway');
const profileDir = join(repoRoot, 'bench-results', 'profiles');

/** The two queries: each costs four subgraph fetches, one in each subgraph. */
const QUERIES = {
  // people → catalog (titles, and the ids reviews need) and inventory (stock), then reviews
  favourites: '{ people { id name favouriteBooks { title stock reviews { stars } } } }',
  // catalog → people (authors) and inventory (stock) and reviews
  shelf: '{ books { id title author { name } stock reviews { stars } } }',
};

const children: ChildProcess[] = [];
/** Requests our gateway answered in the whole run (warm-ups included): a profile's time is divided by it. */
let oursRequests = 0;

/** Compiles a TypeScript entry with the workspace code it imports into one JavaScript file; packages stay imports. */
async function compile(entry: string, name: string): Promise<string> {
  const packagesExternal: Plugin = {
    name: 'packages-external',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@osr/') ? undefined : { path: args.path, external: true }));
    },
  };
  const outfile = join(workDir, `${name}.mjs`);
  await build({ entryPoints: [join(repoRoot, entry)], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', plugins: [packagesExternal], logLevel: 'error' });
  return outfile;
}

function nodeArgs(name: string): string[] {
  return cpuProfile ? ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-name', `${name}-${Date.now()}.cpuprofile`] : [];
}

/** The URL a child prints first on stdout. */
function firstLine(child: ChildProcess, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const line = /^(http\S+)/m.exec(text);
      if (line) resolve(line[1]!);
    });
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it listened`)));
  });
}

/** CPU time a process has used so far, in ms: in user mode, in the kernel (system calls: sockets). */
const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
function cpuMs(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is the state (field 3): utime and stime are fields 14 and 15.
  return { user: (Number(fields[11]) * 1000) / ticksPerSecond, system: (Number(fields[12]) * 1000) / ticksPerSecond };
}

/** ES256 tokens for our gateway, made with node:crypto (synchronous: one per request costs the load generator ~0.1 ms). */
class Tokens {
  private readonly privateKey: KeyObject;
  readonly publicKeyPem: string;
  private n = 0;
  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = createPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' }));
    this.publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  }
  next(): string {
    const now = Math.floor(Date.now() / 1000);
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const head = `${b64({ alg: 'ES256', typ: 'JWT' })}.${b64({ sub: `bench-${++this.n}`, name: 'bench', role: 'ANALYST', iss: 'osr-bench', aud: 'osr-graph', iat: now, exp: now + 600 })}`;
    return `${head}.${sign('sha256', Buffer.from(head), { key: this.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  }
}

interface Target {
  name: 'ours' | 'plain';
  url: string;
  pid: number;
  child: ChildProcess;
}

interface Window {
  mode: Mode;
  target: Target['name'];
  requests: number;
  seconds: number;
  reqPerSecond: number;
  cpuMsPerRequest: number;
  /** Of it, in the kernel. */
  systemMsPerRequest: number;
  p50: number;
  p99: number;
  wrong: number;
  failed: number;
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal: AbortSignal.timeout(30_000) });
  return { status: res.status, text: await res.text() };
}

async function main(): Promise<number> {
  mkdirSync(workDir, { recursive: true });
  if (cpuProfile) {
    rmSync(profileDir, { recursive: true, force: true });
    mkdirSync(profileDir, { recursive: true });
  }
  // Ours as its image runs it: the build output (npm run build; turbo reuses an unchanged
  // one), with the packages' `compiled` exports. Plain and the subgraphs: compiled here.
  say('building our packages (npm run build) and compiling the plain gateway and the subgraphs (esbuild)');
  execFileSync('npm', ['run', '--silent', 'build', '--', '--output-logs=errors-only'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  const oursJs = join(repoRoot, 'gateway', 'dist', 'index.js');
  const [plainJs, libraryJs] = await Promise.all([compile('scripts/bench/plain-gateway.ts', 'plain'), compile('scripts/bench/library-server.ts', 'library')]);

  const supergraphFile = join(workDir, 'supergraph.graphql');
  const library = fork(libraryJs, [], { env: { ...process.env, BENCH_SUPERGRAPH_FILE: supergraphFile }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  children.push(library);
  await new Promise<void>((resolve, reject) => {
    library.once('message', () => resolve());
    library.once('exit', (code) => reject(new Error(`the subgraphs exited (${code})`)));
  });
  const fetchCounts = () =>
    new Promise<Record<string, number>>((resolve) => {
      library.once('message', (m: { counts: Record<string, number> }) => resolve(m.counts));
      library.send({ count: true });
    });

  const tokens = new Tokens();
  const keyFile = join(workDir, 'token-key.pem');
  writeFileSync(keyFile, tokens.publicKeyPem);

  // Ours as production runs it (deploy/k8s/config.yaml: info logs, no introspection or
  // explorer, metrics on a port of their own), with the rate limit off: the load comes
  // from one address and, in the shared mode, one subject.
  const oursPort = await freePort();
  const oursChild = spawn(process.execPath, [...nodeArgs('ours'), '--conditions=compiled', oursJs], {
    cwd: repoRoot,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(oursPort),
      LOG_LEVEL: 'info',
      INTROSPECTION: 'false',
      EXPLORER: 'false',
      METRICS_PORT: String(await freePort()),
      SUBGRAPH_TIMEOUT_MS: '10000',
      SUPERGRAPH_FILE: supergraphFile,
      OSR_IDENTITY_SECRET: 'bench-identity-secret-of-at-least-32-characters',
      JWT_PUBLIC_KEY_FILE: keyFile,
      JWT_ISSUER: 'osr-bench',
      JWT_AUDIENCE: 'osr-graph',
      JWT_ALGORITHMS: 'ES256',
      RATE_LIMIT_PER_MINUTE: '0',
      OSR_EXIT_ON_STDIN_CLOSE: '1',
    },
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  children.push(oursChild);
  const plainChild = spawn(process.execPath, [...nodeArgs('plain'), plainJs], {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: 'production', BENCH_SUPERGRAPH_FILE: supergraphFile, PORT: String(await freePort()) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(plainChild);
  const plainUrl = await firstLine(plainChild, 'the plain gateway');
  const oursUrl = `http://127.0.0.1:${oursPort}/graphql`;
  const deadline = Date.now() + 60_000;
  while (!(await fetch(oursUrl.replace(/graphql$/, 'health')).then((r) => r.ok, () => false))) {
    if (Date.now() > deadline || oursChild.exitCode !== null) throw new Error('our gateway did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
  const targets: Record<Target['name'], Target> = {
    ours: { name: 'ours', url: oursUrl, pid: oursChild.pid!, child: oursChild },
    plain: { name: 'plain', url: plainUrl, pid: plainChild.pid!, child: plainChild },
  };

  // The expected answers: plain's, which must carry data and no errors, and be ours too;
  // each query must cost four subgraph fetches, one per subgraph.
  const bodies = Object.values(QUERIES).map((query) => JSON.stringify({ query }));
  const expected: string[] = [];
  for (const body of bodies) {
    const before = await fetchCounts();
    const plain = await post(plainUrl, body, {});
    const after = await fetchCounts();
    const fetches = Object.keys(after).filter((n) => after[n]! > before[n]!).map((n) => `${n} ×${after[n]! - before[n]!}`);
    const parsed = JSON.parse(plain.text) as { data?: unknown; errors?: unknown };
    if (plain.status !== 200 || !parsed.data || parsed.errors) throw new Error(`plain's answer is not a full answer: ${plain.text.slice(0, 300)}`);
    if (fetches.length !== 4 || fetches.some((f) => !f.endsWith('×1'))) throw new Error(`a query should cost one fetch of each of the 4 subgraphs, not ${fetches.join(', ')}`);
    const ours = await post(oursUrl, body, { authorization: `Bearer ${tokens.next()}` });
    if (ours.text !== plain.text) throw new Error(`ours answers differently:\n  ours  ${ours.text.slice(0, 300)}\n  plain ${plain.text.slice(0, 300)}`);
    expected.push(plain.text);
  }
  say(`both gateways answer both queries alike, each query 4 subgraph fetches; ${connections} connections, ${warmupSeconds} s warm-up, ${windowSeconds} s windows`);

  const run = (target: Target, mode: Mode, seconds: number): Promise<{ result: LoadResult; wrong: number }> => {
    let wrong = 0;
    const shared = `Bearer ${tokens.next()}`;
    const requests: LoadRequest[] = bodies.map((body, i) => ({
      method: 'POST',
      path: new URL(target.url).pathname,
      headers: { 'content-type': 'application/json' },
      body,
      setupRequest: (request) => {
        if (target.name === 'plain') return request;
        return { ...request, headers: { ...request.headers, authorization: mode === 'shared' ? shared : `Bearer ${tokens.next()}` } };
      },
      onResponse: (status, text) => {
        if (status !== 200 || text !== expected[i]) wrong++;
      },
    }));
    return new Promise((resolve, reject) => {
      autocannon({ url: new URL(target.url).origin, connections, duration: seconds, requests, timeout: 30 }, (err, result) => {
        if (err) return reject(err);
        if (target.name === 'ours') oursRequests += result.requests.total;
        resolve({ result, wrong });
      });
    });
  };

  const windows: Window[] = [];
  for (const mode of modes) {
    for (const target of [targets.ours, targets.plain]) {
      if (warmupSeconds) {
        say(`${mode}: warming up ${target.name} (${warmupSeconds} s)`);
        await run(target, mode, warmupSeconds);
      }
    }
    for (const target of [targets.ours, targets.plain, targets.plain, targets.ours]) {
      const cpuBefore = cpuMs(target.pid);
      const started = process.hrtime.bigint();
      const { result, wrong } = await run(target, mode, windowSeconds);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const cpuAfter = cpuMs(target.pid);
      const system = cpuAfter.system - cpuBefore.system;
      const cpu = cpuAfter.user - cpuBefore.user + system;
      const requests = result.requests.total;
      const window: Window = {
        mode,
        target: target.name,
        requests,
        seconds: Math.round(seconds * 10) / 10,
        reqPerSecond: Math.round((requests / seconds) * 10) / 10,
        cpuMsPerRequest: Math.round((cpu / Math.max(1, requests)) * 1000) / 1000,
        systemMsPerRequest: Math.round((system / Math.max(1, requests)) * 1000) / 1000,
        p50: result.latency.p50,
        p99: result.latency.p99,
        wrong,
        failed: result.errors + result.timeouts,
      };
      windows.push(window);
      say(`${mode}: ${target.name} ${window.reqPerSecond} req/s, ${window.cpuMsPerRequest} ms CPU per request (${window.systemMsPerRequest} in the kernel), p50 ${window.p50} ms${wrong || window.failed ? `, ${wrong} wrong, ${window.failed} failed` : ''}`);
    }
  }

  // The table: each window, then per mode the mean of the two windows of each gateway.
  console.log('\n| mode | gateway | req/s | gateway CPU ms/request | of it in the kernel | p50 ms | p99 ms | wrong or failed |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const w of windows) console.log(`| ${w.mode} | ${w.target} | ${w.reqPerSecond} | ${w.cpuMsPerRequest} | ${w.systemMsPerRequest} | ${w.p50} | ${w.p99} | ${w.wrong + w.failed} |`);
  const summary = modes.map((mode) => {
    const mean = (t: Target['name'], f: (w: Window) => number) => {
      const ws = windows.filter((w) => w.mode === mode && w.target === t);
      return ws.reduce((s, w) => s + f(w), 0) / ws.length;
    };
    const row = {
      mode,
      ours: { reqPerSecond: mean('ours', (w) => w.reqPerSecond), cpuMsPerRequest: mean('ours', (w) => w.cpuMsPerRequest) },
      plain: { reqPerSecond: mean('plain', (w) => w.reqPerSecond), cpuMsPerRequest: mean('plain', (w) => w.cpuMsPerRequest) },
    };
    return { ...row, throughputRatio: row.ours.reqPerSecond / row.plain.reqPerSecond, cpuRatio: row.ours.cpuMsPerRequest / row.plain.cpuMsPerRequest };
  });
  console.log('\n| mode | ours req/s | plain req/s | throughput ours/plain | ours CPU ms/req | plain CPU ms/req | CPU ours/plain |');
  console.log('|---|---|---|---|---|---|---|');
  for (const s of summary) {
    console.log(`| ${s.mode} | ${s.ours.reqPerSecond.toFixed(1)} | ${s.plain.reqPerSecond.toFixed(1)} | ${s.throughputRatio.toFixed(2)}× | ${s.ours.cpuMsPerRequest.toFixed(2)} | ${s.plain.cpuMsPerRequest.toFixed(2)} | ${s.cpuRatio.toFixed(2)}× |`);
  }
  const wrong = windows.reduce((s, w) => s + w.wrong + w.failed, 0);

  const out = values.out ?? join('bench-results', `bench-gateway-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(join(repoRoot, out, '..'), { recursive: true });
  writeFileSync(join(repoRoot, out), `${JSON.stringify({ date: new Date().toISOString(), connections, windowSeconds, warmupSeconds, windows, summary }, null, 2)}\n`);
  say(`results written to ${out}`);
  return wrong ? 1 : 0;
}

async function stop(): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.once('exit', () => {
            clearTimeout(force);
            resolve();
          });
          if (child.connected) child.disconnect();
          child.stdin?.end();
        }),
    ),
  );
  if (cpuProfile) {
    for (const file of readdirSync(profileDir).filter((f) => f.startsWith('ours-'))) {
      const groups = profileByLibrary(join(profileDir, file));
      const total = groups.reduce((s, g) => s + g.micros, 0);
      const busy = groups.filter((g) => g.library !== 'idle');
      const busyTotal = busy.reduce((s, g) => s + g.micros, 0);
      console.log(`\nour gateway's CPU profile (${file}): self time by library over ${oursRequests} requests (${(total / 1e6).toFixed(1)} s profiled, idle left out)`);
      console.log('| library | µs per request | share |\n|---|---|---|');
      for (const g of busy.slice(0, 20)) console.log(`| ${g.library} | ${Math.round(g.micros / Math.max(1, oursRequests))} | ${((g.micros / busyTotal) * 100).toFixed(1)}% |`);
    }
  }
}

await runAndExit(main, stop, say);
