/**
 * The embedded database: FerretDB 1.24 with its SQLite backend, built from the project's own
 * Go main (tools/ferretdb) into a git-ignored cache, rebuilt only when its sources change.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const toolDir = join(repoRoot, 'tools', 'ferretdb');
const cacheDir = join(repoRoot, '.cache', 'ferretdb');

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
    `Building the embedded database (FerretDB 1.24 with SQLite) with ${go.stdout.trim()}.\n` +
      'The first build downloads Go modules and compiles SQLite: it takes a few minutes; later starts reuse it.',
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
  uri: string;
  process: ChildProcess;
  stop(): Promise<void>;
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
      await client.db('admin').command({ ping: 1 });
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
 * Starts FerretDB on a free loopback port with its data in dataDir. The process stops when
 * stop() is called or when this Node process dies (its stdin closes).
 */
export async function startFerretdb(options: {
  dataDir: string;
  port?: number;
  log?: (line: string) => void;
}): Promise<RunningDatabase> {
  const binary = await ensureFerretdbBinary(options.log);
  mkdirSync(options.dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const child = spawn(binary, ['--listen', `127.0.0.1:${port}`, '--data', options.dataDir, '--exit-on-stdin-close'], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const uri = `mongodb://127.0.0.1:${port}/`;
  try {
    await waitUntilReady(uri, child, 30_000, () => stderr);
  } catch (err) {
    child.kill('SIGTERM');
    throw err;
  }
  return {
    uri,
    process: child,
    stop: () =>
      new Promise<void>((resolveStop) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolveStop();
          return;
        }
        const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolveStop();
        });
        child.kill('SIGTERM');
      }),
  };
}
