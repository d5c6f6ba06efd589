/** Runs a one-off command (scripts/<name>.ts) as a user runs it: a child process, its exit code and output. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/ferretdb.js';
import { databaseUri } from './system.js';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for --json runs); undefined when it is not JSON */
  json: Record<string, unknown> | undefined;
}

export function runCommand(script: string, args: string[], prefix: string, env: Record<string, string> = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts', `${script}.ts`), ...args], {
      cwd: repoRoot,
      env: { ...process.env, MONGODB_URI: databaseUri(), DB_PREFIX: prefix, ORGANISATIONS_URL: '', OSR_IDENTITY_SECRET: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(guard);
      let json: Record<string, unknown> | undefined;
      try {
        json = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        json = undefined;
      }
      resolve({ code, stdout, stderr, json });
    });
  });
}

/** A test fixture file's path. */
export function fixture(path: string): string {
  return join(repoRoot, 'test', 'fixtures', path);
}
