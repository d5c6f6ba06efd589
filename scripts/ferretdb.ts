/**
 * The embedded database: FerretDB 1.24 with its PostgreSQL backend over a private
 * PostgreSQL 15 cluster, both run by the project's own Go main (tools/ferretdb), which is
 * built into a git-ignored cache and rebuilt only when its sources change.
 *
 * The cluster lives under the data folder (`<dataDir>/cluster`), or, when this runs as root
 * and the `postgres` user cannot reach the data folder, under the system temp folder keyed by
 * the data folder's path. Its password is made once and kept in `<dataDir>/password`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';

/**
 * The repository root: the nearest folder above this file with the lockfile (this file runs
 * from scripts/ as TypeScript and from cli/dist/ compiled, as the jobs image runs it).
 */
export const repoRoot = ((): string => {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package-lock.json'))) return dir;
    if (dirname(dir) === dir) return resolve(here, '..');
  }
})();
const toolDir = join(repoRoot, 'tools', 'ferretdb');
const cacheDir = join(repoRoot, '.cache', 'ferretdb');

/** The PostgreSQL major version the project is built and tested with. */
export const POSTGRESQL_MAJOR = 15;
const INSTALL_HINT =
  `PostgreSQL ${POSTGRESQL_MAJOR} is not installed: install Debian's postgresql package ` +
  `(apt-get install postgresql), set OSR_PG_BIN to the folder holding initdb and postgres, or set MONGODB_URI to a running database.`;

export class SetupError extends Error {
  override name = 'SetupError';
}

/** The binary's path: named by a hash of the Go sources, so a change means a rebuild. */
export function ferretdbBinaryPath(): string {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(join(toolDir, file)));
  return join(cacheDir, `osr-ferretdb-${hash.digest('hex').slice(0, 12)}`);
}

