/**
 * npm run bench:access -- [--repeat 25] [--warmup 3] [--only name,...]
 *
 * Whether a refusal tells "exists but not yours" from "missing" by its time. Starts the system
 * as `npm start` does (FerretDB in a temporary folder with the demo data, the four subgraphs
 * and the gateway as child processes), then for each operation of test/corpus/refusal-pairs.ts
 * (those that name a mandate, agreement or school) sends the two requests a caller without
 * rights can make: one naming another board's (or supplier's) existing record, one naming a
 * record of the same length that does not exist. Both must get the same answer (checked on
 * every request; exit 1 when they differ). The
 * two are sent alternately, `repeat` times each after `warmup` rounds, and the table gives
 * each one's median wall time through the gateway side by side, their difference, and the
 * database commands of all subgraphs per request (OSR_COUNT_DB_COMMANDS; median).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatTable, parseOptions, percentile, runAndExit } from '@osr/common/cli';
import { buildDemoData, SUPPLIER_B } from './demo-data.js';
import { ensureDevKeys, readPrivateKey, signDevToken, type TokenClaims } from './dev-keys.js';
import { letPostgresIn, startFerretdb, type RunningDatabase } from './ferretdb.js';
import { post, startGateway, startSubgraphs } from './bench/processes.js';
import { ProcessGroup, waitFor } from './processes.js';
import { seedDemo } from './seed-lib.js';
import { answerWithoutIds, REFUSAL_PAIRS, type RefusalCaller, type RefusalPair } from '../test/corpus/refusal-pairs.js';

const USAGE = 'usage: npm run bench:access -- [--repeat 25] [--warmup 3] [--only name,...]';
const { values, wholeNumber } = parseOptions(() => parseArgs({
  options: {
    repeat: { type: 'string', default: '25' },
    warmup: { type: 'string', default: '3' },
    only: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
}), USAGE);
const repeat = wholeNumber('repeat', values.repeat, 1, 1_000);
const warmup = wholeNumber('warmup', values.warmup, 0, 100);
const say = (line: string) => console.log(`[bench:access] ${line}`);

const selected = values.only ? values.only.split(',').map((s) => s.trim()) : null;
if (selected) {
  const unknown = selected.filter((s) => !REFUSAL_PAIRS.some((p) => p.name === s));
  if (unknown.length) {
    console.error(`--only: unknown ${unknown.join(', ')} (known: ${REFUSAL_PAIRS.map((p) => p.name).join(', ')})\n${USAGE}`);
    process.exit(2);
  }
}

const workDir = mkdtempSync(join(tmpdir(), 'osr-bench-access-'));
letPostgresIn(workDir);
const group = new ProcessGroup();
let database: RunningDatabase | null = null;

async function stopAll() {
  await group.stop();
  await database?.stop();
  rmSync(workDir, { recursive: true, force: true });
}

const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);

async function main(): Promise<number> {
  say(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores; ${repeat} requests of each kind after ${warmup} warm-up rounds`);
  database = await startFerretdb({ dataDir: join(workDir, 'db'), ephemeral: true, log: say });
  const prefix = 'benchacc_';
  await seedDemo(database.uri, prefix, buildDemoData());
  const keys = await ensureDevKeys(join(workDir, 'keys'));
  const privateKey = readPrivateKey(keys);
  const sign = (claims: TokenClaims) => signDevToken(privateKey, claims, { expiresIn: '1h' });
  const tokens: Record<RefusalCaller, string> = {
    otherBoard: await sign({ sub: 'bench-42001', name: 'Bench board', role: 'BOARD', board: '42001', rights: ['OSR_TOEGANG'] }),
    otherBoardSigner: await sign({ sub: 'bench-42001-signer', name: 'Bench signer', role: 'BOARD', board: '42001', rights: ['OSR_TOEGANG', 'KENNISNET_ONDERTEKENEN'] }),
    supplier: await sign({ sub: 'bench-supplier', name: 'Bench supplier', role: 'SUPPLIER', supplier: SUPPLIER_B.oin }),
  };
  const identitySecret = randomBytes(32).toString('base64url');
  // No webhook worker: its polling would add database commands to the requests' counts.
  const subgraphs = await startSubgraphs(group, { uri: database.uri, prefix, identitySecret, env: { WEBHOOK_WORKER: '0' } });
  const gateway = await startGateway(group, subgraphs, { identitySecret, publicKeyPath: keys.publicKeyPath });
  await waitFor('gateway', async () => (await post(gateway.url, JSON.stringify({ query: '{ services { code } }' }), {})).status === 200);
  say(`system up: gateway ${gateway.url}`);

  const commands = async () => {
    const counts = await Promise.all(subgraphs.counters.map(async (url) => ((await (await fetch(url)).json()) as { count: number }).count));
    return counts.reduce((a, b) => a + b, 0);
  };
  const send = async (pair: RefusalPair, variables: Record<string, string>) => {
    const before = await commands();
    const started = performance.now();
    const res = await post(gateway.url, JSON.stringify({ query: pair.query, variables }), { authorization: `Bearer ${tokens[pair.caller]}` });
    const ms = performance.now() - started;
    return { ms, commands: (await commands()) - before, shape: answerWithoutIds(res.text, variables), status: res.status };
  };

  const rows: (string | number)[][] = [];
  let different = 0;
  for (const pair of REFUSAL_PAIRS.filter((p) => !selected || selected.includes(p.name))) {
    const times = { existing: [] as number[], missing: [] as number[] };
    const counts = { existing: [] as number[], missing: [] as number[] };
    let shapes: { existing: string; missing: string } | null = null;
    for (let round = 0; round < warmup + repeat; round++) {
      // alternate which goes first, so that neither always follows the other
      const order = round % 2 === 0 ? (['existing', 'missing'] as const) : (['missing', 'existing'] as const);
      for (const kind of order) {
        const r = await send(pair, pair[kind]);
        shapes ??= { existing: '', missing: '' };
        shapes[kind] = `${r.status} ${r.shape}`;
        if (round < warmup) continue;
        times[kind].push(r.ms);
        counts[kind].push(r.commands);
      }
      if (shapes && shapes.existing !== shapes.missing) {
        say(`${pair.name}: the answers differ:\n  existing: ${shapes.existing}\n  missing:  ${shapes.missing}`);
        different++;
        break;
      }
    }
    const e = median(times.existing);
    const m = median(times.missing);
    const round1 = (x: number) => Math.round(x * 10) / 10;
    rows.push([pair.name, pair.caller, round1(e), round1(m), round1(e - m) || 0, median(counts.existing), median(counts.missing)]);
    say(`${pair.name}: existing ${e.toFixed(1)} ms, missing ${m.toFixed(1)} ms`);
  }
  console.log(formatTable(['operation', 'caller', 'not yours: median ms', 'missing: median ms', 'difference ms', 'not yours: db commands', 'missing: db commands'], rows));
  say(`load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (different) say(`${different} operation(s) answered "missing" and "not yours" differently`);
  return different ? 1 : 0;
}

void runAndExit(main, stopAll, say);
