/**
 * npm run replicas [-- --seconds 20] [--json] [--no-restart]
 *
 * Proves on this machine that the services are stateless: 2 gateways and 2 replicas of each
 * subgraph behind load balancers of our own (scripts/lb.ts), one database, a mixed load
 * (headline queries, supplier feed, grantMandate/endMandate), one replica of each kind
 * killed with SIGKILL mid-run. Checks that only requests in flight at a kill failed and only
 * where a retry would not be safe (mutations), that every acknowledged write is in the
 * database, and shows the per-replica state (APQ cache, rate-limit counters). Then it
 * restarts the killed replicas and checks that they take traffic again (--no-restart: not).
 *
 * Database: MONGODB_URI when set (in fresh databases of a random prefix, dropped afterwards),
 * else an embedded FerretDB in a temporary folder. Everything listens on 127.0.0.1 and
 * stops when the command ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { formatTable, parseOptions } from '@osr/common/cli';
import { SetupError, letPostgresIn, startFerretdb, type RunningDatabase } from './ferretdb.js';
import { seedDemo } from './seed-lib.js';
import { proveStatelessness, stopEveryCluster, SUBGRAPHS, type ProofReport } from './replicas-lib.js';

const USAGE = 'usage: npm run replicas [-- --seconds 15] [--json] [--no-restart]';
const { values, wholeNumber } = parseOptions(() => parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    json: { type: 'boolean', default: false },
    'no-restart': { type: 'boolean', default: false },
    help: { type: 'boolean' },
  },
  strict: true,
}), USAGE);
const seconds = wholeNumber('seconds', values.seconds, 5, 300);
const say = (line: string) => console.error(`[replicas] ${line}`);

function print(report: ProofReport): void {
  const { load, writes } = report;
  const rows: [string, string][] = [
    ['requests sent', `${load.sent} (${load.requestsPerSecond}/s)`],
    ...Object.entries(load.byKind).map(([k, v]): [string, string] => [`  ${k}`, `${v.sent} sent, ${v.failed} failed`]),
    ['replicas killed', report.kills.map((k) => `${k.kind}[${k.index}]`).join(', ')],
    ['in flight at the kills', String(load.inFlightAtKills)],
    ['failed', `${load.failed} (all in flight at a kill: ${load.failedInFlight === load.failed ? 'yes' : 'NO'})`],
    ['retried by the LBs', `${load.retriedByLoadBalancers} (sent again to another replica)`],
    ['answered 502 by the LBs', `${load.failedByLoadBalancers} (a mutation lost in flight is not retried)`],
    ['writes acknowledged', `${writes.acknowledged}, found in the database: ${writes.found}, lost: ${writes.lost.length}`],
    ['writes without answer', `${writes.unacknowledged.length} (applied anyway: ${writes.unacknowledged.filter((u) => u.applied).length})`],
    ['APQ, other replica', `${String(report.apq.otherReplicaCode)}; retry with the query ${report.apq.retryWithQueryOk ? 'succeeded' : 'FAILED'}`],
    ['APQ through the LB', `${report.apq.throughLoadBalancer.ok}/${report.apq.throughLoadBalancer.sent} answered, ${report.apq.throughLoadBalancer.hadToRegister} had to send the query`],
    [`rate limit (burst ${report.rateLimit.burst})`, `${report.rateLimit.perReplica.map((r, i) => `gateway ${i}: ${r.ok} allowed, ${r.limited} refused`).join('; ')} (counters are per replica)`],
  ];
  if (report.afterRestart) {
    const after = report.afterRestart;
    rows.push(
      ['after restarting them', `${after.load.sent} requests, ${after.load.failed} failed; writes ${after.writes.acknowledged} acknowledged, ${after.writes.found} found`],
      ['  requests the restarted replicas took', Object.entries(after.requestsPerRestartedReplica).map(([k, v]) => `${k} ${v}`).join(', ')],
    );
  }
  console.log(formatTable(['measured', 'result'], rows));
  for (const f of report.failures) console.log(`  failed ${f.kind} (HTTP ${f.status}): ${f.error}`);
}

let database: RunningDatabase | null = null;
let dataDir: string | null = null;

// Ctrl-C: stop every process this command started (a replica that does not stop within
// 5 s is killed), then the database, and remove the temporary folder.
let interrupted = false;
function interrupt(signal: NodeJS.Signals) {
  if (interrupted) return;
  interrupted = true;
  say(`${signal}: stopping every replica...`);
  void (async () => {
    await stopEveryCluster();
    await database?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    process.exit(130);
  })();
}
process.on('SIGINT', interrupt);
process.on('SIGTERM', interrupt);
const prefix = `r${randomBytes(3).toString('hex')}_`;
let uri = process.env['MONGODB_URI'] || '';
let exitCode = 1;
try {
  if (!uri) {
    dataDir = mkdtempSync(join(tmpdir(), 'osr-replicas-db-'));
    letPostgresIn(dataDir);
    database = await startFerretdb({ dataDir, ephemeral: true, log: say });
    uri = database.uri;
    say(`embedded database (FerretDB) at ${uri}`);
  }
  say('loading the demo data...');
  await seedDemo(uri, prefix);
  const report = await proveStatelessness({ uri, prefix, durationMs: seconds * 1000, restartKilled: !values['no-restart'], log: say });
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else print(report);
  if (report.problems.length) {
    for (const p of report.problems) console.error(`[replicas] PROBLEM: ${p}`);
  } else {
    say('stateless: no request failed beyond the mutations in flight at a kill, no acknowledged write lost');
    exitCode = 0;
  }
} catch (err) {
  console.error(err instanceof SetupError ? `[replicas] ${err.message}` : err);
} finally {
  if (uri) {
    const client = new MongoClient(uri);
    try {
      await client.connect();
      for (const name of SUBGRAPHS) await client.db(`${prefix}${name}`).dropDatabase();
    } catch {
      // the database is gone with its temporary folder
    } finally {
      await client.close();
    }
  }
  await database?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
process.exit(exitCode);
