/**
 * npm run soak -- [--minutes 10] [--rate 20] [--gateway http://127.0.0.1:4000/graphql]
 *
 * A fixed request rate of a realistic mix against the running system (`npm start` in another
 * terminal; tokens are signed with its development key): headline queries for many boards,
 * supplier mandate feeds, and mandate writes (end-date changes and reviews by support).
 * Reports errors (must be zero), latency percentiles per kind, and the memory (RSS) of every
 * service process at the start and end. Exits 1 when any request failed.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ensureDevKeys, readPrivateKey, signDevToken, type TokenClaims } from './dev-keys.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '20' },
    gateway: { type: 'string', default: 'http://127.0.0.1:4000/graphql' },
    concurrency: { type: 'string', default: '32' },
  },
});
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const maxInFlight = Number(values.concurrency);
if (!(minutes > 0 && minutes <= 120) || !(rate > 0 && rate <= 1000)) {
  console.error('soak: --minutes 0..120 and --rate 1..1000 requests per second');
  process.exit(2);
}
const url = values.gateway!;
if (!/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//.test(url)) {
  console.error('soak: the gateway must be on this machine (127.0.0.1 / localhost)');
  process.exit(2);
}

/** Service processes of the running system and their resident memory (MiB). */
function serviceMemory(): Record<string, number> {
  const found: Record<string, number> = {};
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const m = /(gateway|subgraphs\/(\w+))\/src\/index\.ts/.exec(cmd) ?? (/osr-ferretdb/.test(cmd) ? ['', 'ferretdb'] : null);
      if (!m) continue;
      const name = m[2] ?? m[1]!;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (rss) found[`${name} (${pid})`] = Math.round(Number(rss[1]) / 1024);
    } catch {
      // process ended while we looked
    }
  }
  return found;
}

async function gql<T>(query: string, variables: Record<string, unknown>, token: string): Promise<{ data?: T; errors?: { message: string }[]; status: number }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, ...((await res.json()) as { data?: T; errors?: { message: string }[] }) };
}

const HEADLINE = readFileSync(new URL('../test/queries/board-overview.graphql', import.meta.url), 'utf8');
const FEED = 'query Feed($after: String) { supplierMandates(first: 100, after: $after) { edges { node { id status system { id } } } pageInfo { endCursor hasNextPage } } }';
const END = 'mutation End($id: ID!, $d: Date!, $v: Int!) { endMandate(input: { id: $id, endDate: $d, expectedVersion: $v }) { mandates { id version } } }';
const REVIEW = 'mutation Review($ids: [ID!]!) { markMandatesReviewed(ids: $ids) { mandates { id version } } }';

const keys = await ensureDevKeys();
const privateKey = readPrivateKey(keys);
// Tokens live an hour at most (the gateway's JWT_MAX_AGE_SECONDS): a longer run signs new
// ones every 30 minutes.
const sign = (claims: TokenClaims) => signDevToken(privateKey, claims, { expiresIn: '1h' });
const supportClaims: TokenClaims = { sub: 'soak-support', name: 'Soak support', role: 'SUPPORT' };
let support = await sign(supportClaims);

// What to ask for: boards (with their mandates) and suppliers, read once from the system.
const catalogue = await gql<{ services: { code: string }[] }>('{ services { code } }', {}, support);
if (catalogue.status !== 200 || catalogue.errors) {
  console.error(`soak: the gateway at ${url} does not answer (${catalogue.status}); start it with npx osr start`);
  process.exit(1);
}
const suppliersSeen = new Set<string>();
const boards: string[] = [];
for (const nummer of ['41234', '42001', '43555']) {
  const res = await gql<{ board: { bevoegdGezagNummer: string; mandates: { id: string; version: number; endDate: string | null; system: { supplier: { oin: string } } }[] } | null }>(
    'query ($n: ID!) { board(bevoegdGezagNummer: $n) { bevoegdGezagNummer mandates { id version endDate system { supplier { oin } } } } }',
    { n: nummer },
    support,
  );
  if (res.data?.board) {
    boards.push(nummer);
    for (const m of res.data.board.mandates) suppliersSeen.add(m.system.supplier.oin);
  }
}
const tokens = new Map<string, string>();
const suppliers = [...suppliersSeen];
async function signCallers() {
  support = await sign(supportClaims);
  for (const b of boards) tokens.set(b, await sign({ sub: `soak-${b}`, name: `Soak ${b}`, role: 'BOARD', board: b, rights: ['OSR_TOEGANG'] }));
  for (const s of suppliers) tokens.set(s, await sign({ sub: `soak-${s}`, name: `Soak ${s}`, role: 'SUPPLIER', supplier: s }));
}
await signCallers();
setInterval(() => void signCallers(), 30 * 60_000).unref();
const writable = (await gql<{ board: { mandates: { id: string; version: number; endDate: string | null }[] } }>(
  '{ board(bevoegdGezagNummer: "41234") { mandates { id version endDate } } }',
  {},
  support,
)).data?.board.mandates.filter((m) => m.endDate === null || m.endDate >= '2030-01-01') ?? [];
const versions = new Map(writable.map((m) => [m.id, m.version]));

