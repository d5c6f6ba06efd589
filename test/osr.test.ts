/**
 * The `osr` command line as an operator runs it: `osr --help` lists every command, each
 * command's --help its arguments and options (exit 0); a usage error or a bad environment is
 * one message and exit 1 (one JSON document with --json) before anything is done; the npm run
 * names stay aliases of the subcommands. The help comes from the manifest, which must say
 * what the commands' modules say, and shows without any command's module loaded.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TokenVerifier } from '@osr/gateway/auth';
import { DEV_AUDIENCE, DEV_ISSUER } from '../scripts/dev-keys.js';
import { repoRoot } from '../scripts/ferretdb.js';
import { commandPath, loadManifest, manifestText, readManifest } from '../scripts/osr.js';

const COMMANDS = readManifest();

function osr(args: string[], env: Record<string, string> = {}, node: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...node, '--import', 'tsx', join(repoRoot, 'scripts', 'osr.ts'), ...args], {
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

const EXPECTED = [
  'rio import', 'rio sync', 'rio generate', 'rio api-server', 'oso migrate', 'suppliers import', 'mandates repair', 'agreements import',
  'data national', 'docs indexes', 'ferretdb build', 'token', 'start',
];

describe('osr', () => {
  it('mounts every operator command, each under its npm run name as an alias', () => {
    expect(COMMANDS.map(commandPath).sort()).toEqual([...EXPECTED].sort());
    const scripts = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    for (const c of COMMANDS) expect(scripts[c.alias], c.alias).toBe(`tsx scripts/osr.ts ${commandPath(c)}`);
  });

  it('the manifest the help is built from says what the commands\' modules say (npm run osr:manifest writes it)', async () => {
    expect(readFileSync(join(repoRoot, 'scripts', 'osr-commands.json'), 'utf8')).toBe(manifestText(await loadManifest()));
  });

  it('osr --help lists every command and the shared environment, exit 0', async () => {
    const { code, stdout } = await osr(['--help']);
    expect(code).toBe(0);
    for (const group of new Set(COMMANDS.map((c) => c.group))) expect(stdout).toMatch(new RegExp(`^  ${group} `, 'm'));
    for (const c of COMMANDS.filter((c) => c.name)) expect(stdout).toContain(`${commandPath(c)}: `);
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

  it.each(COMMANDS.map((c) => [commandPath(c), c] as const))('osr %s --help shows its arguments, options, --json where it reports, and alias, exit 0', async (name, spec) => {
    const { code, stdout, stderr } = await osr([...name.split(' '), '--help']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: osr ${name} [options]`);
    expect(stdout).toContain(`(npm run ${spec.alias})`);
    if (spec.json === false) expect(stdout).not.toContain('--json');
    else expect(stdout).toContain('--json');
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

  it('osr --help and a command\'s --help load no command\'s module: no subgraph, no database driver', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'osr-modules-'));
    try {
      for (const args of [['--help'], ['oso', 'migrate', '--help'], ['start', '--help']]) {
        const record = join(dir, `${args.join('-')}.txt`);
        const { code } = await osr(args, { OSR_RECORD_MODULES: record }, ['--import', join(repoRoot, 'test', 'support', 'record-modules.mjs')]);
        expect(code).toBe(0);
        const loaded = readFileSync(record, 'utf8').split('\n');
        expect(loaded.some((url) => url.endsWith('/scripts/osr.ts')), 'the recording works').toBe(true);
        expect(loaded.filter((url) => /\/subgraphs\/|\/node_modules\/(mongodb|@apollo)\/|\/scripts\/(start|token|data-national)\.ts/.test(url))).toEqual([]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('osr token prints a development token the gateway\'s token check accepts, for the data folder\'s key', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'osr-token-'));
    try {
      const { code, stdout } = await osr(['token', '--role', 'BOARD', '--board', '41234', '--rights', 'OSR_TOEGANG'], { OSR_DATA_DIR: dataDir });
      expect(code).toBe(0);
      const verifier = await TokenVerifier.create({
        issuer: DEV_ISSUER, audience: DEV_AUDIENCE, algorithms: ['ES256'], publicKeyPem: TokenVerifier.readPublicKeyFile(join(dataDir, 'dev-keys', 'public.pem')),
      });
      const auth = await verifier.authenticate({ headers: { authorization: `Bearer ${stdout.trim()}` } } as never);
      expect(auth).toMatchObject({ ok: true, identity: { role: 'BOARD', board: '41234', rights: ['OSR_TOEGANG'] } });
      const json = await osr(['token', '--role', 'SUPPLIER', '--supplier', '123', '--json'], { OSR_DATA_DIR: dataDir });
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stdout)).toMatchObject({ command: 'token', exitCode: 1, error: expect.stringContaining('--supplier 123') });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('osr rio generate writes both formats of the set and reports it with --json; a set that cannot be made is exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'osr-generate-'));
    try {
      const { code, stdout } = await osr(['rio', 'generate', dir, '--boards', '40', '--schools', '200', '--json']);
      expect(code).toBe(0);
      const report = JSON.parse(stdout) as { exitCode: number; report: { files: string[]; stats: { boards: number; schools: number } } };
      expect(report).toMatchObject({ command: 'rio:generate', exitCode: 0, report: { stats: { boards: 40, schools: 200 } } });
      expect(report.report.files.map((f) => readFileSync(f).length > 0)).toEqual([true, true]);
      const bad = await osr(['rio', 'generate', dir, '--boards', '40', '--schools', '20']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('--schools 20 is fewer than --boards 40');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('osr ferretdb build with MONGODB_URI set builds nothing and says so (exit 0)', async () => {
    const { code, stdout } = await osr(['ferretdb', 'build', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ command: 'ferretdb:build', exitCode: 0, outcome: 'nothing to build', report: { binary: null } });
  });
});