/** Builds the binary if it is missing or stale; returns its path. */
export function ensureFerretdbBinary(log: (line: string) => void = console.log): Promise<string> {
  const binary = ferretdbBinaryPath();
  if (existsSync(binary)) return Promise.resolve(binary);

  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) {
    throw new SetupError(
      'Cannot start the embedded database: Go is not installed. Install Go 1.24 or newer, ' +
        'or set MONGODB_URI to a running MongoDB server.',
    );
  }
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${binary}.${process.pid}.tmp`;
  log(
    `Building the embedded database (FerretDB 1.24 for PostgreSQL) with ${go.stdout.trim()}.\n` +
      'The first build downloads Go modules: it takes a minute or two; later starts reuse it.',
  );
  const started = Date.now();
  return new Promise((resolvePath, reject) => {
    const child = spawn('go', ['build', '-trimpath', '-o', tmp, '.'], {
      cwd: toolDir,
      env: { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const ticker = setInterval(() => log(`  still building the embedded database (${Math.round((Date.now() - started) / 1000)} s)...`), 15_000);
    child.on('error', (err) => {
      clearInterval(ticker);
      reject(new SetupError(`Cannot build the embedded database: ${err.message}`));
    });
    child.on('close', (code) => {
      clearInterval(ticker);
      if (code !== 0) {
        rmSync(tmp, { force: true });
        reject(
          new SetupError(
            `Building the embedded database failed (go build exited ${code}). Install Go 1.24 or newer, ` +
              `or set MONGODB_URI to a running MongoDB server.\n${output.trim()}`,
          ),
        );
        return;
      }
      renameSync(tmp, binary);
      log(`Built the embedded database in ${Math.round((Date.now() - started) / 1000)} s.`);
      resolvePath(binary);
    });
  });
}

/**
 * The folder with PostgreSQL's `initdb` and `postgres`: OSR_PG_BIN, else Debian's
 * /usr/lib/postgresql/<major>/bin (the project's version first), else the PATH.
 */
export function postgresBinDir(env: NodeJS.ProcessEnv = process.env, debian = '/usr/lib/postgresql'): string {
  const has = (dir: string) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'));
  const configured = env['OSR_PG_BIN'];
  if (configured) {
    if (!has(configured)) throw new SetupError(`OSR_PG_BIN=${configured} holds no initdb and postgres. ${INSTALL_HINT}`);
    return configured;
  }
  if (existsSync(debian)) {
    const majors = readdirSync(debian)
      .map(Number)
      .filter((n) => Number.isInteger(n) && n >= POSTGRESQL_MAJOR)
      .sort((a, b) => (a === POSTGRESQL_MAJOR ? -1 : b === POSTGRESQL_MAJOR ? 1 : a - b));
    for (const major of majors) {
      const dir = join(debian, String(major), 'bin');
      if (has(dir)) return dir;
    }
  }
  for (const dir of (env['PATH'] ?? '').split(':').filter(Boolean)) {
    if (has(dir)) return dir;
  }
  throw new SetupError(INSTALL_HINT);
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolvePort(port));
    });
  });
}

export interface RunningDatabase {
  /** MongoDB connection string of FerretDB */
  uri: string;
  /** PostgreSQL connection string of the database behind FerretDB (for index creation) */
  postgresUrl: string;
  /** the PostgreSQL cluster's folder */
  clusterDir: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Is every folder from the root down to `dir` traversable by other users? */
function reachableByOthers(dir: string): boolean {
  let current = resolve(dir);
  for (;;) {
    try {
      if ((statSync(current).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    const parent = dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

/**
 * Where the cluster of a data folder lives. PostgreSQL refuses to run as root, so as root
 * it runs as the `postgres` user, who must be able to reach the folder.
 */
export function clusterDirFor(dataDir: string): string {
  const inside = join(resolve(dataDir), 'cluster');
  if (process.getuid?.() !== 0 || reachableByOthers(dataDir)) return inside;
  const key = createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 16);
  return join(tmpdir(), `osr-postgres-${key}`);
}

function clusterPassword(dataDir: string): string {
  const file = join(dataDir, 'password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

async function waitUntilReady(uri: string, child: ChildProcess, timeoutMs: number, stderr: () => string) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new SetupError(`The embedded database exited with code ${child.exitCode}:\n${stderr()}`);
    }
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
    try {
      await client.connect();
      // listDatabases reaches PostgreSQL, so FerretDB and the cluster both answer.
      await client.db('admin').command({ listDatabases: 1, nameOnly: true });
      return;
    } catch {
      if (Date.now() > deadline) throw new SetupError(`The embedded database did not answer within ${timeoutMs} ms:\n${stderr()}`);
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await client.close().catch(() => undefined);
    }
  }
}

/**
 * Starts PostgreSQL and FerretDB over it, with their data under dataDir; FerretDB listens on
 * a free loopback port (or `port`). Both stop when stop() is called or when this Node
 * process dies (the Go main's stdin closes; PostgreSQL gets the parent-death signal).
 * `ephemeral` turns off fsync: for data that is thrown away (tests, benchmarks).
 *
 * FERRETDB_POSTGRESQL_URL is set in this process's environment, so its own connections and
 * every child it starts create the GIN indexes too.
 */
export async function startFerretdb(options: {
  dataDir: string;
  port?: number;
  ephemeral?: boolean;
  log?: (line: string) => void;
}): Promise<RunningDatabase> {
  const binary = await ensureFerretdbBinary(options.log);
  const pgBin = postgresBinDir();
  mkdirSync(options.dataDir, { recursive: true });
  const clusterDir = clusterDirFor(options.dataDir);
  const password = clusterPassword(options.dataDir);
  const port = options.port ?? (await freePort());
  const pgPort = await freePort();
  const args = ['--listen', `127.0.0.1:${port}`, '--cluster', clusterDir, '--pg-bin', pgBin, '--pg-port', String(pgPort), '--exit-on-stdin-close'];
  if (options.ephemeral) args.push('--ephemeral');
  const child = spawn(binary, args, {
    stdio: ['pipe', 'ignore', 'pipe'],
    env: { ...process.env, OSR_PG_PASSWORD: password },
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const uri = `mongodb://127.0.0.1:${port}/`;
  try {
    await waitUntilReady(uri, child, 90_000, () => stderr);
  } catch (err) {
    child.kill('SIGTERM');
    throw err;
  }
  const postgresUrl = `postgres://osr:${encodeURIComponent(password)}@127.0.0.1:${pgPort}/ferretdb`;
  process.env['FERRETDB_POSTGRESQL_URL'] = postgresUrl;
  return {
    uri,
    postgresUrl,
    clusterDir,
    process: child,
    stop: () =>
      new Promise<void>((resolveStop) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolveStop();
          return;
        }
        const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolveStop();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** Makes a folder of ours reachable by the `postgres` user (tests' temporary folders). */
export function letPostgresIn(dir: string): void {
  chmodSync(dir, 0o755);
}
