/**
 * Starts one embedded database server (FerretDB over a private PostgreSQL cluster) in a fresh
 * temporary folder for the whole test run, or uses MONGODB_URI when it is set (with
 * FERRETDB_POSTGRESQL_URL when that server is FerretDB over PostgreSQL). Test files isolate
 * themselves with database prefixes of their own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { letPostgresIn, startFerretdb, type RunningDatabase } from '../scripts/ferretdb.js';
import './support/provided.js';

let database: RunningDatabase | null = null;
let dataDir: string | null = null;

export async function setup(project: TestProject) {
  const external = process.env['MONGODB_URI'];
  if (external) {
    project.provide('mongodbUri', external);
    project.provide('postgresUrl', process.env['FERRETDB_POSTGRESQL_URL'] ?? '');
    return;
  }
  dataDir = mkdtempSync(join(tmpdir(), 'osr-test-db-'));
  letPostgresIn(dataDir);
  // The test workers start after this and inherit FERRETDB_POSTGRESQL_URL (set by startFerretdb).
  database = await startFerretdb({ dataDir, ephemeral: true, log: (line) => console.log(line) });
  project.provide('mongodbUri', database.uri);
  project.provide('postgresUrl', database.postgresUrl);
}

export async function teardown() {
  await database?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (database && !database.clusterDir.startsWith(dataDir ?? '\0')) rmSync(database.clusterDir, { recursive: true, force: true });
}
