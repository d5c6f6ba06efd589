/**
 * npm run bench -- [options]   (see --help and the README's "Performance" section)
 *
 * Loads the generated national data set into a fresh embedded database in a temporary
 * folder, then runs the same load (autocannon: fixed connections, warm-up, measured window)
 * against four targets in one run: our gateway over the four subgraphs, a monolith (one
 * Apollo Server), Hive Gateway over the same subgraphs, and the floor (bare node:http). Every
 * response is checked against the expected data. Prints a table and writes JSON to
 * bench-results/.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon, { type Result as LoadResult } from 'autocannon';
import { ensureDevKeys, readPrivateKey, signDevToken, type TokenClaims } from './dev-keys.js';
import { freePort, letPostgresIn, repoRoot, startFerretdb, type RunningDatabase } from './ferretdb.js';
import { loadBenchData, type LoadedData } from './bench/data.js';
import { parseOptions, percentile, runAndExit } from './bench/cli.js';
import { post, ProcessGroup, startGateway, startSubgraphs, waitFor, type RunningSubgraphs } from './bench/processes.js';
import { answer, canonical, OPERATION, openStores, type QueryKind } from './bench/read.js';

const USAGE = `usage: npm run bench -- [--duration 8] [--warmup 2] [--connections 4] [--targets gateway,monolith,hive,floor]
       [--queries headline-large,headline-typical,feed,school] [--boards 120 --schools 1200] [--migrate 10|all]
       [--soak-minutes 0] [--cpu-prof] [--out bench-results/bench-<time>.json]`;

const { values, wholeNumber, names } = parseOptions(() => parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '4' },
    targets: { type: 'string', default: 'gateway,monolith,hive,floor' },
    queries: { type: 'string', default: 'headline-large,headline-typical,feed,school' },
    boards: { type: 'string', default: '120' },
    schools: { type: 'string', default: '1200' },
    migrate: { type: 'string', default: '10' },
    'soak-minutes': { type: 'string', default: '0' },
    'cpu-prof': { type: 'boolean', default: false },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
}), USAGE);
const duration = wholeNumber('duration', values.duration, 1, 600);
const warmup = wholeNumber('warmup', values.warmup, 0, 120);
const connections = wholeNumber('connections', values.connections, 1, 200);
const soakMinutes = wholeNumber('soak-minutes', values['soak-minutes'], 0, 60);
const migrate = values.migrate === 'all' ? 'all' : wholeNumber('migrate', values.migrate, 0, 100_000);
const boards = wholeNumber('boards', values.boards, 1, 100_000);
const schoolCount = wholeNumber('schools', values.schools, 1, 1_000_000);
type TargetName = 'gateway' | 'monolith' | 'hive' | 'floor';
const ALL_TARGETS: TargetName[] = ['gateway', 'monolith', 'hive', 'floor'];
const targetNames = names('targets', values.targets!, ALL_TARGETS);
const QUERY_NAMES = ['headline-large', 'headline-typical', 'feed', 'school'] as const;
type QueryName = (typeof QUERY_NAMES)[number];
const queryNames = names('queries', values.queries!, QUERY_NAMES);

const say = (line: string) => console.log(`[bench] ${line}`);
const workDir = mkdtempSync(join(tmpdir(), 'osr-bench-'));
letPostgresIn(workDir); // the cluster lives inside it (as root PostgreSQL runs as postgres)
const group = new ProcessGroup(values['cpu-prof'] ? join(repoRoot, 'bench-results', 'profiles') : null);
const start = group.start.bind(group);
let database: RunningDatabase | null = null;

async function stopAll() {
  await group.stop();
  await database?.stop();
  rmSync(workDir, { recursive: true, force: true });
}

function rssMiB(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

interface Target {
  name: TargetName;
  url: string;
  /** the process that answers, and the processes behind it (subgraphs) */
  front: ChildProcess;
  behind: ChildProcess[];
  /** where its database round trips are counted */
  counters: string[];
}

interface Row {
  target: TargetName;
  query: QueryName;
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  wrong: number;
  peakRssMiB: number;
  behindRssMiB: number;
  roundTrips: number;
}

async function counted(urls: string[]): Promise<number> {
  const counts = await Promise.all(urls.map(async (u) => ((await (await fetch(u)).json()) as { count: number }).count));
  return counts.reduce((a, b) => a + b, 0);
}

