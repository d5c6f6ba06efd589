/**
 * npm run bench -- [options]   (see --help and docs/performance.md)
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
import autocannon, { type Request as LoadRequest, type Result as LoadResult } from 'autocannon';
import { todayInNetherlands } from '@osr/common';
import { ensureDevKeys, readPrivateKey, signDevToken, type TokenClaims } from './dev-keys.js';
import { freePort, letPostgresIn, repoRoot, startFerretdb, type RunningDatabase } from './ferretdb.js';
import { loadBenchData, type LoadedData } from './bench/data.js';
import { formatTable, parseOptions, percentile, runAndExit } from '@osr/common/cli';
import { post, startGateway, startSubgraphs, type RunningSubgraphs } from './bench/processes.js';
import { ProcessGroup, waitFor } from './processes.js';
import { answer, canonical, OPERATION, openStores, type QueryKind } from './bench/read.js';

const USAGE = `usage: npm run bench -- [--duration 8] [--warmup 2] [--connections 1,4] [--targets gateway,monolith,hive,floor]
       [--queries headline-large,headline-typical,headline-boards,feed,school,write]
       [--boards 1100 --schools 7500 --mandates 60000 --moves 75] [--migrate all|N]
       [--soak-minutes 0] [--cpu-prof] [--out bench-results/bench-<time>.json]`;

const { values, wholeNumber, names } = parseOptions(() => parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '1,4' },
    targets: { type: 'string', default: 'gateway,monolith,hive,floor' },
    queries: { type: 'string', default: 'headline-large,headline-typical,headline-boards,feed,school,write' },
    boards: { type: 'string', default: '1100' },
    schools: { type: 'string', default: '7500' },
    mandates: { type: 'string', default: '60000' },
    moves: { type: 'string', default: '75' },
    migrate: { type: 'string', default: 'all' },
    'soak-minutes': { type: 'string', default: '0' },
    'cpu-prof': { type: 'boolean', default: false },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
}), USAGE);
const duration = wholeNumber('duration', values.duration, 1, 600);
const warmup = wholeNumber('warmup', values.warmup, 0, 120);
const connectionCounts = [...new Set(values.connections!.split(',').map((c) => wholeNumber('connections', c.trim(), 1, 200)))];
const soakMinutes = wholeNumber('soak-minutes', values['soak-minutes'], 0, 60);
const migrate = values.migrate === 'all' ? 'all' : wholeNumber('migrate', values.migrate, 0, 100_000);
const boards = wholeNumber('boards', values.boards, 1, 100_000);
const schoolCount = wholeNumber('schools', values.schools, 1, 1_000_000);
const mandateTotal = wholeNumber('mandates', values.mandates, 0, 1_000_000);
const moves = wholeNumber('moves', values.moves, 0, 1000);
type TargetName = 'gateway' | 'monolith' | 'hive' | 'floor';
const ALL_TARGETS: TargetName[] = ['gateway', 'monolith', 'hive', 'floor'];
const targetNames = names('targets', values.targets!, ALL_TARGETS);
const QUERY_NAMES = ['headline-large', 'headline-typical', 'headline-boards', 'feed', 'school', 'write'] as const;
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
  connections: number;
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

/** Wrong answers seen during a run (every response is checked). */
interface Tally {
  wrong: number;
  firstWrong: string | null;
}

function markWrong(tally: Tally, status: number, text: string): void {
  tally.wrong++;
  tally.firstWrong ??= `${status} ${text.slice(0, 300)}`;
}

