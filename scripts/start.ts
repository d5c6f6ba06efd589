/**
 * npm start [-- --no-demo]: the whole system on this machine. Starts the embedded database
 * (unless MONGODB_URI is set), loads the demo data on first start (not with --no-demo or
 * OSR_NO_DEMO=1: a real install starts empty), starts the four subgraphs and the gateway as
 * child processes, prints the gateway URL. Ctrl-C stops every process it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, logLevelSchema, parseConfig, portSchema, redactUri } from '@osr/common';
import { SetupError, repoRoot, startFerretdb, type RunningDatabase } from './ferretdb.js';
import { randomBytes } from 'node:crypto';
import { defaultKeyDir, ensureDevKeys, ensureWebhookSecretKey } from './dev-keys.js';
import { embeddedDatabaseDir, forgetEmbeddedUri, recordEmbeddedUri } from './cli-support.js';
import { firstRequestHint } from './first-request.js';
import { largestBoard, loadDemoIfEmpty } from './seed-lib.js';
import { logFormat, prettyLogStream } from './log-output.js';

const env = z.object({
  // An empty MONGODB_URI counts as unset.
  MONGODB_URI: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// connection string').optional(),
  ),
  OSR_DATA_DIR: z.string().default(join(repoRoot, '.data')),
  DB_PREFIX: z.string().regex(/^[a-z0-9_]{1,20}$/).default('osr_'),
  GATEWAY_PORT: portSchema.default(4000),
  ORGANISATIONS_PORT: portSchema.default(4001),
  MANDATES_PORT: portSchema.default(4002),
  AGREEMENTS_PORT: portSchema.default(4003),
  SUPPORT_PORT: portSchema.default(4004),
  LOG_LEVEL: logLevelSchema,
  /** Shared by gateway and subgraphs; a fresh random one per start unless set. */
  OSR_IDENTITY_SECRET: z.string().min(32).optional(),
  /** Production-style token verification; without it a local development key is used. */
  JWT_JWKS_URL: z.string().url().optional(),
  /** 1: start without the demo data (as --no-demo). */
  OSR_NO_DEMO: z.enum(['', '0', '1']).default(''),
  /** Encrypts webhook signing secrets; kept under <data dir>/dev-keys unless set. */
  WEBHOOK_SECRET_KEY: z.string().min(32).optional(),
});

const say = (line: string) => console.log(`[osr] ${line}`);
const children: { name: string; child: ChildProcess }[] = [];
let database: RunningDatabase | null = null;
let shuttingDown = false;

async function shutdown(code: number): Promise<never> {
  if (!shuttingDown) {
    shuttingDown = true;
    say('stopping...');
    await Promise.all(
      children.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.once('exit', () => {
              clearTimeout(force);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    if (database) {
      forgetEmbeddedUri();
      await database.stop();
    }
    say('stopped.');
  }
  process.exit(code);
}

const pretty = logFormat(process.stdout) === 'pretty';

function startService(name: string, entry: string, serviceEnv: Record<string, string>): void {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, entry)], {
    cwd: repoRoot,
    env: { ...process.env, ...serviceEnv, OSR_EXIT_ON_STDIN_CLOSE: '1' },
    // stdin is a pipe: when this process dies, the child sees it close and stops itself.
    // stdout (the JSON log lines) is pretty-printed on a terminal, passed through otherwise.
    stdio: ['pipe', pretty ? 'pipe' : 'inherit', 'inherit'],
  });
  if (pretty) child.stdout?.pipe(prettyLogStream());
  children.push({ name, child });
  child.on('exit', (code, signal) => {
    if (shuttingDown) return;
    console.error(`[osr] ${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping everything.`);
    void shutdown(1);
  });
}

async function waitReady(name: string, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (shuttingDown) return;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new SetupError(`${name} did not become ready at ${url} within ${timeoutMs / 1000} s`);
}