/** One autocannon run; every response checked against the expected body. */
function load(url: string, body: string, headers: Record<string, string>, exact: string, expected: string, seconds: number, sample: () => void) {
  let wrong = 0;
  let firstWrong: string | null = null;
  const times: number[] = [];
  return new Promise<{ result: LoadResult; wrong: number; firstWrong: string | null; times: number[] }>((resolve, reject) => {
    const timer = setInterval(sample, 250);
    const instance = autocannon(
      {
        url,
        connections,
        duration: seconds,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            path: new URL(url).pathname,
            headers: { 'content-type': 'application/json', ...headers },
            body,
            onResponse: (status, text) => {
              // Byte-identical to the checked answer, or parsed and compared as data.
              if (status === 200 && (text === exact || canonical(JSON.parse(text)) === expected)) return;
              wrong++;
              firstWrong ??= `${status} ${text.slice(0, 300)}`;
            },
          },
        ],
      },
      (err, result) => {
        clearInterval(timer);
        if (err) reject(err);
        else resolve({ result, wrong, firstWrong, times });
      },
    );
    instance.on('response', (_client, _status, _bytes, ms) => times.push(ms));
  });
}

async function main() {
  const started = Date.now();
  say(`work folder ${workDir}`);
  database = await startFerretdb({ dataDir: join(workDir, 'db'), ephemeral: true, log: say });
  const prefix = 'bench_';
  const data: LoadedData = await loadBenchData({
    uri: database.uri,
    prefix,
    migrate,
    boards,
    schools: schoolCount,
    log: (line) => say(line),
  });
  say(`largest board ${data.largestBoard.nummer} (${data.largestBoard.schools} schools), typical board ${data.typicalBoard.nummer} (${data.typicalBoard.schools} schools), school ${data.school.brin}, supplier ${data.supplier}`);

  const keys = await ensureDevKeys(join(workDir, 'keys'));
  const privateKey = readPrivateKey(keys);
  const token = (claims: TokenClaims) => signDevToken(privateKey, claims, { expiresIn: '2h' });
  const identitySecret = randomBytes(32).toString('base64url');
  const boardClaims = (nummer: string): TokenClaims => ({ sub: `bench-${nummer}`, name: 'Bench board', role: 'BOARD', board: nummer, rights: ['OSR_TOEGANG'] });
  const queries: Record<QueryName, { kind: QueryKind; variables: Record<string, unknown>; claims: TokenClaims }> = {
    'headline-large': { kind: 'headline', variables: { nummer: data.largestBoard.nummer }, claims: boardClaims(data.largestBoard.nummer) },
    'headline-typical': { kind: 'headline', variables: { nummer: data.typicalBoard.nummer }, claims: boardClaims(data.typicalBoard.nummer) },
    feed: { kind: 'feed', variables: { first: 100 }, claims: { sub: 'bench-supplier', name: 'Bench supplier', role: 'SUPPLIER', supplier: data.supplier } },
    school: { kind: 'school', variables: { brin: data.school.brin }, claims: boardClaims(data.school.board) },
  };

  // The expected answers, read straight from the databases.
  const stores = await openStores(database.uri, prefix);
  const expected = {} as Record<QueryName, string>;
  const tokens = {} as Record<QueryName, string>;
  try {
    const { TokenVerifier } = await import('../gateway/src/auth.js');
    const verifier = await TokenVerifier.create({ issuer: 'osr-dev', audience: 'osr-graph', algorithms: ['ES256'], publicKeyPem: readFileSync(keys.publicKeyPath, 'utf8') });
    for (const q of queryNames) {
      tokens[q] = await token(queries[q].claims);
      const auth = await verifier.authenticate({ headers: { authorization: `Bearer ${tokens[q]}` } } as never);
      if (!auth.ok) throw new Error(`bench token refused: ${auth.reason}`);
      const { body } = await answer(stores, auth.identity, OPERATION[queries[q].kind].name, queries[q].variables);
      expected[q] = canonical(body);
      if (expected[q].includes('"errors"')) throw new Error(`the expected answer for ${q} has errors: ${expected[q].slice(0, 300)}`);
    }
  } finally {
    await stores.close();
  }

  // The processes, as npm start runs them.
  const needsSubgraphs = targetNames.includes('gateway') || targetNames.includes('hive');
  const subgraphs: RunningSubgraphs | null = needsSubgraphs ? await startSubgraphs(group, { uri: database.uri, prefix, identitySecret }) : null;
  const targets: Target[] = [];
  for (const name of targetNames) {
    if (subgraphs && name === 'gateway') {
      const gateway = await startGateway(group, subgraphs, { identitySecret, publicKeyPath: keys.publicKeyPath });
      targets.push({ name, url: gateway.url, front: gateway.process, behind: subgraphs.processes, counters: subgraphs.counters });
      continue;
    }
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/graphql`;
    if (subgraphs && name === 'hive') {
      const supergraph = readFileSync(join(repoRoot, 'schema', 'supergraph.graphql'), 'utf8').replace(
        /@join__graph\(name: "([^"]+)", url: "[^"]*"\)/g,
        (_m, n: string) => `@join__graph(name: "${n}", url: "${subgraphs.url(n as Parameters<typeof subgraphs.url>[0])}")`,
      );
      const front = start('hive', 'scripts/bench/hive.ts', { PORT: String(port), SUPERGRAPH: supergraph, OSR_IDENTITY_SECRET: identitySecret, JWT_PUBLIC_KEY_FILE: keys.publicKeyPath });
      targets.push({ name, url, front, behind: subgraphs.processes, counters: subgraphs.counters });
    } else if (name === 'monolith') {
      const counterPort = await freePort();
      const front = start('monolith', 'scripts/bench/monolith.ts', {
        PORT: String(port), COUNTER_PORT: String(counterPort), MONGODB_URI: database.uri, DB_PREFIX: prefix, JWT_PUBLIC_KEY_FILE: keys.publicKeyPath, OSR_COUNT_DB_COMMANDS: '1',
      });
      targets.push({ name, url: `http://127.0.0.1:${port}/`, front, behind: [], counters: [`http://127.0.0.1:${counterPort}/`] });
    } else {
      const front = start('floor', 'scripts/bench/floor.ts', { PORT: String(port), MONGODB_URI: database.uri, DB_PREFIX: prefix, JWT_PUBLIC_KEY_FILE: keys.publicKeyPath, OSR_COUNT_DB_COMMANDS: '1' });
      targets.push({ name, url, front, behind: [], counters: [`http://127.0.0.1:${port}/db-commands`] });
    }
  }
  const bodyOf = (q: QueryName) => JSON.stringify({ query: OPERATION[queries[q].kind].query, operationName: OPERATION[queries[q].kind].name, variables: queries[q].variables });
  for (const t of targets) {
    const q = queryNames[0]!;
    await waitFor(t.name, async () => (await post(t.url, bodyOf(q), { authorization: `Bearer ${tokens[q]}` })).status === 200);
  }
  say(`targets up: ${targets.map((t) => t.name).join(', ')}`);

  const rows: Row[] = [];
  const notes: string[] = [];
  for (const q of queryNames) {
    const body = bodyOf(q);
    const headers = { authorization: `Bearer ${tokens[q]}` };
    for (const t of targets) {
      try {
        await measure(t);
      } catch (err) {
        notes.push(`${t.name} ${q}: not measured: ${(err as Error).message}`);
        say(`${t.name} ${q}: not measured: ${(err as Error).message}`);
      }
    }
    async function measure(t: Target) {
      // Correct first, then round trips per request (3 sequential requests, counted exactly).
      const first = await post(t.url, body, headers);
      if (first.status !== 200 || canonical(JSON.parse(first.text)) !== expected[q]) {
        notes.push(`${t.name} ${q}: wrong answer: ${first.status} ${first.text.slice(0, 400)}`);
        say(`${t.name} ${q}: WRONG ANSWER, not measured: ${first.text.slice(0, 200)}`);
        return;
      }
      const before = await counted(t.counters);
      for (let i = 0; i < 3; i++) await post(t.url, body, headers);
      const roundTrips = ((await counted(t.counters)) - before) / 3;
      if (warmup > 0) await load(t.url, body, headers, first.text, expected[q], warmup, () => undefined);
      let peak = 0;
      let behindPeak = 0;
      const run = await load(t.url, body, headers, first.text, expected[q], duration, () => {
        peak = Math.max(peak, rssMiB(t.front.pid));
        behindPeak = Math.max(behindPeak, t.behind.reduce((sum, c) => sum + rssMiB(c.pid), 0));
      });
      const times = run.times.sort((a, b) => a - b);
      const row: Row = {
        target: t.name,
        query: q,
        requests: run.result.requests.total,
        rps: run.result.requests.total / run.result.duration,
        p50: percentile(times, 50),
        p95: percentile(times, 95),
        p99: percentile(times, 99),
        errors: run.result.errors + run.result.timeouts + run.result.non2xx,
        wrong: run.wrong,
        peakRssMiB: peak,
        behindRssMiB: behindPeak,
        roundTrips,
      };
      // Let the requests still in flight when the window closed finish before the next target.
      await post(t.url, body, headers, 120_000);
      if (run.firstWrong) notes.push(`${t.name} ${q}: first wrong response: ${run.firstWrong}`);
      rows.push(row);
      say(`${q.padEnd(16)} ${t.name.padEnd(8)} ${row.rps.toFixed(0).padStart(6)} req/s  p50 ${row.p50.toFixed(1)} ms  p95 ${row.p95.toFixed(1)}  p99 ${row.p99.toFixed(1)}  errors ${row.errors}  wrong ${row.wrong}  round trips ${row.roundTrips}`);
    }
  }

  // Soak: the gateway under the headline query for a while, its RSS sampled every 5 s.
  let soak: { minutes: number; samplesMiB: number[]; firstMinuteMiB: number; lastMinuteMiB: number; growth: number; requests: number; wrong: number; errors: number } | null = null;
  const gateway = targets.find((t) => t.name === 'gateway');
  if (soakMinutes > 0 && gateway) {
    say(`soak: ${soakMinutes} min of ${queryNames.includes('headline-typical') ? 'headline-typical' : queryNames[0]} against the gateway...`);
    const samples: number[] = [];
    let last = 0;
    const q: QueryName = queryNames.includes('headline-typical') ? 'headline-typical' : queryNames[0]!;
    const headers = { authorization: `Bearer ${tokens[q]}` };
    const exact = (await post(gateway.url, bodyOf(q), headers)).text;
    const run = await load(gateway.url, bodyOf(q), headers, exact, expected[q], soakMinutes * 60, () => {
      if (Date.now() - last < 5_000) return;
      last = Date.now();
      samples.push(rssMiB(gateway.front.pid));
    });
    const perMinute = Math.max(1, Math.floor(samples.length / soakMinutes));
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const firstMinute = avg(samples.slice(0, perMinute));
    const lastMinute = avg(samples.slice(-perMinute));
    soak = {
      minutes: soakMinutes,
      samplesMiB: samples.map((s) => Math.round(s)),
      firstMinuteMiB: firstMinute,
      lastMinuteMiB: lastMinute,
      growth: lastMinute / firstMinute - 1,
      requests: run.result.requests.total,
      wrong: run.wrong,
      errors: run.result.errors + run.result.timeouts + run.result.non2xx,
    };
    say(`soak: gateway RSS ${firstMinute.toFixed(0)} MiB (first minute) → ${lastMinute.toFixed(0)} MiB (last minute), ${(soak.growth * 100).toFixed(1)}% growth, ${soak.requests} requests, ${soak.wrong} wrong, ${soak.errors} errors`);
  }

  // The table and the ratios.
  const rpsOf = (t: TargetName, q: QueryName) => rows.find((r) => r.target === t && r.query === q)?.rps;
  const ratio = (a: number | undefined, b: number | undefined) => (a && b ? a / b : null);
  const ratios = queryNames.map((q) => ({
    query: q,
    gatewayVsMonolith: ratio(rpsOf('gateway', q), rpsOf('monolith', q)),
    gatewayVsHive: ratio(rpsOf('gateway', q), rpsOf('hive', q)),
    gatewayVsFloor: ratio(rpsOf('gateway', q), rpsOf('floor', q)),
  }));
  const lines = [
    '| query | target | req/s | p50 ms | p95 ms | p99 ms | errors | wrong | peak RSS MiB (front + subgraphs) | DB round trips / request |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) =>
      `| ${r.query} | ${r.target} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.errors} | ${r.wrong} | ${r.peakRssMiB.toFixed(0)}${r.behindRssMiB ? ` + ${r.behindRssMiB.toFixed(0)}` : ''} | ${r.roundTrips} |`,
    ),
    '',
    '| query | gateway ÷ monolith | gateway ÷ Hive Gateway | gateway ÷ floor |',
    '|---|---|---|---|',
    ...ratios.map((r) => `| ${r.query} | ${r.gatewayVsMonolith?.toFixed(2) ?? 'n/a'} | ${r.gatewayVsHive?.toFixed(2) ?? 'n/a'} | ${r.gatewayVsFloor?.toFixed(2) ?? 'n/a'} |`),
  ];
  console.log(`\n${lines.join('\n')}\n`);
  for (const note of notes) say(`note: ${note}`);
  const out = values.out ?? join(repoRoot, 'bench-results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, options: { duration, warmup, connections, targets: targetNames, queries: queryNames, migrate, soakMinutes }, data, rows, ratios, soak, notes, table: lines.join('\n'), seconds: (Date.now() - started) / 1000 }, null, 2)}\n`,
  );
  say(`wrote ${out} (${((Date.now() - started) / 1000).toFixed(0)} s in all)`);
  const failed = rows.some((r) => r.wrong > 0) || notes.some((n) => n.includes('wrong answer'));
  return failed ? 1 : 0;
}

await runAndExit(main, stopAll, say);
