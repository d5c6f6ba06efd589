/**
 * Shared plumbing of the command line (scripts/osr.ts) and the scripts that load data: which
 * database server to use (MONGODB_URI, the embedded one `npm start` is running, or a new
 * embedded one). Progress bars, tables and the exit codes are in @osr/common/cli.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, startFerretdb, type RunningDatabase } from './ferretdb.js';

export function dataDir(): string {
  return process.env['OSR_DATA_DIR'] || join(repoRoot, '.data');
}

/** The embedded database's folder (PostgreSQL cluster and password) under a data folder. */
export function embeddedDatabaseDir(base: string = dataDir()): string {
  return join(base, 'database');
}

const uriFile = () => join(dataDir(), 'ferretdb.uri');

/**
 * npm start records where its embedded database listens (FerretDB, and the PostgreSQL
 * behind it for index creation), so commands can share it. The file is readable by its
 * owner only: the PostgreSQL URL holds the cluster's password.
 */
export function recordEmbeddedUri(database: { uri: string; postgresUrl: string }): void {
  writeFileSync(uriFile(), JSON.stringify({ uri: database.uri, postgresUrl: database.postgresUrl, pid: process.pid }), { mode: 0o600 });
}

export function forgetEmbeddedUri(): void {
  rmSync(uriFile(), { force: true });
}

function runningEmbedded(): { uri: string; postgresUrl?: string } | null {
  if (!existsSync(uriFile())) return null;
  try {
    const { uri, postgresUrl, pid } = JSON.parse(readFileSync(uriFile(), 'utf8')) as { uri: string; postgresUrl?: string; pid: number };
    process.kill(pid, 0);
    return postgresUrl ? { uri, postgresUrl } : { uri };
  } catch {
    return null;
  }
}

/**
 * Runs work against the database server: MONGODB_URI when set; else the embedded server of
 * a running `npm start`; else an embedded server of its own on the same data folder,
 * stopped afterwards.
 */
export async function withDatabaseServer<T>(work: (uri: string) => Promise<T>, log: (line: string) => void = console.error): Promise<T> {
  const external = process.env['MONGODB_URI'];
  if (external) return work(external);
  const shared = runningEmbedded();
  if (shared) {
    if (shared.postgresUrl) process.env['FERRETDB_POSTGRESQL_URL'] = shared.postgresUrl;
    return work(shared.uri);
  }
  let own: RunningDatabase | null = null;
  try {
    own = await startFerretdb({ dataDir: embeddedDatabaseDir(), log });
    return await work(own.uri);
  } finally {
    await own?.stop();
  }
}