async function main() {
  let noDemoFlag = false;
  try {
    noDemoFlag = parseArgs({ options: { 'no-demo': { type: 'boolean', default: false } } }).values['no-demo'] === true;
  } catch (err) {
    throw new SetupError(`${(err as Error).message}\nusage: npm start [-- --no-demo]`);
  }
  const config = parseConfig(env);
  const noDemo = noDemoFlag || config.OSR_NO_DEMO === '1';
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  let uri: string;
  if (config.MONGODB_URI) {
    uri = config.MONGODB_URI;
    say(`using the database at ${redactUri(uri)} (MONGODB_URI); no embedded database started`);
  } else {
    const folder = embeddedDatabaseDir(config.OSR_DATA_DIR);
    const sqliteFolder = join(config.OSR_DATA_DIR, 'ferretdb');
    if (existsSync(sqliteFolder) && readdirSync(sqliteFolder).some((f) => f.endsWith('.sqlite'))) {
      say(
        `note: ${sqliteFolder} holds the SQLite files of the earlier embedded database, which is not read any more; ` +
          'the embedded database is now FerretDB over PostgreSQL. Re-import your data (npm run rio:import, oso:migrate) or remove that folder.',
      );
    }
    database = await startFerretdb({ dataDir: folder, log: say });
    uri = database.uri;
    recordEmbeddedUri(database);
    say(`embedded database (FerretDB over PostgreSQL) at ${uri}, data in ${database.clusterDir}`);
  }

  const demo = noDemo ? ({ action: 'none' } as const) : await loadDemoIfEmpty(uri, config.DB_PREFIX, say);
  if (demo.action === 'none') say('starting without the demo data (--no-demo): the store keeps only what you import; the service catalogue is put in place');
  else if (demo.action === 'kept') say('demo data already loaded; keeping the data as it is');
  else if (demo.action === 'loaded') say('demo data loaded');
  else {
    say(`the store already holds data (${demo.holdingData.join(', ')}): starting without loading the demo data; nothing was changed`);
  }

  const identitySecret = config.OSR_IDENTITY_SECRET ?? randomBytes(32).toString('base64url');
  // the same at every start, as the token keys are: registered endpoints keep working
  const webhookSecretKey = config.WEBHOOK_SECRET_KEY ?? ensureWebhookSecretKey(defaultKeyDir(config.OSR_DATA_DIR));
  const tokenEnv: Record<string, string> = {};
  if (!config.JWT_JWKS_URL) {
    const keys = await ensureDevKeys(defaultKeyDir(config.OSR_DATA_DIR));
    tokenEnv['JWT_PUBLIC_KEY_FILE'] = keys.publicKeyPath;
  }

  const subgraphs = [
    { name: 'organisations', port: config.ORGANISATIONS_PORT },
    { name: 'mandates', port: config.MANDATES_PORT },
    { name: 'agreements', port: config.AGREEMENTS_PORT },
    { name: 'support', port: config.SUPPORT_PORT },
  ];
  const peerEnv = Object.fromEntries(subgraphs.map((s) => [`${s.name.toUpperCase()}_URL`, `http://127.0.0.1:${s.port}/graphql`]));
  for (const s of subgraphs) {
    startService(s.name, `subgraphs/${s.name}/src/index.ts`, {
      ...peerEnv,
      PORT: String(s.port),
      MONGODB_URI: uri,
      DB_PREFIX: config.DB_PREFIX,
      LOG_LEVEL: config.LOG_LEVEL,
      OSR_IDENTITY_SECRET: identitySecret,
      ...(s.name === 'mandates' ? { WEBHOOK_SECRET_KEY: webhookSecretKey } : {}),
    });
  }
  await Promise.all(subgraphs.map((s) => waitReady(s.name, `http://127.0.0.1:${s.port}/ready`)));

  const gatewayEnv: Record<string, string> = {
    PORT: String(config.GATEWAY_PORT),
    LOG_LEVEL: config.LOG_LEVEL,
    OSR_IDENTITY_SECRET: identitySecret,
    ...tokenEnv,
  };
  for (const s of subgraphs) gatewayEnv[`SUBGRAPH_${s.name.toUpperCase()}_URL`] = `http://127.0.0.1:${s.port}/graphql`;
  startService('gateway', 'gateway/src/index.ts', gatewayEnv);
  await waitReady('gateway', `http://127.0.0.1:${config.GATEWAY_PORT}/ready`);

  const url = `http://127.0.0.1:${config.GATEWAY_PORT}/graphql`;
  const board = await largestBoard(uri, config.DB_PREFIX).catch(() => null);
  say(`gateway ready: ${url}  (Ctrl-C stops everything)`);
  if (board && !config.JWT_JWKS_URL) {
    console.log(`[osr] the headline request for board ${board} (the largest), as its staff with OSR_TOEGANG; paste in ${repoRoot}:`);
    for (const line of firstRequestHint(url, board, config.OSR_DATA_DIR)) console.log(line);
  }
}

main().catch(async (err: unknown) => {
  if (err instanceof SetupError || err instanceof ConfigError) console.error(`[osr] ${err.message}`);
  else console.error(err);
  await shutdown(1);
});
