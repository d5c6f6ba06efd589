/**
 * Several replicas of every service on one machine, behind load balancers of our own
 * (scripts/lb.ts), against one database: the proof that the gateway and the subgraphs keep
 * no state a request depends on. Used by `npm run replicas` and test/e2e/replicas.test.ts.
 *
 * Every replica is a real process (`node --import tsx <entry>`, as `npm start` runs them),
 * so "killing a replica" is SIGKILL: no graceful shutdown, connections cut mid-request.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, exportSPKI, generateKeyPair, type KeyLike } from 'jose';
import { connectDatabase, databaseName, type SubgraphName } from '@osr/common';
import { MandatesReader } from '@osr/subgraph-mandates/bulk';
import { freePort, repoRoot } from './ferretdb.js';
import { createLoadBalancer, type LoadBalancer } from './lb.js';
import { SUPPLIER_A, SYSTEM_A, SYSTEM_B } from './demo-data.js';

export const SUBGRAPHS: SubgraphName[] = ['organisations', 'mandates', 'agreements', 'support'];
export type ReplicaKind = 'gateway' | SubgraphName;

const ISSUER = 'osr-replicas';
const AUDIENCE = 'osr-graph';

export interface Replica {
  kind: ReplicaKind;
  index: number;
  /** http://127.0.0.1:<port> */
  url: string;
  child: ChildProcess;
  output(): string;
  /** the environment it was started with (a restart uses it again) */
  env: Record<string, string>;
}

export interface ClusterOptions {
  uri: string;
  prefix: string;
  /** replicas of every service (default 2) */
  replicas?: number;
  logLevel?: string;
  /** gateway settings beyond the defaults, e.g. RATE_LIMIT_BURST */
  gatewayEnv?: Record<string, string>;
  log?: (line: string) => void;
}

export interface Claims {
  sub: string;
  role: 'BOARD' | 'SUPPLIER' | 'SUPPORT' | 'ANALYST';
  board?: string;
  supplier?: string;
  rights?: string[];
}

