/**
 * The `osr` command line as an operator runs it: `osr --help` lists every command, each
 * command's --help its arguments and options (exit 0); a usage error or a bad environment is
 * one message and exit 1 (one JSON document with --json) before anything is done; the npm run
 * names stay aliases of the subcommands.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../scripts/ferretdb.js';
import { COMMANDS } from '../scripts/osr.js';

function osr(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts', 'osr.ts'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, MONGODB_URI: 'mongodb://127.0.0.1:1/', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const EXPECTED = ['rio import', 'rio sync', 'oso migrate', 'suppliers import', 'mandates repair', 'agreements import', 'data national'];

describe('osr', () => {
  it('mounts every operator command, each under its npm run name as an alias', () => {
    expect(COMMANDS.map((c) => `${c.group} ${c.name}`).sort()).toEqual([...EXPECTED].sort());
    const scripts = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    for (const c of COMMANDS) expect(scripts[c.alias], c.alias).toBe(`tsx scripts/osr.ts ${c.group} ${c.name}`);
  });

  it('osr --help lists every command and the shared environment, exit 0', async () => {
    const { code, stdout } = await osr(['--help']);
    expect(code).toBe(0);
    for (const group of ['rio', 'oso', 'suppliers', 'mandates', 'agreements', 'data']) expect(stdout).toMatch(new RegExp(`^  ${group} `, 'm'));
    for (const command of EXPECTED) expect(stdout).toContain(`${command}: `);
    expect(stdout).toContain('DB_PREFIX');
    expect(stdout).toContain('Exit codes: 0 every row taken; 2 some rows rejected, the rest written; 1 nothing done.');
  });

  it('the osr binary (npx osr, the cli workspace\'s bin) runs the same command line', async () => {
    const bin = (JSON.parse(readFileSync(join(repoRoot, 'cli', 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin['osr'];
    expect(bin).toBeDefined();
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [join(repoRoot, 'cli', bin!), 'oso', 'migrate', '--help'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('exit', (c) => resolve({ code: c, stdout: out }));
    });
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: osr oso migrate [options] <export.csv>');
  });

  it.each(COMMANDS.map((c) => [`${c.group} ${c.name}`, c] as const))('osr %s --help shows its arguments, options, --json and alias, exit 0', async (_name, spec) => {
    const { code, stdout, stderr } = await osr([spec.group, spec.name, '--help']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: osr ${spec.group} ${spec.name} [options]`);
    expect(stdout).toContain(`(npm run ${spec.alias})`);
    expect(stdout).toContain('--json');
    for (const arg of spec.arguments ?? []) expect(stdout).toContain(arg.name.replace(/[<>[\]]/g, ''));
    for (const opt of spec.options ?? []) expect(stdout).toContain(opt.flags);
  });

  it('a usage error is exit 1 with the usage; with --json one JSON document naming the command', async () => {
    const text = await osr(['agreements', 'import', '--no-such-option', 'x.csv']);
    expect(text.code).toBe(1);
    expect(text.stderr).toContain("agreements:import: unknown option '--no-such-option'");
    expect(text.stderr).toContain('usage: osr agreements import [options] <agreements.csv>');
    const json = await osr(['oso', 'migrate', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ command: 'oso:migrate', exitCode: 1, outcome: 'nothing done', error: expect.stringContaining("missing required argument 'export.csv'") });
  });

  it('checks the environment once, before any command touches a database: a bad DB_PREFIX is exit 1 naming it', async () => {
    const { code, stdout, stderr } = await osr(['mandates', 'repair', '--json'], { DB_PREFIX: 'Bad-Prefix' });
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ command: 'mandates:repair', exitCode: 1, error: expect.stringContaining('DB_PREFIX') });
    expect(stderr).not.toMatch(/ECONNREFUSED|MongoServerSelectionError/);
  });
});
