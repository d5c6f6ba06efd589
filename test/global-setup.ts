/**
 * Starts one embedded database server (FerretDB, SQLite) in a fresh temporary folder for the
 * whole test run, or uses MONGODB_URI when it is set. Test files isolate themselves with
 * database prefixes of their own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startFerretdb, type RunningDatabase } from '../scripts/ferretdb.js';
import './support/provided.js';

let database: RunningDatabase | null = null;
let dataDir: string | null = null;

export async function setup(project: TestProject) {
  const external = process.env['MONGODB_URI'];
  if (external) {
    project.provide('mongodbUri', external);
    return;
  }
  dataDir = mkdtempSync(join(tmpdir(), 'osr-test-db-'));
  database = await startFerretdb({ dataDir, log: (line) => console.log(line) });
  project.provide('mongodbUri', database.uri);
}

export async function teardown() {
  await database?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