export interface Cluster {
  /** the load balancer in front of the gateways: http://127.0.0.1:<port>/graphql */
  graphqlUrl: string;
  gatewayLb: LoadBalancer;
  subgraphLbs: Record<SubgraphName, LoadBalancer>;
  replicas: Replica[];
  replica(kind: ReplicaKind, index: number): Replica;
  token(claims: Claims): Promise<string>;
  /** SIGKILL, and wait until the process is gone */
  kill(kind: ReplicaKind, index: number): Promise<void>;
  /** a new process in the place of a killed one (same port and settings), once ready */
  restart(kind: ReplicaKind, index: number): Promise<Replica>;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function waitReady(replica: Replica, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited(replica.child)) throw new Error(`${replica.kind}[${replica.index}] exited during start:\n${replica.output()}`);
    try {
      const res = await fetch(`${replica.url}/ready`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${replica.kind}[${replica.index}] was not ready within ${timeoutMs / 1000} s:\n${replica.output()}`);
}

/** Clusters not stopped yet, for stopEveryCluster() on Ctrl-C. */
const runningClusters = new Set<() => Promise<void>>();

/** Stops every cluster this process started (SIGTERM, then SIGKILL after 5 s). */
export async function stopEveryCluster(): Promise<void> {
  await Promise.all([...runningClusters].map((stop) => stop()));
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const count = options.replicas ?? 2;
  const log = options.log ?? (() => undefined);
  const secret = randomBytes(32).toString('base64url');
  const keyDir = mkdtempSync(join(tmpdir(), 'osr-replicas-'));
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const publicKeyFile = join(keyDir, 'public.pem');
  writeFileSync(publicKeyFile, await exportSPKI(publicKey));
  const signingKey: KeyLike = privateKey;

  const replicas: Replica[] = [];
  const balancers: LoadBalancer[] = [];

  function spawnReplica(kind: ReplicaKind, index: number, port: number, env: Record<string, string>): Replica {
    const entry = kind === 'gateway' ? 'gateway/src/index.ts' : `subgraphs/${kind}/src/index.ts`;
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, entry)], {
      cwd: repoRoot,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? '',
        ...env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: options.logLevel ?? 'warn',
        OSR_IDENTITY_SECRET: secret,
        // stdin is a pipe: when this process dies, the replica sees it close and stops.
        OSR_EXIT_ON_STDIN_CLOSE: '1',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (d: Buffer) => (output = (output + d.toString()).slice(-8_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const replica: Replica = { kind, index, url: `http://127.0.0.1:${port}`, child, output: () => output, env };
    const before = replicas.findIndex((r) => r.kind === kind && r.index === index);
    if (before >= 0) replicas.splice(before, 1, replica);
    else replicas.push(replica);
    return replica;
  }

  let stopping: Promise<void> | null = null;
  const stop = () => (stopping ??= stopAll());
  const stopAll = async () => {
    await Promise.all(
      replicas.map(async (r) => {
        if (exited(r.child)) return;
        r.child.kill('SIGTERM');
        if (!(await waitExit(r.child, 5_000))) {
          r.child.kill('SIGKILL');
          await waitExit(r.child, 5_000);
        }
      }),
    );
    await Promise.all(balancers.map((b) => b.close()));
    rmSync(keyDir, { recursive: true, force: true });
    runningClusters.delete(stop);
  };
  runningClusters.add(stop);

  try {
    const subgraphLbs = {} as Record<SubgraphName, LoadBalancer>;
    for (const name of SUBGRAPHS) {
      subgraphLbs[name] = await createLoadBalancer({ name: `lb-${name}` });
      balancers.push(subgraphLbs[name]);
    }
    const gatewayLb = await createLoadBalancer({ name: 'lb-gateway' });
    balancers.push(gatewayLb);

    // Subgraph-to-subgraph calls (mandates → organisations, agreements) go through the
    // load balancers too, as they would through a Kubernetes Service.
    const peers = Object.fromEntries(SUBGRAPHS.map((n) => [`${n.toUpperCase()}_URL`, `${subgraphLbs[n].url}/graphql`]));
    const started: Replica[] = [];
    for (const name of SUBGRAPHS) {
      for (let i = 0; i < count; i++) {
        started.push(
          spawnReplica(name, i, await freePort(), {
            ...peers,
            MONGODB_URI: options.uri,
            DB_PREFIX: options.prefix,
            // Every mandates replica would follow the change feed; that is safe (idempotent),
            // but here the load is what is measured, so only on request.
            ...(name === 'mandates' ? { MANDATES_FEED_POLL_SECONDS: '0' } : {}),
          }),
        );
      }
    }
    // The gateways start at the same time (a static supergraph: nothing to ask the subgraphs
    // yet); they are ready once the subgraphs behind their load balancers are.
    const gateways: Replica[] = [];
    for (let i = 0; i < count; i++) {
      gateways.push(
        spawnReplica('gateway', i, await freePort(), {
          ...Object.fromEntries(SUBGRAPHS.map((n) => [`SUBGRAPH_${n.toUpperCase()}_URL`, `${subgraphLbs[n].url}/graphql`])),
          JWT_PUBLIC_KEY_FILE: publicKeyFile,
          JWT_ISSUER: ISSUER,
          JWT_AUDIENCE: AUDIENCE,
          ...options.gatewayEnv,
        }),
      );
    }
    log(`starting ${started.length} subgraph replicas and ${gateways.length} gateways...`);
    await Promise.all(started.map((r) => waitReady(r, 90_000)));
    for (const name of SUBGRAPHS) subgraphLbs[name].setBackends(started.filter((r) => r.kind === name).map((r) => r.url));
    await Promise.all(gateways.map((r) => waitReady(r, 90_000)));
    gatewayLb.setBackends(gateways.map((r) => r.url));

    const replica = (kind: ReplicaKind, index: number) => {
      const found = replicas.find((r) => r.kind === kind && r.index === index);
      if (!found) throw new Error(`no replica ${kind}[${index}]`);
      return found;
    };
    return {
      graphqlUrl: `${gatewayLb.url}/graphql`,
      gatewayLb,
      subgraphLbs,
      replicas,
      replica,
      token: (claims) =>
        new SignJWT({ name: claims.sub, role: claims.role, board: claims.board, supplier: claims.supplier, rights: claims.rights ?? [] })
          .setProtectedHeader({ alg: 'ES256' })
          .setSubject(claims.sub)
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setIssuedAt()
          .setExpirationTime('30m')
          .sign(signingKey),
      async kill(kind, index) {
        const r = replica(kind, index);
        r.child.kill('SIGKILL');
        await waitExit(r.child, 5_000);
      },
      async restart(kind, index) {
        const old = replica(kind, index);
        if (!exited(old.child)) throw new Error(`${kind}[${index}] is still running`);
        const fresh = spawnReplica(kind, index, Number(new URL(old.url).port), old.env);
        await waitReady(fresh, 90_000);
        return fresh;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------
// The mixed load

export const HEADLINE_QUERY = `query BoardOverview($nummer: ID!) {
  board(bevoegdGezagNummer: $nummer) {
    bevoegdGezagNummer name
    schools {
      brin name
      aanleverpunten { index kind active }
      mandates(services: [OSO_OV, OSO_SWV]) { service { code } status system { name supplier { oin } } }
    }
    agreements { type status }
  }
  supportContacts { channel value }
}`;
export const SUPPLIER_FEED_QUERY = 'query SupplierFeed { supplierMandates(first: 10) { edges { node { id updatedAt } } pageInfo { endCursor } } }';
const GRANT_MUTATION = `mutation Grant($input: GrantMandateInput!) {
  grantMandate(input: $input) { mandates { id version startDate endDate } }
}`;
const END_MUTATION = `mutation End($input: EndMandateInput!) {
  endMandate(input: $input) { mandates { id version endDate } }
}`;

/**
 * Schools of board 41234 whose running OSO OV mandate is on one system: the load grants
 * them short mandates on the other system, far in the future, so grants never overlap.
 * One school per mutation worker: no two workers write the same slot.
 */
const WRITE_SCHOOLS = [
  { brin: '00AV', system: SYSTEM_B },
  { brin: '03GH', system: SYSTEM_A },
  { brin: '01BC', system: SYSTEM_B },
  { brin: '07QR', system: SYSTEM_A },
  { brin: '06NP', system: SYSTEM_B },
  { brin: '13YZ', system: SYSTEM_A },
];

export type RequestKind = 'headline' | 'supplierFeed' | 'grantMandate' | 'endMandate';

export interface RequestRecord {
  kind: RequestKind;
  started: number;
  ended: number;
  ok: boolean;
  status: number;
  error?: string;
}

export interface Write {
  kind: 'grantMandate' | 'endMandate';
  brin: string;
  startDate: string;
  /** the mandate id (known for every end, for a grant once acknowledged) */
  id?: string;
  /** acknowledged: the API answered success */
  acknowledged: boolean;
  /** what an acknowledged write left: its version and end date */
  version?: number;
  endDate?: string;
}

export interface Kill {
  atMs: number;
  kind: ReplicaKind;
  index: number;
}

export interface LoadResult {
  durationMs: number;
  requests: RequestRecord[];
  writes: Write[];
  /** when each kill was sent and when the process was gone (ms since the epoch) */
  kills: (Kill & { at: number; goneAt: number })[];
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

interface Answer {
  status: number;
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

async function post(url: string, body: unknown, token: string): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  try {
    return { status: res.status, ...(JSON.parse(text) as Omit<Answer, 'status'>) };
  } catch {
    return { status: res.status, errors: [{ message: text.slice(0, 200) }] };
  }
}

function problem(answer: Answer): string | undefined {
  if (answer.status !== 200) return `HTTP ${answer.status}: ${answer.errors?.[0]?.message ?? ''}`;
  if (answer.errors?.length) return answer.errors.map((e) => `${String(e.extensions?.['code'] ?? '')} ${e.message}`).join('; ');
  if (!answer.data) return 'no data';
  return undefined;
}

/**
 * Sends a mixed load through the gateway load balancer for `durationMs`: query workers
 * alternate the headline query (BOARD token) and the supplier feed (SUPPLIER token);
 * mutation workers (SUPPORT token) grant a mandate, then end it with the version they got.
 * The kills happen at their offsets. Bounded: every worker sends one request at a time, for
 * durationMs, and at most maxRequests (5,000) in all.
 */
export async function runLoad(
  cluster: Cluster,
  options: { durationMs: number; queryWorkers?: number; mutationWorkers?: number; kills?: Kill[]; firstDate?: string; maxRequests?: number; firstSchool?: number },
): Promise<LoadResult> {
  const requests: RequestRecord[] = [];
  const writes: Write[] = [];
  const kills: LoadResult['kills'] = [];
  const start = Date.now();
  const until = start + options.durationMs;
  const firstDate = options.firstDate ?? '2031-01-01';
  // Mutation workers write the schools from firstSchool on, one each.
  const firstSchool = options.firstSchool ?? 0;
  const mutationWorkers = Math.min(options.mutationWorkers ?? 3, WRITE_SCHOOLS.length - firstSchool);
  // Bounded in time and in count, whatever the machine's speed.
  const maxRequests = options.maxRequests ?? 5_000;
  const going = () => Date.now() < until && requests.length < maxRequests;

  // Many callers, so that no caller meets the per-replica rate limit.
  const boardTokens = await Promise.all(
    Array.from({ length: 30 }, (_, i) => cluster.token({ sub: `load-board-${i}`, role: 'BOARD', board: '41234', rights: ['OSR_TOEGANG'] })),
  );
  const supplierTokens = await Promise.all(
    Array.from({ length: 30 }, (_, i) => cluster.token({ sub: `load-supplier-${i}`, role: 'SUPPLIER', supplier: SUPPLIER_A.oin })),
  );
  const supportTokens = await Promise.all(Array.from({ length: 30 }, (_, i) => cluster.token({ sub: `load-support-${i}`, role: 'SUPPORT' })));

  async function timed(kind: RequestKind, body: unknown, token: string, check: (a: Answer) => string | undefined): Promise<Answer | null> {
    const record: RequestRecord = { kind, started: Date.now(), ended: 0, ok: false, status: 0 };
    requests.push(record);
    try {
      const answer = await post(cluster.graphqlUrl, body, token);
      record.status = answer.status;
      const wrong = problem(answer) ?? check(answer);
      record.ok = wrong === undefined;
      if (wrong) record.error = wrong;
      return record.ok ? answer : null;
    } catch (err) {
      record.error = (err as Error).message;
      return null;
    } finally {
      record.ended = Date.now();
    }
  }

  async function queryWorker(w: number) {
    for (let i = 0; going(); i++) {
      if ((i + w) % 2 === 0) {
        await timed('headline', { query: HEADLINE_QUERY, variables: { nummer: '41234' } }, boardTokens[(i * 7 + w) % boardTokens.length]!, (a) => {
          const board = a.data?.['board'] as { schools?: { mandates?: unknown[] | null }[] } | null;
          if (board?.schools?.length !== 14) return `expected 14 schools, got ${board?.schools?.length ?? 'none'}`;
          if (board.schools.some((s) => !Array.isArray(s.mandates))) return 'a school without mandates (a subgraph did not answer)';
          return undefined;
        });
      } else {
        await timed('supplierFeed', { query: SUPPLIER_FEED_QUERY }, supplierTokens[(i * 7 + w) % supplierTokens.length]!, (a) => {
          const feed = a.data?.['supplierMandates'] as { edges?: unknown[] } | null;
          return feed?.edges?.length ? undefined : 'empty supplier feed';
        });
      }
    }
  }

  async function mutationWorker(w: number) {
    const school = WRITE_SCHOOLS[firstSchool + w]!;
    for (let k = 0; going(); k++) {
      const token = supportTokens[(k * 5 + w) % supportTokens.length]!;
      // Two-day mandates three days apart: no two grants of this school overlap.
      const startDate = addDays(firstDate, 3 * k);
      const grant: Write = { kind: 'grantMandate', brin: school.brin, startDate, acknowledged: false };
      writes.push(grant);
      const granted = await timed(
        'grantMandate',
        { query: GRANT_MUTATION, variables: { input: { service: 'OSO_OV', systemId: school.system, brin: school.brin, bevoegdGezagNummer: '41234', startDate, endDate: addDays(startDate, 1) } } },
        token,
        (a) => ((a.data?.['grantMandate'] as { mandates?: unknown[] } | null)?.mandates?.length === 1 ? undefined : 'grant returned no mandate'),
      );
      if (!granted) continue;
      const mandate = (granted.data!['grantMandate'] as { mandates: { id: string; version: number; endDate: string }[] }).mandates[0]!;
      Object.assign(grant, { id: mandate.id, acknowledged: true, version: mandate.version, endDate: mandate.endDate });
      if (!going()) break;
      const end: Write = { kind: 'endMandate', brin: school.brin, startDate, id: mandate.id, acknowledged: false };
      writes.push(end);
      const ended = await timed(
        'endMandate',
        { query: END_MUTATION, variables: { input: { id: mandate.id, endDate: startDate, expectedVersion: mandate.version } } },
        token,
        (a) => ((a.data?.['endMandate'] as { mandates?: { endDate?: string }[] } | null)?.mandates?.[0]?.endDate === startDate ? undefined : 'end date not applied'),
      );
      if (ended) {
        const after = (ended.data!['endMandate'] as { mandates: { version: number; endDate: string }[] }).mandates[0]!;
        Object.assign(end, { acknowledged: true, version: after.version, endDate: after.endDate });
      }
    }
  }

  async function killer(kill: Kill) {
    await new Promise((r) => setTimeout(r, kill.atMs));
    const at = Date.now();
    await cluster.kill(kill.kind, kill.index);
    kills.push({ ...kill, at, goneAt: Date.now() });
  }

  await Promise.all([
    ...Array.from({ length: options.queryWorkers ?? 4 }, (_, w) => queryWorker(w)),
    ...Array.from({ length: mutationWorkers }, (_, w) => mutationWorker(w)),
    ...(options.kills ?? []).map((k) => killer(k)),
  ]);
  return { durationMs: Date.now() - start, requests, writes, kills };
}

// ---------------------------------------------------------------------------------------
// Checks

export interface WriteCheck {
  acknowledged: number;
  found: number;
  /** acknowledged writes the database does not show */
  lost: Write[];
  /** writes whose answer was lost (in flight at a kill): whether they happened anyway */
  unacknowledged: { write: Write; applied: boolean }[];
}

/**
 * Reads the mandates as stored (the package's reader: its repositories' queries, no read model
 * in front, no replica's cache): every acknowledged write must be there.
 */
export async function checkWrites(uri: string, prefix: string, writes: Write[]): Promise<WriteCheck> {
  const database = await connectDatabase(uri, databaseName(prefix, 'mandates'));
  try {
    const reader = MandatesReader.of(database.db);
    const lost: Write[] = [];
    const unacknowledged: WriteCheck['unacknowledged'] = [];
    let found = 0;
    for (const write of writes) {
      const stored = write.id
        ? ((await reader.mandates([write.id]))[0] ?? null)
        : ((await reader.mandatesOfSchools([write.brin])).find((m) => m.startDate === write.startDate) ?? null);
      if (!write.acknowledged) {
        const applied = write.kind === 'grantMandate' ? stored !== null : stored?.endDate === write.startDate;
        unacknowledged.push({ write, applied });
        continue;
      }
      // A later acknowledged change (the end) raises the version; never below what was acknowledged.
      const ok = stored !== null && stored.version >= write.version! && (write.kind === 'grantMandate' || stored.endDate === write.endDate);
      if (ok) found++;
      else lost.push(write);
    }
    return { acknowledged: writes.filter((w) => w.acknowledged).length, found, lost, unacknowledged };
  } finally {
    await database.close();
  }
}

export interface LoadSummary {
  sent: number;
  succeeded: number;
  failed: number;
  /** failed requests that were in flight when a replica was killed */
  failedInFlight: number;
  /** requests in flight at the moments of the kills */
  inFlightAtKills: number;
  byKind: Record<RequestKind, { sent: number; failed: number }>;
  /** requests the load balancers sent to a second backend (gateway tier + subgraph tier) */
  retriedByLoadBalancers: number;
  /** requests the load balancers answered with an error themselves */
  failedByLoadBalancers: number;
  requestsPerSecond: number;
}

export function summarise(result: LoadResult, cluster: Cluster): LoadSummary {
  const inFlight = (r: RequestRecord) => result.kills.some((k) => r.started <= k.goneAt && r.ended >= k.at);
  const failed = result.requests.filter((r) => !r.ok);
  const byKind = {} as LoadSummary['byKind'];
  for (const kind of ['headline', 'supplierFeed', 'grantMandate', 'endMandate'] as RequestKind[]) {
    const of = result.requests.filter((r) => r.kind === kind);
    byKind[kind] = { sent: of.length, failed: of.filter((r) => !r.ok).length };
  }
  const lbs = [cluster.gatewayLb, ...Object.values(cluster.subgraphLbs)];
  return {
    sent: result.requests.length,
    succeeded: result.requests.length - failed.length,
    failed: failed.length,
    failedInFlight: failed.filter(inFlight).length,
    inFlightAtKills: result.requests.filter(inFlight).length,
    byKind,
    retriedByLoadBalancers: lbs.reduce((n, lb) => n + lb.stats.retried, 0),
    failedByLoadBalancers: lbs.reduce((n, lb) => n + lb.stats.failed, 0),
    requestsPerSecond: Math.round((result.requests.length / result.durationMs) * 1000),
  };
}

// ---------------------------------------------------------------------------------------
// Per-replica state: automatic persisted queries and rate limits

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * What an Apollo client does with automatic persisted queries: send the hash; when the
 * server answers PERSISTED_QUERY_NOT_FOUND, send the hash with the query (which registers
 * it on that server). Returns the answer and whether the query text had to be sent.
 */
export async function apqRequest(url: string, query: string, token: string): Promise<{ answer: Answer; registered: boolean }> {
  const extensions = { persistedQuery: { version: 1, sha256Hash: sha256Hex(query) } };
  const first = await post(url, { extensions }, token);
  if (first.errors?.[0]?.extensions?.['code'] !== 'PERSISTED_QUERY_NOT_FOUND') return { answer: first, registered: false };
  return { answer: await post(url, { query, extensions }, token), registered: true };
}

/** Sends `count` requests of one caller straight to one gateway; counts 200s and 429s. */
export async function burstAt(url: string, token: string, count: number): Promise<{ ok: number; limited: number; retryAfter: string | null }> {
  let ok = 0;
  let limited = 0;
  let retryAfter: string | null = null;
  for (let i = 0; i < count; i++) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ services { code } }' }),
    });
    await res.arrayBuffer();
    if (res.status === 200) ok++;
    if (res.status === 429) {
      limited++;
      retryAfter = res.headers.get('retry-after');
    }
  }
  return { ok, limited, retryAfter };
}

// ---------------------------------------------------------------------------------------
// The whole proof, for the script and the test

export interface ProofOptions {
  uri: string;
  /** a database prefix holding the demo data */
  prefix: string;
  durationMs: number;
  queryWorkers?: number;
  mutationWorkers?: number;
  /** afterwards, restart the killed replicas and check that they take traffic again */
  restartKilled?: boolean;
  log?: (line: string) => void;
}

export interface ProofReport {
  load: LoadSummary;
  writes: WriteCheck;
  kills: LoadResult['kills'];
  apq: {
    /** a hash-only request to the replica that did not see the query */
    otherReplicaCode: unknown;
    /** the client's normal retry with the query text succeeded */
    retryWithQueryOk: boolean;
    /** hash-first requests through the load balancer that all answered */
    throughLoadBalancer: { sent: number; ok: number; hadToRegister: number };
  };
  rateLimit: { burst: number; perReplica: { ok: number; limited: number; retryAfter: string | null }[] };
  /** with restartKilled: a short load after the restarts, and the requests each restarted replica took */
  afterRestart?: { load: LoadSummary; writes: WriteCheck; requestsPerRestartedReplica: Record<string, number> };
  /** failed requests, for the report (at most 20) */
  failures: RequestRecord[];
  /** what is wrong; empty when the proof holds */
  problems: string[];
}

const RATE_BURST = 20;
const RATE_PER_MINUTE = 60;

export async function proveStatelessness(options: ProofOptions): Promise<ProofReport> {
  const log = options.log ?? (() => undefined);
  const cluster = await startCluster({
    uri: options.uri,
    prefix: options.prefix,
    log,
    // Low enough to show the per-replica counters quickly; the load spreads over many callers.
    gatewayEnv: { RATE_LIMIT_PER_MINUTE: String(RATE_PER_MINUTE), RATE_LIMIT_BURST: String(RATE_BURST) },
  });
  try {
    const problems: string[] = [];
    const gateways = [cluster.replica('gateway', 0), cluster.replica('gateway', 1)];

    // APQ: the cache is per gateway replica. Registered on one, unknown on the other; the
    // client's ordinary retry (hash + query) registers it there too.
    log('persisted queries across replicas...');
    const analyst = await cluster.token({ sub: 'apq-analyst', role: 'ANALYST' });
    const apqQuery = `{ services { code name } } # ${randomBytes(4).toString('hex')}`;
    const extensions = { persistedQuery: { version: 1, sha256Hash: sha256Hex(apqQuery) } };
    await post(`${gateways[0]!.url}/graphql`, { query: apqQuery, extensions }, analyst);
    const other = await post(`${gateways[1]!.url}/graphql`, { extensions }, analyst);
    const otherReplicaCode = other.errors?.[0]?.extensions?.['code'];
    const retry = await post(`${gateways[1]!.url}/graphql`, { query: apqQuery, extensions }, analyst);
    const retryWithQueryOk = problem(retry) === undefined;
    if (otherReplicaCode !== 'PERSISTED_QUERY_NOT_FOUND') problems.push(`APQ: expected PERSISTED_QUERY_NOT_FOUND from the other replica, got ${String(otherReplicaCode)}`);
    if (!retryWithQueryOk) problems.push(`APQ: the retry with the query failed: ${problem(retry)}`);
    const lbQuery = `{ services { code } } # ${randomBytes(4).toString('hex')}`;
    const throughLoadBalancer = { sent: 6, ok: 0, hadToRegister: 0 };
    for (let i = 0; i < throughLoadBalancer.sent; i++) {
      const { answer, registered } = await apqRequest(cluster.graphqlUrl, lbQuery, analyst);
      if (problem(answer) === undefined) throughLoadBalancer.ok++;
      if (registered) throughLoadBalancer.hadToRegister++;
    }
    if (throughLoadBalancer.ok !== throughLoadBalancer.sent) problems.push('APQ: a hash-first request through the load balancer failed');

    // Rate limits: counters are per replica, so a caller gets the burst on each replica.
    log('rate limits per replica...');
    const probe = await cluster.token({ sub: 'rate-probe', role: 'ANALYST' });
    const perReplica = [];
    const refills: number[] = [];
    for (const g of gateways) {
      const began = Date.now();
      perReplica.push(await burstAt(`${g.url}/graphql`, probe, RATE_BURST + 5));
      // The bucket refills at RATE_PER_MINUTE / 60 per second while the burst is sent.
      refills.push(Math.ceil(((Date.now() - began) / 60_000) * RATE_PER_MINUTE));
    }
    for (const [i, r] of perReplica.entries()) {
      if (r.ok < RATE_BURST || r.ok > RATE_BURST + refills[i]! || r.limited === 0 || !r.retryAfter) {
        problems.push(`rate limit on gateway ${i}: ${r.ok} allowed, ${r.limited} refused (burst ${RATE_BURST}, Retry-After ${r.retryAfter})`);
      }
    }

    // The load, killing one replica of each kind along the way.
    const d = options.durationMs;
    const kills: Kill[] = [
      { atMs: Math.round(d * 0.2), kind: 'gateway', index: 0 },
      { atMs: Math.round(d * 0.3), kind: 'organisations', index: 1 },
      { atMs: Math.round(d * 0.4), kind: 'mandates', index: 0 },
      { atMs: Math.round(d * 0.5), kind: 'agreements', index: 1 },
      { atMs: Math.round(d * 0.6), kind: 'support', index: 0 },
    ];
    log(`mixed load for ${Math.round(d / 1000)} s, killing ${kills.map((k) => `${k.kind}[${k.index}]`).join(', ')} (SIGKILL)...`);
    const result = await runLoad(cluster, {
      durationMs: d,
      kills,
      ...(options.queryWorkers ? { queryWorkers: options.queryWorkers } : {}),
      // Schools 0-2; the load after the restarts writes schools 3-5.
      mutationWorkers: Math.min(options.mutationWorkers ?? 3, 3),
    });
    const load = summarise(result, cluster);
    const writes = await checkWrites(options.uri, options.prefix, result.writes);
    const inFlight = (r: RequestRecord) => result.kills.some((k) => r.started <= k.goneAt && r.ended >= k.at);
    const failures = result.requests.filter((r) => !r.ok);
    for (const f of failures) {
      if (!inFlight(f)) problems.push(`${f.kind} failed although no replica was killed while it ran: ${f.error}`);
      else if (f.kind === 'headline' || f.kind === 'supplierFeed') problems.push(`${f.kind} (a query, safe to retry) failed: ${f.error}`);
    }
    if (writes.lost.length) problems.push(`${writes.lost.length} acknowledged writes are not in the database`);
    if (load.byKind.grantMandate.sent === 0 || load.byKind.headline.sent === 0 || load.byKind.supplierFeed.sent === 0) problems.push('the load sent no requests of some kind');
    const report: ProofReport = { load, writes, kills: result.kills, apq: { otherReplicaCode, retryWithQueryOk, throughLoadBalancer }, rateLimit: { burst: RATE_BURST, perReplica }, failures: failures.slice(0, 20), problems };

    if (options.restartKilled) {
      // The load balancers skip a failed backend for a while, then try it again: a
      // restarted replica (same address) takes its share without any reconfiguration.
      log(`restarting ${kills.map((k) => `${k.kind}[${k.index}]`).join(', ')}...`);
      const balancerOf = (k: Kill) => (k.kind === 'gateway' ? cluster.gatewayLb : cluster.subgraphLbs[k.kind]);
      const restarted = await Promise.all(kills.map((k) => cluster.restart(k.kind, k.index)));
      const before = restarted.map((r, i) => balancerOf(kills[i]!).stats.perBackend[r.url] ?? 0);
      // Other schools than the first load's: its grants never overlap these.
      const again = await runLoad(cluster, { durationMs: 4_000, firstSchool: 3, mutationWorkers: 3 });
      const requestsPerRestartedReplica: Record<string, number> = {};
      restarted.forEach((r, i) => {
        requestsPerRestartedReplica[`${r.kind}[${r.index}]`] = (balancerOf(kills[i]!).stats.perBackend[r.url] ?? 0) - before[i]!;
      });
      const againLoad = summarise(again, cluster);
      const againWrites = await checkWrites(options.uri, options.prefix, again.writes);
      report.afterRestart = { load: againLoad, writes: againWrites, requestsPerRestartedReplica };
      if (againLoad.failed) problems.push(`${againLoad.failed} requests failed after the restarts`);
      if (againWrites.lost.length) problems.push(`${againWrites.lost.length} acknowledged writes lost after the restarts`);
      for (const [name, n] of Object.entries(requestsPerRestartedReplica)) if (n === 0) problems.push(`restarted ${name} took no requests`);
    }
    return report;
  } finally {
    await cluster.stop();
  }
}
