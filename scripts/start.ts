/**
 * osr start [--no-demo]   (npm start): the whole system on this machine. Starts the embedded
 * database (unless MONGODB_URI is set), loads the demo data on first start (not with
 * --no-demo or OSR_NO_DEMO=1: a real install starts empty), starts the four subgraphs and the
 * gateway as child processes, prints the gateway URL. Ctrl-C stops every process it started
 * (exit 0); a service that cannot start, or ends, stops everything (exit 1).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ConfigError, logLevelSchema, parseConfig, portSchema, redactUri } from '@osr/common';
import type { CommandEnvironment, CommandSpec } from '@osr/common/cli';
import { SetupError, startFerretdb, repoRoot, type RunningDatabase } from './ferretdb.js';
import { defaultKeyDir, ensureDevKeys, ensureWebhookSecretKey } from './dev-keys.js';
import { embeddedDatabaseDir, forgetEmbeddedUri, recordEmbeddedUri } from './cli-support.js';
import { firstRequestHint } from './first-request.js';
import { largestBoard, loadDemoIfEmpty } from './seed-lib.js';
import { logFormat, prettyLogStream } from './log-output.js';
import { ProcessGroup, answers, waitFor } from './processes.js';

/** What start reads beside what every command shares (MONGODB_URI, OSR_DATA_DIR, DB_PREFIX: checked by osr). */
const env = z.object({
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

export const start: CommandSpec = {
  group: 'start',
  alias: 'start',
  summary: 'run the whole system here: the database, the demo data on first start, the subgraphs and the gateway, until Ctrl-C',
  json: false,
  options: [{ flags: '--no-demo', description: 'start without the demo data (as OSR_NO_DEMO=1): a real install starts empty' }],
  help:
    'Also read: GATEWAY_PORT (4000), ORGANISATIONS_PORT (4001), MANDATES_PORT (4002), AGREEMENTS_PORT (4003),\n' +
    'SUPPORT_PORT (4004), LOG_LEVEL, OSR_IDENTITY_SECRET, JWT_JWKS_URL, OSR_NO_DEMO, WEBHOOK_SECRET_KEY (docs/operations.md).\n' +
    'Exit codes: 0 stopped with Ctrl-C; 1 a service could not start or ended.',
  async run(_args, values, { env: shared }) {
    // commander's --no-demo: demo is false when given
    // exit now: the log streams and the probes' idle sockets would keep it a while longer
    process.exit(await runSystem(shared, values['demo'] === false));
  },
};

/** Runs until Ctrl-C (resolves 0) or until a service fails or ends (resolves 1); everything started is stopped either way. */
async function runSystem(shared: CommandEnvironment, noDemoFlag: boolean): Promise<number> {
  const group = new ProcessGroup();
  let database: RunningDatabase | null = null;
  let stopping: Promise<number> | null = null;
  let finished!: (code: number) => void;
  const done = new Promise<number>((resolve) => (finished = resolve));
  const shutdown = (code: number): Promise<number> => {
    stopping ??= (async () => {
      say('stopping...');
      await group.stop();
      if (database) {
        forgetEmbeddedUri();
        await database.stop();
      }
      say('stopped.');
      finished(code);
      return code;
    })();
    return stopping;
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  const pretty = logFormat(process.stdout) === 'pretty';
  const startService = (name: string, entry: string, serviceEnv: Record<string, string>) => {
    // stdout (the JSON log lines) is pretty-printed on a terminal, passed through otherwise.
    const child = group.start(name, entry, serviceEnv, {
      stdout: pretty ? 'pipe' : 'inherit',
      onUnexpectedExit(description) {
        console.error(`[osr] ${description}; stopping everything.`);
        void shutdown(1);
      },
    });
    if (pretty) child.stdout?.pipe(prettyLogStream());
  };
  const ready = (name: string, url: string) => waitFor(name, () => answers(url), 60_000, () => stopping !== null);

  try {
    const config = parseConfig(env);
    const noDemo = noDemoFlag || config.OSR_NO_DEMO === '1';
    let uri: string;
    if (shared.mongodbUri) {
      uri = shared.mongodbUri;
      say(`using the database at ${redactUri(uri)} (MONGODB_URI); no embedded database started`);
    } else {
      const folder = embeddedDatabaseDir(shared.dataDir);
      const sqliteFolder = join(shared.dataDir, 'ferretdb');
      if (existsSync(sqliteFolder) && readdirSync(sqliteFolder).some((f) => f.endsWith('.sqlite'))) {
        say(
          `note: ${sqliteFolder} holds the SQLite files of the earlier embedded database, which is not read any more; ` +
            'the embedded database is now FerretDB over PostgreSQL. Re-import your data (osr rio import, osr oso migrate) or remove that folder.',
        );
      }
      database = await startFerretdb({ dataDir: folder, log: say });
      uri = database.uri;
      recordEmbeddedUri(database);
      say(`embedded database (FerretDB over PostgreSQL) at ${uri}, data in ${database.clusterDir}`);
    }

    const demo = noDemo ? ({ action: 'none' } as const) : await loadDemoIfEmpty(uri, shared.prefix, say);
    if (demo.action === 'none') say('starting without the demo data (--no-demo): the store keeps only what you import; the service catalogue is put in place');
    else if (demo.action === 'kept') say('demo data already loaded; keeping the data as it is');
    else if (demo.action === 'loaded') say('demo data loaded');
    else {
      say(`the store already holds data (${demo.holdingData.join(', ')}): starting without loading the demo data; nothing was changed`);
    }

    const identitySecret = config.OSR_IDENTITY_SECRET ?? randomBytes(32).toString('base64url');
    // the same at every start, as the token keys are: registered endpoints keep working
    const webhookSecretKey = config.WEBHOOK_SECRET_KEY ?? ensureWebhookSecretKey(defaultKeyDir(shared.dataDir));
    const tokenEnv: Record<string, string> = {};
    if (!config.JWT_JWKS_URL) {
      const keys = await ensureDevKeys(defaultKeyDir(shared.dataDir));
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
        DB_PREFIX: shared.prefix,
        LOG_LEVEL: config.LOG_LEVEL,
        OSR_IDENTITY_SECRET: identitySecret,
        ...(s.name === 'mandates' ? { WEBHOOK_SECRET_KEY: webhookSecretKey } : {}),
      });
    }
    await Promise.all(subgraphs.map((s) => ready(s.name, `http://127.0.0.1:${s.port}/ready`)));

    const gatewayEnv: Record<string, string> = {
      PORT: String(config.GATEWAY_PORT),
      LOG_LEVEL: config.LOG_LEVEL,
      OSR_IDENTITY_SECRET: identitySecret,
      ...tokenEnv,
    };
    for (const s of subgraphs) gatewayEnv[`SUBGRAPH_${s.name.toUpperCase()}_URL`] = `http://127.0.0.1:${s.port}/graphql`;
    startService('gateway', 'gateway/src/index.ts', gatewayEnv);
    await ready('gateway', `http://127.0.0.1:${config.GATEWAY_PORT}/ready`);
    if (stopping) return await done;

    const url = `http://127.0.0.1:${config.GATEWAY_PORT}/graphql`;
    const board = await largestBoard(uri, shared.prefix).catch(() => null);
    say(`gateway ready: ${url}  (Ctrl-C stops everything)`);
    if (board && !config.JWT_JWKS_URL) {
      console.log(`[osr] the headline request for board ${board} (the largest), as its staff with OSR_TOEGANG; paste in ${repoRoot}:`);
      for (const line of firstRequestHint(url, board, shared.dataDir)) console.log(line);
    }
  } catch (err) {
    if (err instanceof SetupError || err instanceof ConfigError) console.error(`[osr] ${err.message}`);
    else console.error(err);
    return shutdown(1);
  }
  return done;
}