/** One autocannon run of `requests` (cycled per connection) with `connections` connections. */
function load(url: string, requests: LoadRequest[], connections: number, seconds: number, sample: () => void) {
  const times: number[] = [];
  return new Promise<{ result: LoadResult; times: number[] }>((resolve, reject) => {
    const timer = setInterval(sample, 250);
    const instance = autocannon({ url, connections, duration: seconds, timeout: 30, requests }, (err, result) => {
      clearInterval(timer);
      if (err) reject(err);
      else resolve({ result, times });
    });
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
    mandates: mandateTotal,
    moves,
    log: (line) => say(line),
  });
  say(`largest board ${data.largestBoard.nummer} (${data.largestBoard.schools} schools), typical board ${data.typicalBoard.nummer} (${data.typicalBoard.schools} schools), school ${data.school.brin}, supplier ${data.supplier}`);

  const keys = await ensureDevKeys(join(workDir, 'keys'));
  const privateKey = readPrivateKey(keys);
  // Two hours (a soak of up to an hour may follow the runs): every front is told to accept it.
  const token = (claims: TokenClaims) => signDevToken(privateKey, claims, { expiresIn: '2h' });
  const tokenLifetime = { JWT_MAX_AGE_SECONDS: '7200' };
  const identitySecret = randomBytes(32).toString('base64url');
  const boardClaims = (nummer: string): TokenClaims => ({ sub: `bench-${nummer}`, name: 'Bench board', role: 'BOARD', board: nummer, rights: ['OSR_TOEGANG'] });
  // The read queries: one request each, or (headline-boards) one per sampled board, round-robin over all connections.
  const feedClaims: TokenClaims = { sub: 'bench-supplier', name: 'Bench supplier', role: 'SUPPLIER', supplier: data.supplier };
  const reads: Record<Exclude<QueryName, 'write'>, { kind: QueryKind; variables: Record<string, unknown>; claims: TokenClaims }[]> = {
    'headline-large': [{ kind: 'headline', variables: { nummer: data.largestBoard.nummer }, claims: boardClaims(data.largestBoard.nummer) }],
    'headline-typical': [{ kind: 'headline', variables: { nummer: data.typicalBoard.nummer }, claims: boardClaims(data.typicalBoard.nummer) }],
    'headline-boards': data.sample.map((b) => ({ kind: 'headline' as const, variables: { nummer: b.nummer }, claims: boardClaims(b.nummer) })),
    feed: [{ kind: 'feed', variables: { first: 100 }, claims: feedClaims }],
    school: [{ kind: 'school', variables: { brin: data.school.brin }, claims: boardClaims(data.school.board) }],
  };
  say(`headline-boards: ${data.sample.length} boards of ${data.sample.at(-1)?.schools ?? 0} to ${data.sample[0]?.schools ?? 0} schools (median ${data.sample[Math.floor(data.sample.length / 2)]?.schools ?? 0})`);
  interface Item {
    body: string;
    headers: Record<string, string>;
    /** the answer as canonical JSON, read straight from the databases */
    expected: string;
  }
  const bodyFor = (kind: QueryKind, variables: Record<string, unknown>) => JSON.stringify({ query: OPERATION[kind].query, operationName: OPERATION[kind].name, variables });
  const items = {} as Record<Exclude<QueryName, 'write'>, Item[]>;
  const stores = await openStores(database.uri, prefix);
  try {
    const { TokenVerifier } = await import('@osr/gateway/auth');
    const verifier = await TokenVerifier.create({ issuer: 'osr-dev', audience: 'osr-graph', algorithms: ['ES256'], publicKeyPem: readFileSync(keys.publicKeyPath, 'utf8'), maxLifetimeSeconds: 7200 });
    for (const q of queryNames) {
      if (q === 'write') continue;
      items[q] = [];
      for (const r of reads[q]) {
        const bearer = await token(r.claims);
        const auth = await verifier.authenticate({ headers: { authorization: `Bearer ${bearer}` } } as never);
        if (!auth.ok) throw new Error(`bench token refused: ${auth.reason}`);
        const { body } = await answer(stores, auth.identity, OPERATION[r.kind].name, r.variables);
        const expected = canonical(body);
        if (expected.includes('"errors"')) throw new Error(`the expected answer for ${q} has errors: ${expected.slice(0, 300)}`);
        items[q].push({ body: bodyFor(r.kind, r.variables), headers: { authorization: `Bearer ${bearer}` }, expected });
      }
    }
  } finally {
    await stores.close();
  }

  // The write: staff of the largest board grant a two-day mandate for one of its schools from a
  // later day, then end it on its first day (days never used before for that school: no overlaps).
  const writer = { authorization: `Bearer ${await token(boardClaims(data.largestBoard.nummer))}` };
  const today = todayInNetherlands();
  const addDays = (iso: string, days: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
  const GRANT = 'mutation BenchGrant($input: GrantMandateInput!) { grantMandate(input: $input) { mandates { id version startDate endDate status } } }';
  const END = 'mutation BenchEnd($input: EndMandateInput!) { endMandate(input: $input) { mandates { id version startDate endDate status } } }';
  let writes = 0;
  interface WriteContext {
    day?: string;
    id?: string;
    version?: number;
  }
  type ChangedMandate = { id: string; version: number; startDate: string; endDate: string | null; status: string };
  const changed = (text: string, field: string): ChangedMandate | null => {
    try {
      const parsed = JSON.parse(text) as { data?: Record<string, { mandates: ChangedMandate[] } | null>; errors?: unknown };
      return parsed.errors ? null : (parsed.data?.[field]?.mandates[0] ?? null);
    } catch {
      return null;
    }
  };
  const grantBody = (ctx: WriteContext) => {
    if (!data.writable.length) throw new Error('no school of the largest board can take a new OSO OV mandate');
    const k = writes++;
    const school = data.writable[k % data.writable.length]!;
    // two days each: a grant whose end was never sent (the window closed between them) ends
    // on its second day, so the next round on that school (two days on) does not overlap it
    ctx.day = addDays(today, 1 + 2 * Math.floor(k / data.writable.length));
    return JSON.stringify({
      query: GRANT,
      operationName: 'BenchGrant',
      variables: { input: { service: school.service, systemId: school.systemId, brin: school.brin, bevoegdGezagNummer: school.board, startDate: ctx.day, endDate: addDays(ctx.day, 1) } },
    });
  };
  const grantRight = (text: string, ctx: WriteContext) => {
    const m = changed(text, 'grantMandate');
    if (!m || m.startDate !== ctx.day || m.endDate !== addDays(ctx.day!, 1) || m.status !== 'PLANNED') return false;
    ctx.id = m.id;
    ctx.version = m.version;
    return true;
  };
  const endBody = (ctx: WriteContext) =>
    JSON.stringify({ query: END, operationName: 'BenchEnd', variables: { input: { id: ctx.id, endDate: ctx.day, expectedVersion: ctx.version } } });
  const endRight = (text: string, ctx: WriteContext) => {
    const m = changed(text, 'endMandate');
    return !!m && m.id === ctx.id && m.endDate === ctx.day && m.version === ctx.version! + 1;
  };

  // The processes, as npm start runs them.
  const needsSubgraphs = targetNames.includes('gateway') || targetNames.includes('hive');
  const subgraphs: RunningSubgraphs | null = needsSubgraphs ? await startSubgraphs(group, { uri: database.uri, prefix, identitySecret, settled: true }) : null;
  const targets: Target[] = [];
  for (const name of targetNames) {
    if (subgraphs && name === 'gateway') {
      const gateway = await startGateway(group, subgraphs, { identitySecret, publicKeyPath: keys.publicKeyPath, env: tokenLifetime });
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
      const front = start('hive', 'scripts/bench/hive.ts', { PORT: String(port), SUPERGRAPH: supergraph, OSR_IDENTITY_SECRET: identitySecret, JWT_PUBLIC_KEY_FILE: keys.publicKeyPath, ...tokenLifetime });
      targets.push({ name, url, front, behind: subgraphs.processes, counters: subgraphs.counters });
    } else if (name === 'monolith') {
      const counterPort = await freePort();
      const front = start('monolith', 'scripts/bench/monolith.ts', {
        PORT: String(port), COUNTER_PORT: String(counterPort), MONGODB_URI: database.uri, DB_PREFIX: prefix, JWT_PUBLIC_KEY_FILE: keys.publicKeyPath, OSR_COUNT_DB_COMMANDS: '1', ...tokenLifetime,
      });
      targets.push({ name, url: `http://127.0.0.1:${port}/`, front, behind: [], counters: [`http://127.0.0.1:${counterPort}/`] });
    } else {
      const front = start('floor', 'scripts/bench/floor.ts', { PORT: String(port), MONGODB_URI: database.uri, DB_PREFIX: prefix, JWT_PUBLIC_KEY_FILE: keys.publicKeyPath, OSR_COUNT_DB_COMMANDS: '1', ...tokenLifetime });
      targets.push({ name, url, front, behind: [], counters: [`http://127.0.0.1:${port}/db-commands`] });
    }
  }
  const firstRead = queryNames.find((q): q is Exclude<QueryName, 'write'> => q !== 'write') ?? null;
  for (const t of targets) {
    const probe = firstRead ? items[firstRead][0]! : { body: JSON.stringify({ query: '{ __typename }' }), headers: {} };
    await waitFor(t.name, async () => (await post(t.url, probe.body, probe.headers)).status === 200);
  }
  say(`targets up: ${targets.map((t) => t.name).join(', ')}`);

  /** Correct first: every item once (checked); returns the database round trips per request, or a wrong answer. */
  async function probe(t: Target, q: QueryName): Promise<{ roundTrips: number } | { wrong: string }> {
    const before = await counted(t.counters);
    let requests = 0;
    if (q === 'write') {
      for (let i = 0; i < 3; i++) {
        const ctx: WriteContext = {};
        const grant = await post(t.url, grantBody(ctx), writer);
        if (grant.status !== 200 || !grantRight(grant.text, ctx)) return { wrong: `grant: ${grant.status} ${grant.text.slice(0, 400)}` };
        const end = await post(t.url, endBody(ctx), writer);
        if (end.status !== 200 || !endRight(end.text, ctx)) return { wrong: `end: ${end.status} ${end.text.slice(0, 400)}` };
        requests += 2;
      }
    } else {
      // one item: three times (as before); many: each once
      const list = items[q].length === 1 ? [items[q][0]!, items[q][0]!, items[q][0]!] : items[q];
      for (const item of list) {
        const res = await post(t.url, item.body, item.headers);
        if (res.status !== 200 || canonical(JSON.parse(res.text)) !== item.expected) return { wrong: `${res.status} ${res.text.slice(0, 400)}` };
        requests++;
      }
    }
    return { roundTrips: Math.round((((await counted(t.counters)) - before) / requests) * 10) / 10 };
  }

  /** The requests each connection cycles through; every response is checked into `tally`. */
  function requestsFor(t: Target, q: QueryName, tally: Tally): LoadRequest[] {
    const path = new URL(t.url).pathname;
    const base = { method: 'POST', path, headers: { 'content-type': 'application/json' }, body: '' };
    if (q === 'write') {
      return [
        {
          ...base,
          headers: { ...base.headers, ...writer },
          setupRequest: (req, context) => ({ ...req, body: grantBody(context as WriteContext) }),
          onResponse: (status, text, context) => {
            if (status !== 200 || !grantRight(text, context as WriteContext)) markWrong(tally, status, text);
          },
        },
        {
          ...base,
          headers: { ...base.headers, ...writer },
          // no end without a granted mandate (autocannon then starts the next grant)
          setupRequest: (req, context) => ((context as WriteContext).id ? { ...req, body: endBody(context as WriteContext) } : null),
          onResponse: (status, text, context) => {
            if (status !== 200 || !endRight(text, context as WriteContext)) markWrong(tally, status, text);
          },
        },
      ];
    }
    const list = items[q];
    const exact = new Map<number, string>();
    const check = (i: number, status: number, text: string) => {
      if (status === 200 && (exact.get(i) === text || canonical(JSON.parse(text)) === list[i]!.expected)) {
        exact.set(i, text); // byte-identical next time: no parse
        return;
      }
      markWrong(tally, status, text);
    };
    if (list.length === 1) {
      const item = list[0]!;
      return [{ ...base, headers: { ...base.headers, ...item.headers }, body: item.body, onResponse: (status, text) => check(0, status, text) }];
    }
    let next = 0;
    return [
      {
        ...base,
        setupRequest: (req, context) => {
          const i = next++ % list.length;
          (context as { i: number }).i = i;
          return { ...req, headers: { ...base.headers, ...list[i]!.headers }, body: list[i]!.body };
        },
        onResponse: (status, text, context) => check((context as { i: number }).i, status, text),
      },
    ];
  }

  const rows: Row[] = [];
  const notes: string[] = [];
  // The reads first, then the writes (they add mandates the expected read answers do not have).
  const order = [...queryNames.filter((q) => q !== 'write'), ...queryNames.filter((q) => q === 'write')];
  for (const q of order) {
    for (const connections of connectionCounts) {
      for (const t of targets) {
        if (q === 'write' && (t.name === 'monolith' || t.name === 'floor')) {
          if (connections === connectionCounts[0]) notes.push(`${t.name} write: not measured (the monolith and the floor answer the read queries only)`);
          continue;
        }
        try {
          await measure(t, q, connections);
        } catch (err) {
          notes.push(`${t.name} ${q} ×${connections}: not measured: ${(err as Error).message}`);
          say(`${t.name} ${q} ×${connections}: not measured: ${(err as Error).message}`);
        }
      }
    }
  }
  async function measure(t: Target, q: QueryName, connections: number) {
    const probed = await probe(t, q);
    if ('wrong' in probed) {
      notes.push(`${t.name} ${q}: wrong answer: ${probed.wrong}`);
      say(`${t.name} ${q}: WRONG ANSWER, not measured: ${probed.wrong.slice(0, 200)}`);
      return;
    }
    const tally: Tally = { wrong: 0, firstWrong: null };
    if (warmup > 0) await load(t.url, requestsFor(t, q, tally), connections, warmup, () => undefined);
    tally.wrong = 0;
    tally.firstWrong = null;
    let peak = 0;
    let behindPeak = 0;
    const run = await load(t.url, requestsFor(t, q, tally), connections, duration, () => {
      peak = Math.max(peak, rssMiB(t.front.pid));
      behindPeak = Math.max(behindPeak, t.behind.reduce((sum, c) => sum + rssMiB(c.pid), 0));
    });
    const times = run.times.sort((a, b) => a - b);
    const row: Row = {
      target: t.name,
      query: q,
      connections,
      requests: run.result.requests.total,
      rps: run.result.requests.total / run.result.duration,
      p50: percentile(times, 50),
      p95: percentile(times, 95),
      p99: percentile(times, 99),
      errors: run.result.errors + run.result.timeouts + run.result.non2xx,
      wrong: tally.wrong,
      peakRssMiB: peak,
      behindRssMiB: behindPeak,
      roundTrips: probed.roundTrips,
    };
    // Let the requests still in flight when the window closed finish before the next target.
    const settle = q === 'write' ? null : items[q][0]!;
    if (settle) await post(t.url, settle.body, settle.headers, 120_000);
    else await new Promise((r) => setTimeout(r, 1000));
    if (tally.firstWrong) notes.push(`${t.name} ${q} ×${connections}: first wrong response: ${tally.firstWrong}`);
    rows.push(row);
    say(`${q} ×${connections} ${t.name}: ${row.rps.toFixed(0)} req/s, p50 ${row.p50.toFixed(1)} ms, p95 ${row.p95.toFixed(1)} ms, p99 ${row.p99.toFixed(1)} ms, errors ${row.errors}, wrong ${row.wrong}, round trips ${row.roundTrips}`);
  }

  // Soak: the gateway under the headline query for a while, its RSS sampled every 5 s.
  let soak: { minutes: number; samplesMiB: number[]; firstMinuteMiB: number; lastMinuteMiB: number; growth: number; requests: number; wrong: number; errors: number } | null = null;
  const gateway = targets.find((t) => t.name === 'gateway');
  if (soakMinutes > 0 && gateway && firstRead) {
    const q: Exclude<QueryName, 'write'> = queryNames.includes('headline-typical') ? 'headline-typical' : firstRead;
    const connections = connectionCounts.at(-1)!;
    say(`soak: ${soakMinutes} min of ${q} against the gateway with ${connections} connections...`);
    const samples: number[] = [];
    let last = 0;
    const tally: Tally = { wrong: 0, firstWrong: null };
    const run = await load(gateway.url, requestsFor(gateway, q, tally), connections, soakMinutes * 60, () => {
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
      wrong: tally.wrong,
      errors: run.result.errors + run.result.timeouts + run.result.non2xx,
    };
    say(`soak: gateway RSS ${firstMinute.toFixed(0)} MiB (first minute) → ${lastMinute.toFixed(0)} MiB (last minute), ${(soak.growth * 100).toFixed(1)}% growth, ${soak.requests} requests, ${soak.wrong} wrong, ${soak.errors} errors`);
  }

  // The table and the ratios.
  const rpsOf = (t: TargetName, q: QueryName, c: number) => rows.find((r) => r.target === t && r.query === q && r.connections === c)?.rps;
  const ratio = (a: number | undefined, b: number | undefined) => (a && b ? a / b : null);
  const ratios = connectionCounts.flatMap((c) => queryNames.map((q) => ({
    query: q,
    connections: c,
    gatewayVsMonolith: ratio(rpsOf('gateway', q, c), rpsOf('monolith', q, c)),
    gatewayVsHive: ratio(rpsOf('gateway', q, c), rpsOf('hive', q, c)),
    gatewayVsFloor: ratio(rpsOf('gateway', q, c), rpsOf('floor', q, c)),
  })));
  const lines = [
    '| query | connections | target | req/s | p50 ms | p95 ms | p99 ms | errors | wrong | peak RSS MiB (front + subgraphs) | DB round trips / request |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) =>
      `| ${r.query} | ${r.connections} | ${r.target} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.errors} | ${r.wrong} | ${r.peakRssMiB.toFixed(0)}${r.behindRssMiB ? ` + ${r.behindRssMiB.toFixed(0)}` : ''} | ${r.roundTrips} |`,
    ),
    '',
    '| query | connections | gateway ÷ monolith | gateway ÷ Hive Gateway | gateway ÷ floor |',
    '|---|---|---|---|---|',
    ...ratios.map((r) => `| ${r.query} | ${r.connections} | ${r.gatewayVsMonolith?.toFixed(2) ?? 'n/a'} | ${r.gatewayVsHive?.toFixed(2) ?? 'n/a'} | ${r.gatewayVsFloor?.toFixed(2) ?? 'n/a'} |`),
  ];
  // for people at the terminal, then the same as markdown for docs/benchmarks/
  console.log(
    formatTable(
      ['query', 'connections', 'target', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'wrong', 'peak RSS MiB', 'round trips'],
      rows.map((r) => [r.query, r.connections, r.target, Math.round(r.rps), r.p50.toFixed(1), r.p95.toFixed(1), r.p99.toFixed(1), r.errors, r.wrong, `${r.peakRssMiB.toFixed(0)}${r.behindRssMiB ? ` + ${r.behindRssMiB.toFixed(0)}` : ''}`, r.roundTrips]),
    ),
  );
  console.log(`\n${lines.join('\n')}\n`);
  for (const note of notes) say(`note: ${note}`);
  const out = values.out ?? join(repoRoot, 'bench-results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, options: { duration, warmup, connections: connectionCounts, targets: targetNames, queries: queryNames, boards, schools: schoolCount, mandates: mandateTotal, moves, migrate, soakMinutes }, data, rows, ratios, soak, notes, table: lines.join('\n'), seconds: (Date.now() - started) / 1000 }, null, 2)}\n`,
  );
  say(`wrote ${out} (${((Date.now() - started) / 1000).toFixed(0)} s in all)`);
  const failed = rows.some((r) => r.wrong > 0) || notes.some((n) => n.includes('wrong answer'));
  return failed ? 1 : 0;
}

await runAndExit(main, stopAll, say);