type Kind = 'headline' | 'supplier feed' | 'mandate write';
const latencies: Record<Kind, number[]> = { headline: [], 'supplier feed': [], 'mandate write': [] };
const errors: { kind: Kind; message: string }[] = [];
let sent = 0;
let inFlight = 0;
let skipped = 0;

async function one(i: number): Promise<void> {
  const pick = i % 10;
  const kind: Kind = pick < 6 ? 'headline' : pick < 9 || writable.length === 0 ? 'supplier feed' : 'mandate write';
  const started = performance.now();
  let result: { errors?: { message: string }[]; status: number };
  if (kind === 'headline') {
    const board = boards[i % boards.length]!;
    result = await gql(HEADLINE, { nummer: board }, tokens.get(board)!);
  } else if (kind === 'supplier feed') {
    const supplier = suppliers[i % suppliers.length]!;
    result = await gql(FEED, {}, tokens.get(supplier)!);
  } else {
    const mandate = writable[i % writable.length]!;
    if (i % 20 === 9) {
      result = await gql(REVIEW, { ids: [mandate.id] }, support);
    } else {
      const day = String((i % 28) + 1).padStart(2, '0');
      result = await gql<{ endMandate: { mandates: { version: number }[] } }>(END, { id: mandate.id, d: `2035-03-${day}`, v: versions.get(mandate.id) }, support);
    }
    const changed = (result as { data?: Record<string, { mandates: { id: string; version: number }[] }> }).data;
    for (const m of Object.values(changed ?? {}).flatMap((r) => r.mandates)) versions.set(m.id, m.version);
  }
  latencies[kind].push(performance.now() - started);
  if (result.status !== 200 || result.errors?.length) errors.push({ kind, message: result.errors?.[0]?.message ?? `HTTP ${result.status}` });
}

const memoryAtStart = serviceMemory();
console.log(`soak: ${rate} requests/s for ${minutes} min against ${url}; boards ${boards.join(', ')}; ${suppliers.length} suppliers; ${writable.length} writable mandates`);
const total = Math.round(minutes * 60 * rate);
const startedAt = performance.now();
const pending: Promise<void>[] = [];
for (let i = 0; i < total; i++) {
  const due = startedAt + (i * 1000) / rate;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  if (inFlight >= maxInFlight) {
    skipped++;
    continue;
  }
  inFlight++;
  sent++;
  // Writes to one mandate are serialised by the version; keep the write share small and sequential per mandate.
  const p = one(i)
    .catch((err: unknown) => {
      errors.push({ kind: 'headline', message: (err as Error).message });
    })
    .finally(() => {
      inFlight--;
    });
  pending.push(p);
  if (i % (rate * 60) === 0 && i > 0) console.log(`soak: ${Math.round(i / rate / 60)} min, ${sent} sent, ${errors.length} errors`);
}
await Promise.all(pending);
const memoryAtEnd = serviceMemory();
const seconds = (performance.now() - startedAt) / 1000;

const pct = (xs: number[], p: number) => {
  if (!xs.length) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
console.log(`\nsoak finished: ${sent} requests in ${seconds.toFixed(0)} s (${(sent / seconds).toFixed(1)}/s), ${errors.length} errors, ${skipped} not sent (client at ${maxInFlight} in flight)`);
console.log('| kind | requests | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|');
for (const [kind, xs] of Object.entries(latencies)) {
  console.log(`| ${kind} | ${xs.length} | ${pct(xs, 50).toFixed(1)} | ${pct(xs, 95).toFixed(1)} | ${pct(xs, 99).toFixed(1)} |`);
}
console.log('\n| process | RSS start MiB | RSS end MiB |\n|---|---|---|');
for (const name of Object.keys({ ...memoryAtStart, ...memoryAtEnd }).sort()) {
  console.log(`| ${name} | ${memoryAtStart[name] ?? '-'} | ${memoryAtEnd[name] ?? '-'} |`);
}
for (const e of errors.slice(0, 10)) console.log(`error (${e.kind}): ${e.message}`);
process.exit(errors.length ? 1 : 0);
