/**
 * Runs an operator command as a user runs it: a child process, its exit code and output. The
 * commands of the `osr` command line by their npm name's words ('rio-import' runs
 * `osr rio import`); any other as scripts/<name>.ts.
 */
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

const OSR_COMMANDS = new Set(['rio-import', 'rio-sync', 'oso-migrate', 'suppliers-import', 'mandates-repair', 'agreements-import', 'data-national']);

/** The node arguments that run a command: scripts/osr.ts <group> <name>, or scripts/<name>.ts. */
export function commandLine(script: string): string[] {
  if (OSR_COMMANDS.has(script)) return [join(repoRoot, 'scripts', 'osr.ts'), ...script.split('-')];
  return [join(repoRoot, 'scripts', `${script}.ts`)];
}

export function runCommand(script: string, args: string[], prefix: string, env: Record<string, string> = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...commandLine(script), ...args], {
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
