/**
 * The deployment files (deploy/) agree with the code: the one image recipe and its bake
 * file, the compose file and the Kubernetes manifests name the env vars the services parse
 * (zod schemas), the ports they listen on by default, the routes they serve for probes, the
 * images the recipe builds and the package scripts the jobs run. No Docker engine or cluster
 * here: lint checks of our own (in the spirit of hadolint and kubeconform) on the parsed
 * files, and the build output started with plain node as the image's command starts it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, posix, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { subgraphEnvSchema, type SubgraphName } from '@osr/common';
import { gatewayEnvSchema } from '../gateway/src/config.js';
import { checkSupergraph } from '../gateway/src/supergraph.js';
import { agreementsEnvSchema } from '../subgraphs/agreements/src/config.js';
import { rioSyncEnvSchema } from '../subgraphs/organisations/src/rio/sync-config.js';
import { freePort, repoRoot } from '../scripts/ferretdb.js';
import { freshPrefix, databaseUri, startSubgraph, type RunningSubgraph } from './support/system.js';

const SUBGRAPHS: SubgraphName[] = ['organisations', 'mandates', 'agreements', 'support'];
type Service = 'gateway' | SubgraphName;
const SERVICES: Service[] = ['gateway', ...SUBGRAPHS];
const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

// ---------------------------------------------------------------------------------------
// What the code says

/** Every file under a folder (recursively), paths relative to the repository. */
function filesUnder(dir: string, ext: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(join(repoRoot, d))) {
      const path = join(d, entry);
      if (entry === 'node_modules' || entry === 'generated') continue;
      if (statSync(join(repoRoot, path)).isDirectory()) walk(path);
      else if (path.endsWith(ext)) out.push(path);
    }
  };
  walk(dir);
  return out;
}

/** Env var names a service's own sources parse with zod (`NAME: z...`). */
function envNamesInSources(dir: string): string[] {
  const names = new Set<string>();
  for (const file of filesUnder(dir, '.ts')) {
    for (const m of read(file).matchAll(/\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\s*:\s*z\b/g)) names.add(m[1]!);
  }
  return [...names];
}

/** Variables Node.js itself reads, allowed on every container. */
const PROCESS_ENV = ['NODE_OPTIONS', 'NODE_ENV'];

const schemaKeys = (schema: z.ZodObject) => Object.keys(schema.shape);

/** The env var names each service accepts. */
const accepted: Record<Service, Set<string>> = {
  gateway: new Set([...schemaKeys(gatewayEnvSchema), ...envNamesInSources('gateway/src'), ...PROCESS_ENV]),
  organisations: new Set(),
  mandates: new Set(),
  agreements: new Set(),
  support: new Set(),
};
/** The subgraphs' own env schemas, beyond the shared one. */
const ownSchemas: Partial<Record<SubgraphName, z.ZodObject[]>> = { agreements: [agreementsEnvSchema], organisations: [rioSyncEnvSchema] };
for (const name of SUBGRAPHS) {
  const own = (ownSchemas[name] ?? []).flatMap(schemaKeys);
  accepted[name] = new Set([...schemaKeys(subgraphEnvSchema), ...own, ...envNamesInSources(`subgraphs/${name}/src`), ...PROCESS_ENV]);
}

/** Names without which the service does not start (no default, not optional). */
function requiredNames(schema: z.ZodType): string[] {
  const result = schema.safeParse({});
  if (result.success) return [];
  return [...new Set(result.error.issues.map((i) => String(i.path[0])))];
}
const required: Record<Service, string[]> = {
  gateway: requiredNames(gatewayEnvSchema),
  organisations: requiredNames(subgraphEnvSchema),
  mandates: requiredNames(subgraphEnvSchema),
  agreements: requiredNames(subgraphEnvSchema),
  support: requiredNames(subgraphEnvSchema),
};

/** Default ports: the gateway's from its schema, the subgraphs' from the run command. */
const startSource = read('scripts/start.ts');
const ports: Record<Service, number> = {
  gateway: Number(gatewayEnvSchema.shape.PORT.parse(undefined)),
  organisations: 0,
  mandates: 0,
  agreements: 0,
  support: 0,
};
for (const name of SUBGRAPHS) {
  const m = new RegExp(`${name.toUpperCase()}_PORT: portSchema\\.default\\((\\d+)\\)`).exec(startSource);
  ports[name] = Number(m?.[1]);
}

const rootPackage = JSON.parse(read('package.json')) as { scripts: Record<string, string>; workspaces: string[] };

/** A dummy value of the right shape for a secret, so values can be checked with the schemas. */
function dummySecret(name: string): string {
  if (name === 'MONGODB_URI') return 'mongodb://db-0:27017,db-1:27017,db-2:27017/?replicaSet=rs0&w=majority';
  if (name.endsWith('_URL')) return 'https://login.example.org/jwks.json';
  return 'x'.repeat(48);
}

/** Values must pass the same parsing the service does at start. */
function parseProblems(service: Service, env: Record<string, string>): string[] {
  const schemas: z.ZodType[] = service === 'gateway' ? [gatewayEnvSchema] : [subgraphEnvSchema, ...(ownSchemas[service] ?? [])];
  const problems: string[] = [];
  for (const schema of schemas) {
    const result = schema.safeParse(env);
    if (!result.success) problems.push(...result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  if (service === 'mandates' && env['MANDATES_FEED_POLL_SECONDS'] !== undefined && !/^\d+$/.test(env['MANDATES_FEED_POLL_SECONDS'])) {
    problems.push('MANDATES_FEED_POLL_SECONDS: a whole number of seconds');
  }
  return problems;
}

function expectEnvNames(service: Service, names: string[], where: string) {
  const unknown = names.filter((n) => !accepted[service].has(n));
  expect(unknown, `${where}: env vars ${service} does not read`).toEqual([]);
  const missing = required[service].filter((n) => !names.includes(n));
  expect(missing, `${where}: env vars ${service} needs`).toEqual([]);
}

// ---------------------------------------------------------------------------------------
// The image recipe: one Dockerfile for the five services and the jobs, one bake file

const RECIPE = 'deploy/docker/Dockerfile';
const BAKE = 'deploy/docker/docker-bake.json';

interface Instruction {
  keyword: string;
  args: string;
  stage: number;
}

/** Instructions of a Dockerfile: continuation lines joined, comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (!current && (line.trim().startsWith('#') || line.trim() === '')) continue;
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    logical.push((current + line).trim());
    current = '';
  }
  let stage = -1;
  return logical.map((l) => {
    const [keyword = '', ...rest] = l.split(/\s+/);
    if (keyword.toUpperCase() === 'FROM') stage++;
    return { keyword: keyword.toUpperCase(), args: rest.join(' '), stage };
  });
}

function execForm(args: string): string[] {
  const value: unknown = JSON.parse(args);
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new Error(`not exec form: ${args}`);
  return value as string[];
}

const recipe = parseDockerfile(read(RECIPE));
/** Stage name → its instructions (FROM included). */
const stages = new Map<string, Instruction[]>();
for (const from of recipe.filter((i) => i.keyword === 'FROM')) {
  const name = / AS (\S+)$/i.exec(from.args)?.[1];
  if (name) stages.set(name, recipe.filter((i) => i.stage === from.stage));
}

interface BakeTarget {
  context: string;
  dockerfile: string;
  target: string;
  args?: Record<string, string>;
  tags: string[];
}
const bake = JSON.parse(read(BAKE)) as { group: Record<string, { targets: string[] }>; target: Record<string, BakeTarget> };
/** The image repositories the recipe builds (tags without their version). */
const builtImages = new Set(Object.values(bake.target).flatMap((t) => t.tags.map((tag) => tag.replace(/:[\w.-]+$/, ''))));
const repository = (image: string) => image.replace(/:[\w.-]+$/, '');

/** Workspace folder of each @osr package. */
const workspaceOf = new Map<string, string>();
for (const pattern of ['common', 'gateway', 'subgraphs/*']) {
  const dirs = pattern.endsWith('/*') ? readdirSync(join(repoRoot, pattern.slice(0, -2))).map((d) => `${pattern.slice(0, -2)}/${d}`) : [pattern];
  for (const dir of dirs) {
    if (existsSync(join(repoRoot, dir, 'package.json'))) workspaceOf.set((JSON.parse(read(`${dir}/package.json`)) as { name: string }).name, dir);
  }
}
const serviceDir = (service: Service) => (service === 'gateway' ? 'gateway' : `subgraphs/${service}`);

/** The workspaces a service's process loads, and the other repository folders it reads files from. */
function runtimeFolders(service: Service): { workspaces: string[]; folders: string[] } {
  const workspaces = new Set<string>();
  const folders = new Set<string>();
  const queue = [serviceDir(service)];
  while (queue.length) {
    const dir = queue.pop()!;
    if (workspaces.has(dir)) continue;
    workspaces.add(dir);
    for (const file of filesUnder(`${dir}/src`, '.ts')) {
      const text = read(file);
      for (const m of text.matchAll(/from '(@osr\/[\w-]+)/g)) {
        const workspace = workspaceOf.get(m[1]!);
        if (workspace) queue.push(workspace);
      }
      for (const m of text.matchAll(/new URL\('((?:\.\.\/)+[^']+)', import\.meta\.url\)/g)) {
        const target = relative(repoRoot, join(repoRoot, file, '..', m[1]!));
        const top = target.split('/')[0]!;
        if (!target.startsWith(`${dir}/`) && top !== '..') folders.add(top);
      }
    }
  }
  return { workspaces: [...workspaces], folders: [...folders] };
}

describe('the image recipe (deploy/docker/Dockerfile) and its bake file', () => {
  it('lint: pinned base image, COPY not ADD, absolute WORKDIR, npm ci from the lockfile with every workspace, no sudo, no secret baked in, a .dockerignore', () => {
    const froms = recipe.filter((i) => i.keyword === 'FROM');
    const args = new Map(recipe.filter((i) => i.keyword === 'ARG' && i.stage === -1).map((i) => i.args.split('=') as [string, string]));
    for (const from of froms) {
      const image = from.args.split(/\s+/)[0]!.replace(/^\$\{(\w+)\}$/, (_m, name: string) => args.get(name) ?? '');
      if (stages.has(image)) continue; // a previous stage
      expect(image, 'base image pinned to a tag (DL3006/DL3007)').toMatch(/^[a-z0-9./-]+:[\w.-]+$/);
      expect(image, 'not :latest').not.toMatch(/:latest$/);
    }
    for (const i of recipe) {
      expect(i.keyword, 'COPY rather than ADD (DL3020)').not.toBe('ADD');
      if (i.keyword === 'WORKDIR') expect(i.args, 'absolute WORKDIR (DL3000)').toMatch(/^\//);
      if (i.keyword === 'RUN') {
        expect(i.args, 'no sudo (DL3004)').not.toMatch(/\bsudo\b/);
        expect(i.args, 'npm ci from the lockfile, not npm install').not.toMatch(/\bnpm (install|i)\b/);
      }
      if (i.keyword === 'ENV' || i.keyword === 'ARG') {
        expect(i.args, 'no secrets baked in').not.toMatch(/\b(\w*SECRET\w*|\w*PASSWORD\w*|\w*TOKEN\w*|MONGODB_URI|JWT_JWKS_URL)\s*=/i);
      }
      if (i.keyword === 'COPY' && !i.args.includes('--from=')) {
        const parts = i.args.split(/\s+/).filter((p) => !p.startsWith('--'));
        for (const source of parts.slice(0, -1)) expect(existsSync(join(repoRoot, source)), `COPY ${source} exists`).toBe(true);
      }
    }
    for (const keyword of ['CMD', 'ENTRYPOINT']) {
      for (const i of recipe.filter((x) => x.keyword === keyword)) expect(() => execForm(i.args), `${keyword} in exec form (DL3025)`).not.toThrow();
    }
    // npm ci needs every workspace's package.json.
    const workspaces = rootPackage.workspaces.flatMap((w) => (w.endsWith('/*') ? readdirSync(join(repoRoot, w.slice(0, -2))).map((d) => `${w.slice(0, -2)}/${d}`) : [w]));
    const copied = stages.get('deps')!.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    for (const w of workspaces) {
      if (existsSync(join(repoRoot, w, 'package.json'))) expect(copied.some((c) => c.startsWith(`${w}/package.json `)), `copies ${w}/package.json before npm ci`).toBe(true);
    }
    expect(copied.some((c) => c.includes('package-lock.json')), 'copies the lockfile').toBe(true);
    const ignored = read(`${RECIPE}.dockerignore`).split('\n').map((l) => l.trim());
    for (const pattern of ['**/node_modules', '**/dist', '.data', '**/.env', '**/*.pem']) expect(ignored, `the .dockerignore keeps ${pattern} out`).toContain(pattern);
  });

  it('the bake file builds every service and the jobs from this one recipe, each service with its name and default port', () => {
    expect(Object.keys(bake.target).sort()).toEqual([...SERVICES, 'jobs'].sort());
    expect(bake.group['default']?.targets.sort()).toEqual(Object.keys(bake.target).sort());
    for (const [name, target] of Object.entries(bake.target)) {
      expect(join(target.context, target.dockerfile), name).toBe(RECIPE);
      expect(stages.has(target.target), `${name}: stage ${target.target} exists`).toBe(true);
      expect(target.tags.every((t) => t.startsWith(`osr/${name}`)), name).toBe(true);
    }
    for (const service of SERVICES) {
      expect(bake.target[service]!.target).toBe('service');
      expect(bake.target[service]!.args).toEqual({ SERVICE: service, PORT: String(ports[service]) });
    }
    expect(bake.target['jobs']!.target).toBe('jobs');
  });

  it('service stage: non-root, listens on all interfaces at the PORT it is built with, HEALTHCHECK on /health, nothing but the build output and what it reads', () => {
    const service = stages.get('service')!;
    const user = service.filter((i) => i.keyword === 'USER').at(-1);
    expect(user?.args, 'not root (DL3002)').toMatch(/^(?!root|0)/);
    for (const later of service.slice(service.indexOf(user!))) expect(later.keyword, 'nothing runs as root after USER').not.toBe('RUN');
    const env = service.filter((i) => i.keyword === 'ENV').map((i) => i.args).join(' ');
    for (const s of SERVICES) expect([...env.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1]!).filter((n) => !accepted[s].has(n)), `ENV names ${s} reads`).toEqual([]);
    expect(env).toMatch(/\bPORT=\$\{PORT\}/);
    expect(env).toMatch(/\bHOST=0\.0\.0\.0\b/);
    expect(service.filter((i) => i.keyword === 'EXPOSE').map((i) => i.args)).toEqual(['${PORT}']);
    const health = service.find((i) => i.keyword === 'HEALTHCHECK')?.args;
    expect(health).toMatch(/\/health'/);
    expect(health).toContain('process.env.PORT');
    // What every service loads is in the image: the build output of its workspaces and the
    // folders it reads files from (the gateway's schema/).
    const copies = service.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    for (const s of SERVICES) {
      const { workspaces, folders } = runtimeFolders(s);
      for (const w of workspaces) expect(copies, `${s}: ${w}/dist`).toContain(`--from=build /app/${w}/dist/ ${w}/dist/`);
      for (const f of folders) expect(copies, `${s}: ${f}/`).toContain(`${f}/ ${f}/`);
    }
    expect(copies.some((c) => /\bsrc\//.test(c)), 'no TypeScript sources in a service image').toBe(false);
  });

  it('jobs stage: non-root, no HEALTHCHECK, nothing but the build output (what it runs: the jobs tests below)', () => {
    const jobs = stages.get('jobs')!;
    expect(jobs.filter((i) => i.keyword === 'USER').at(-1)?.args).toMatch(/^(?!root|0)/);
    expect(jobs.find((i) => i.keyword === 'HEALTHCHECK')?.args).toBe('NONE');
    expect(jobs.filter((i) => i.keyword === 'COPY').some((i) => /\b(src|scripts)\//.test(i.args)), 'no TypeScript sources in the jobs image').toBe(false);
  });

  it('the images compose and Kubernetes run are the images the bake file builds', () => {
    const compose = parse(read('deploy/compose.yaml'), { merge: true }) as { services: Record<string, { image?: string; build?: { dockerfile: string; target?: string; args?: Record<string, string> } }> };
    const ours = Object.entries(compose.services).filter(([, s]) => s.image?.startsWith('osr/'));
    expect(ours.length).toBeGreaterThanOrEqual(SERVICES.length + 1);
    for (const [name, s] of ours) {
      expect(builtImages, `compose ${name}: ${s.image}`).toContain(repository(s.image!));
      if (!s.build) continue;
      // Built as the bake file builds that image.
      const target = Object.values(bake.target).find((t) => t.tags.some((tag) => repository(tag) === repository(s.image!)))!;
      expect(s.build.dockerfile, `compose ${name}`).toBe(RECIPE);
      expect(s.build.target, `compose ${name}`).toBe(target.target);
      expect(s.build.args ?? {}, `compose ${name}`).toEqual(target.args ?? {});
    }
    const images = loadManifests('deploy/k8s').flatMap(({ manifest }) => (manifest.spec?.template?.spec.containers ?? []).map((c) => c.image));
    expect(images.length).toBeGreaterThanOrEqual(SERVICES.length + 1);
    for (const image of images) expect(builtImages, `k8s ${image}`).toContain(repository(image));
  });
});

describe('the build output (npm run build) runs as the image runs it', () => {
  const started: ChildProcess[] = [];
  beforeAll(() => {
    // turbo builds what changed since its last build and restores the rest from its cache.
    execFileSync('npm', ['run', '--silent', 'build', '--', '--output-logs=errors-only'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  }, 600_000);
  afterAll(() => {
    for (const child of started) child.kill('SIGTERM');
  });

  for (const service of SERVICES) {
    it(`${service}: the image's command starts the compiled entry with plain node, and it answers /health`, async () => {
      const cmd = execForm(stages.get('service')!.find((i) => i.keyword === 'CMD')!.args);
      // The recipe links service/ to the service's dist/ folder.
      const args = cmd.slice(1).map((a) => a.replace(/^service\//, `${serviceDir(service)}/dist/`));
      expect(cmd[0]).toBe('node');
      expect(args.some((a) => /\.ts$|tsx/.test(a)), 'no TypeScript at run time').toBe(false);
      const entry = args.at(-1)!;
      expect(existsSync(join(repoRoot, entry)), `${entry} built`).toBe(true);
      const port = await freePort();
      const child = spawn(process.execPath, args, {
        cwd: repoRoot,
        env: {
          PATH: process.env['PATH'],
          NODE_ENV: 'production',
          HOST: '127.0.0.1',
          PORT: String(port),
          OSR_IDENTITY_SECRET: 'x'.repeat(48),
          MONGODB_URI: databaseUri(),
          DB_PREFIX: freshPrefix(),
          LOG_LEVEL: 'warn',
          MANDATES_FEED_POLL_SECONDS: '0',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      started.push(child);
      let stderr = '';
      child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<string>((resolve) => child.once('exit', (code) => resolve(`exited with ${code}: ${stderr}`)));
      const healthy = (async () => {
        // Polls until the server listens (the process says nothing on stdout at warn level).
        for (;;) {
          const res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => null);
          if (res) return res.status;
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      expect(await Promise.race([healthy, exited])).toBe(200);
      child.kill('SIGTERM');
    }, 60_000);
  }
});

// ---------------------------------------------------------------------------------------
// Compose

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; target?: string; args?: Record<string, string> };
  command?: string[] | string;
  entrypoint?: string[];
  environment?: Record<string, string | number | boolean>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
  secrets?: string[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { file: string }>;
}

/** ${VAR:?message} and ${VAR:-default} as compose would fill them, with dummy secrets. */
function interpolate(value: string): string {
  return value.replace(/\$\{(\w+)(?::?[?-]([^}]*))?\}/g, (_m, name: string) => dummySecret(name));
}

function composeEnv(service: ComposeService): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));
}

describe('deploy/compose.yaml', () => {
  const compose = parse(read('deploy/compose.yaml'), { merge: true }) as ComposeFile;
  const services = compose.services;
  const gatewayNames = Object.keys(services).filter((n) => services[n]!.build?.args?.['SERVICE'] === 'gateway' || services[n]!.image === services['gateway-1']?.image);

  it('has a 3-node MongoDB replica set, initiated once by a job', () => {
    const mongos = ['mongo1', 'mongo2', 'mongo3'];
    for (const m of mongos) expect(services[m]?.command).toEqual(['mongod', '--replSet', 'rs0', '--bind_ip_all']);
    const init = services['mongo-init']!;
    const script = (init.command as string[]).join(' ');
    expect(script).toContain('rs.initiate');
    for (const m of mongos) expect(script).toContain(`host: '${m}:27017'`);
    expect(Object.keys(init.depends_on ?? {}).sort()).toEqual(mongos);
  });

  it('runs each subgraph from its Dockerfile with the env vars, port and peers the code reads', () => {
    for (const name of SUBGRAPHS) {
      const service = services[name]!;
      expect(service.build?.dockerfile).toBe(RECIPE);
      expect(service.build?.args?.['SERVICE']).toBe(name);
      expect(existsSync(join(repoRoot, 'deploy', service.build!.context, service.build!.dockerfile))).toBe(true);
      const env = composeEnv(service);
      expectEnvNames(name, Object.keys(env), `compose ${name}`);
      expect(parseProblems(name, env), `compose ${name}`).toEqual([]);
      expect(Number(env['PORT'])).toBe(ports[name]);
      // The replica set, with majority writes.
      expect(env['MONGODB_URI']).toMatch(/^mongodb:\/\/mongo1:27017,mongo2:27017,mongo3:27017\/\?replicaSet=rs0&w=majority/);
      expect(service.depends_on?.['mongo-init']?.condition).toBe('service_completed_successfully');
      for (const peer of SUBGRAPHS) {
        const url = env[`${peer.toUpperCase()}_URL`];
        if (url) expect(url).toBe(`http://${peer}:${ports[peer]}/graphql`);
      }
    }
  });

  it('runs two gateways over the subgraph services, with tokens verified and no secret written down', () => {
    expect(gatewayNames.length).toBeGreaterThanOrEqual(2);
    for (const name of gatewayNames) {
      const service = services[name]!;
      expect(service.build?.dockerfile).toBe(RECIPE);
      expect(service.build?.args?.['SERVICE']).toBe('gateway');
      const env = composeEnv(service);
      expectEnvNames('gateway', Object.keys(env), `compose ${name}`);
      expect(parseProblems('gateway', env), `compose ${name}`).toEqual([]);
      expect(Number(env['PORT'] ?? ports.gateway)).toBe(ports.gateway);
      for (const s of SUBGRAPHS) expect(env[`SUBGRAPH_${s.toUpperCase()}_URL`]).toBe(`http://${s}:${ports[s]}/graphql`);
      expect(env['JWT_JWKS_URL'] ?? env['JWT_PUBLIC_KEY_FILE'], 'a way to verify tokens').toBeDefined();
      expect(String(service.environment?.['OSR_IDENTITY_SECRET'])).toMatch(/^\$\{OSR_IDENTITY_SECRET:\?/);
      for (const s of SUBGRAPHS) expect(service.depends_on?.[s]?.condition).toBe('service_healthy');
    }
    for (const name of SUBGRAPHS) expect(String(services[name]!.environment?.['OSR_IDENTITY_SECRET'])).toMatch(/^\$\{OSR_IDENTITY_SECRET:\?/);
  });

  it('mounts a folder holding the supergraph into every gateway, which serves that file and follows it', async () => {
    for (const name of gatewayNames) {
      const env = composeEnv(services[name]!);
      const file = env['SUPERGRAPH_FILE'];
      expect(file, `compose ${name}: SUPERGRAPH_FILE`).toMatch(/^\//);
      expect(env['SUPERGRAPH_WATCH'], `compose ${name}: reloads a changed file`).toBe('true');
      // A folder, not the file itself: a replaced file would not show through a file mount.
      const mount = (services[name]!.volumes ?? []).map((v) => v.split(':')).find(([, target]) => target === posix.dirname(file!));
      expect(mount, `compose ${name}: a volume at ${posix.dirname(file!)}`).toBeDefined();
      expect(mount![2], 'read-only').toBe('ro');
      const hostFile = join('deploy', mount![0]!, posix.basename(file!));
      expect(existsSync(join(repoRoot, hostFile)), `${hostFile} exists`).toBe(true);
      await expect(checkSupergraph(read(hostFile)), `${hostFile} is a supergraph the gateway serves`).resolves.toBeUndefined();
    }
  });

  it('keeps introspection off and /metrics on a port of its own, as in production (issue 17)', () => {
    for (const name of gatewayNames) {
      const env = composeEnv(services[name]!);
      expect(env['INTROSPECTION'], name).toBe('false');
      expect(Number(env['METRICS_PORT']), name).toBeGreaterThan(0);
      expect(Number(env['METRICS_PORT']), name).not.toBe(ports.gateway);
      // nginx passes the GraphQL port on only, and the metrics port is published nowhere
      expect(services[name]!.ports ?? [], name).toEqual([]);
    }
  });

  it('puts nginx in front of every gateway, on the port it listens on', () => {
    const lb = services['lb']!;
    expect(lb.volumes).toContain('./nginx/nginx.conf:/etc/nginx/nginx.conf:ro');
    const conf = read('deploy/nginx/nginx.conf');
    const upstream = [...conf.matchAll(/^\s*server ([\w-]+):(\d+)/gm)].map((m) => `${m[1]}:${m[2]}`);
    expect(upstream.sort()).toEqual(gatewayNames.map((n) => `${n}:${ports.gateway}`).sort());
    const listen = /listen (\d+);/.exec(conf)?.[1];
    expect(lb.ports?.[0]).toMatch(new RegExp(`:${listen}$`));
    // The gateways believe X-Forwarded-For from nginx's fixed address only (and nginx sets it).
    const address = (lb as { networks?: { default?: { ipv4_address?: string } } }).networks?.default?.ipv4_address;
    expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    for (const name of gatewayNames) expect(composeEnv(services[name]!)['TRUSTED_PROXIES'], name).toBe(address);
    expect(conf).toContain('proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;');
    // nginx never resends a request that reached a gateway unless told to: no non_idempotent.
    expect(conf).not.toContain('non_idempotent');
  });

  it('runs the one-off jobs from the jobs image (what each one runs: the jobs tests below)', () => {
    for (const name of ['rio-import', 'oso-migrate']) {
      const job = services[name]!;
      expect(job.profiles).toEqual(['jobs']);
      expect(repository(job.image!)).toBe('osr/jobs');
      expect(composeEnv(job)['MONGODB_URI']).toContain('replicaSet=rs0');
    }
  });

  it('reads the token key from a file secret, not from the image', () => {
    expect(compose.secrets?.['jwt_public_key']?.file).toBe('../.data/dev-keys/public.pem');
  });
});

// ---------------------------------------------------------------------------------------
// Kubernetes

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean }; configMapKeyRef?: { name: string; key: string } };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
}
interface PodSpec {
  containers: Container[];
  securityContext?: { runAsNonRoot?: boolean };
  volumes?: { name: string; configMap?: { name: string } }[];
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; generateName?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> } & Record<string, string>;
    template?: { metadata: { labels: Record<string, string> }; spec: PodSpec };
    ports?: { name: string; port: number; targetPort: string | number }[];
    scaleTargetRef?: { kind: string; name: string };
    minReplicas?: number;
    maxReplicas?: number;
    minAvailable?: number;
  };
  resources?: string[];
}

function loadManifests(dir: string): { file: string; manifest: Manifest }[] {
  return filesUnder(dir, '.yaml')
    .filter((f) => !f.endsWith('kustomization.yaml'))
    .flatMap((file) => parseAllDocuments(read(file)).map((doc) => ({ file, manifest: doc.toJS() as Manifest })));
}

describe('deploy/k8s', () => {
  const all = loadManifests('deploy/k8s');
  const applied = all.filter((m) => !m.file.includes('/jobs/') && !m.file.endsWith('secrets.example.yaml')).map((m) => m.manifest);
  const of = (kind: string) => applied.filter((m) => m.kind === kind);
  const configMaps = new Map(of('ConfigMap').map((c) => [c.metadata.name!, c.data ?? {}]));
  const exampleSecret = all.find((m) => m.file.endsWith('secrets.example.yaml'))!.manifest;

  it('kustomization.yaml applies every manifest outside jobs/ and the secret example', () => {
    const kustomization = parse(read('deploy/k8s/kustomization.yaml')) as Manifest;
    const files = [...new Set(all.filter((m) => !m.file.includes('/jobs/') && !m.file.endsWith('secrets.example.yaml')).map((m) => relative('deploy/k8s', m.file)))];
    expect([...(kustomization.resources ?? [])].sort()).toEqual(files.sort());
    // Pods get app.kubernetes.io/part-of=osr, which the NetworkPolicy lets reach the subgraphs.
    const labels = (kustomization as unknown as { labels: { pairs: Record<string, string>; includeTemplates?: boolean }[] }).labels;
    expect(labels).toContainEqual(expect.objectContaining({ pairs: { 'app.kubernetes.io/part-of': 'osr' }, includeTemplates: true }));
    const policy = of('NetworkPolicy')[0];
    expect(JSON.stringify(policy?.spec)).toContain('"app.kubernetes.io/part-of":"osr"');
    for (const { manifest } of all) expect(manifest.apiVersion && manifest.kind && (manifest.metadata.name ?? manifest.metadata.generateName)).toBeTruthy();
  });

  it('holds no secret values: the Secret is referenced, its example is empty', () => {
    expect(of('Secret')).toEqual([]);
    expect(exampleSecret.kind).toBe('Secret');
    expect(exampleSecret.data).toBeUndefined();
    expect(Object.values(exampleSecret.stringData ?? {}).every((v) => v === '')).toBe(true);
    expect(Object.keys(exampleSecret.stringData ?? {}).sort()).toEqual(['JWT_JWKS_URL', 'MONGODB_URI', 'OSR_IDENTITY_SECRET', 'RIO_API_KEY', 'RIO_API_URL', 'SIGNING_WEBHOOK_SECRET', 'WEBHOOK_SECRET_KEY']);
    for (const { file, manifest } of all) {
      for (const c of manifest.spec?.template?.spec.containers ?? []) {
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef;
          if (!ref) continue;
          expect(ref.name, file).toBe('osr-secrets');
          expect(Object.keys(exampleSecret.stringData ?? {}), `${file}: ${ref.key} is in the example`).toContain(ref.key);
        }
      }
    }
  });

  for (const service of SERVICES) {
    it(`${service}: a Deployment with the env vars, port, probes, resources and security the code needs; a Service; a PodDisruptionBudget`, () => {
      const deployment = of('Deployment').find((d) => d.metadata.name === service);
      expect(deployment, `Deployment ${service}`).toBeDefined();
      const spec = deployment!.spec!;
      expect(spec.replicas).toBeGreaterThanOrEqual(2);
      const podLabels = spec.template!.metadata.labels;
      for (const [k, v] of Object.entries(spec.selector!.matchLabels!)) expect(podLabels[k]).toBe(v);
      const pod = spec.template!.spec;
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      expect(pod.containers).toHaveLength(1);
      const c = pod.containers[0]!;
      expect(c.image).toBe(`osr/${service}`);
      // env: names the service reads, required ones present, values that parse.
      const env: Record<string, string> = {};
      for (const from of c.envFrom ?? []) {
        const data = configMaps.get(from.configMapRef?.name ?? '');
        expect(data, `ConfigMap ${from.configMapRef?.name}`).toBeDefined();
        Object.assign(env, data);
      }
      for (const e of c.env ?? []) {
        if (e.value !== undefined) env[e.name] = e.value;
        else if (e.valueFrom?.secretKeyRef && !e.valueFrom.secretKeyRef.optional) env[e.name] = dummySecret(e.name);
      }
      const names = [...Object.keys(env), ...(c.env ?? []).map((e) => e.name)];
      expectEnvNames(service, [...new Set(names)], `k8s ${service}`);
      expect(parseProblems(service, env), `k8s ${service}`).toEqual([]);
      for (const secret of ['MONGODB_URI', 'OSR_IDENTITY_SECRET', 'JWT_JWKS_URL']) {
        const e = (c.env ?? []).find((x) => x.name === secret);
        if (e) expect(e.valueFrom?.secretKeyRef, `${secret} comes from the Secret`).toBeDefined();
      }
      if (service === 'gateway') expect((c.env ?? []).find((e) => e.name === 'JWT_JWKS_URL')?.valueFrom?.secretKeyRef?.key).toBe('JWT_JWKS_URL');
      else expect((c.env ?? []).find((e) => e.name === 'MONGODB_URI')?.valueFrom?.secretKeyRef?.key).toBe('MONGODB_URI');
      expect(env['HOST']).toBe('0.0.0.0');
      // the port
      expect(Number(env['PORT'])).toBe(ports[service]);
      const port = c.ports?.find((p) => p.containerPort === ports[service]);
      expect(port?.name).toBe('http');
      // probes: liveness on /health, readiness on /ready, on the container's port
      expect(c.livenessProbe?.httpGet).toEqual({ path: '/health', port: 'http' });
      expect(c.readinessProbe?.httpGet).toEqual({ path: '/ready', port: 'http' });
      expect(c.startupProbe?.httpGet?.path).toBe('/health');
      // resources and hardening
      expect(c.resources?.requests?.['cpu']).toBeDefined();
      expect(c.resources?.requests?.['memory']).toBeDefined();
      expect(c.resources?.limits?.['memory']).toBeDefined();
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      // tsx keeps its cache in /tmp: writable although the root file system is not.
      const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
      expect(pod.volumes?.map((v) => v.name)).toContain(tmp?.name);
      // The heap fits the memory limit.
      expect(env['NODE_OPTIONS'] ?? (c.env ?? []).find((e) => e.name === 'NODE_OPTIONS')?.value).toMatch(/--max-old-space-size=\d+/);

      const svc = of('Service').find((s) => s.metadata.name === service);
      expect(svc, `Service ${service}`).toBeDefined();
      for (const [k, v] of Object.entries(svc!.spec!.selector!)) expect(podLabels[k]).toBe(v);
      expect(svc!.spec!.ports).toEqual([{ name: 'http', port: ports[service], targetPort: 'http' }]);

      const pdb = of('PodDisruptionBudget').find((p) => Object.entries(p.spec!.selector!.matchLabels!).every(([k, v]) => podLabels[k] === v));
      expect(pdb, `PodDisruptionBudget for ${service}`).toBeDefined();
      expect(pdb!.spec!.minAvailable).toBeLessThan(spec.replicas!);
    });
  }

  it('gateway: introspection off, /metrics on its own container port, scraped there and exposed by no Service', () => {
    const env = configMaps.get('osr-gateway-config')!;
    expect(env['INTROSPECTION']).toBe('false');
    const metricsPort = Number(env['METRICS_PORT']);
    expect(metricsPort).toBeGreaterThan(0);
    expect(metricsPort).not.toBe(ports.gateway);
    const deployment = of('Deployment').find((d) => d.metadata.name === 'gateway')!;
    const template = deployment.spec!.template! as unknown as { metadata: { annotations?: Record<string, string> }; spec: PodSpec };
    expect(template.spec.containers[0]!.ports).toContainEqual({ name: 'metrics', containerPort: metricsPort });
    expect(template.metadata.annotations?.['prometheus.io/port']).toBe(String(metricsPort));
    for (const svc of of('Service')) for (const p of svc.spec?.ports ?? []) expect([p.port, p.targetPort]).not.toContain(metricsPort);
    const policy = of('NetworkPolicy').find((p) => p.metadata.name === 'gateway-metrics-from-monitoring-only');
    expect(JSON.stringify(policy?.spec)).toContain('"port":"metrics"');
  });

  it('peer URLs name the Services and their ports', () => {
    for (const data of configMaps.values()) {
      for (const [key, value] of Object.entries(data)) {
        const m = /^(?:SUBGRAPH_)?(ORGANISATIONS|MANDATES|AGREEMENTS|SUPPORT)_URL$/.exec(key);
        if (!m) continue;
        const name = m[1]!.toLowerCase() as SubgraphName;
        expect(value).toBe(`http://${name}:${ports[name]}/graphql`);
      }
    }
  });

  it('mounts the supergraph from the ConfigMap osr-supergraph (kustomize, from the composed supergraph), updated in place and followed', async () => {
    const gateway = of('Deployment').find((d) => d.metadata.name === 'gateway')!;
    const pod = gateway.spec!.template!.spec;
    const c = pod.containers[0]!;
    const env: Record<string, string> = {};
    for (const from of c.envFrom ?? []) Object.assign(env, configMaps.get(from.configMapRef?.name ?? ''));
    const file = env['SUPERGRAPH_FILE']!;
    expect(file).toMatch(/^\//);
    expect(env['SUPERGRAPH_WATCH']).toBe('true');
    // The folder is mounted (no subPath: a subPath mount never sees the ConfigMap change).
    const mount = c.volumeMounts?.find((m) => m.mountPath === posix.dirname(file));
    expect(mount, `a volume mounted at ${posix.dirname(file)}`).toBeDefined();
    expect(mount!.subPath).toBeUndefined();
    expect(mount!.readOnly).toBe(true);
    const volume = pod.volumes?.find((v) => v.name === mount!.name);
    expect(volume?.configMap?.name).toBe('osr-supergraph');
    // kustomize makes that ConfigMap from a file beside it, under a fixed name.
    type Generator = { name: string; files?: string[]; options?: { disableNameSuffixHash?: boolean } };
    const kustomization = parse(read('deploy/k8s/kustomization.yaml')) as { configMapGenerator?: Generator[] };
    const generator = kustomization.configMapGenerator?.find((g) => g.name === 'osr-supergraph');
    expect(generator?.options?.disableNameSuffixHash, 'updated in place, so running gateways see the change').toBe(true);
    const entry = generator?.files?.find((f) => (f.includes('=') ? f.split('=')[0] : basename(f)) === posix.basename(file));
    expect(entry, `the ConfigMap has the key ${posix.basename(file)}`).toBeDefined();
    const source = join('deploy/k8s', entry!.includes('=') ? entry!.split('=')[1]! : entry!);
    expect(dirname(relative('deploy/k8s', source)).startsWith('..'), 'kustomize reads files under deploy/k8s only').toBe(false);
    // The composed supergraph (npm run compose writes both; compose:check compares both).
    expect(read(source)).toBe(read('schema/supergraph.graphql'));
    await expect(checkSupergraph(read(source))).resolves.toBeUndefined();
  });

  it('scales the gateway with a HorizontalPodAutoscaler (at least 2 replicas)', () => {
    const hpa = of('HorizontalPodAutoscaler');
    expect(hpa).toHaveLength(1);
    expect(hpa[0]!.spec!.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'gateway' });
    expect(hpa[0]!.spec!.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa[0]!.spec!.maxReplicas).toBeGreaterThan(hpa[0]!.spec!.minReplicas!);
  });

  it('runs the RIO import, the RIO API sync and the OSO migration as one-off Jobs of the jobs image (what each runs: the jobs tests below)', () => {
    const jobs = all.filter((m) => m.manifest.kind === 'Job');
    expect(jobs.map((j) => j.manifest.spec!.template!.spec.containers[0]!.args!.slice(0, 2).join(' ')).sort()).toEqual(['oso migrate', 'rio import', 'rio sync']);
    for (const { file, manifest } of jobs) {
      const c = manifest.spec!.template!.spec.containers[0]!;
      expect(c.command, `${file}: the image's entrypoint runs, with the Job's args`).toBeUndefined();
      expect(manifest.metadata.generateName, `${file}: can be created again`).toBeDefined();
      expect(c.image).toMatch(/^osr\/jobs:/);
      expect((c.env ?? []).find((e) => e.name === 'MONGODB_URI')?.valueFrom?.secretKeyRef?.key).toBe('MONGODB_URI');
      expect(manifest.spec!.template!.spec.securityContext?.runAsNonRoot).toBe(true);
    }
    // The NetworkPolicy lets the jobs reach the subgraphs (the OSO migration asks organisations).
    for (const { manifest } of jobs) expect(manifest.spec!.template!.metadata.labels['app.kubernetes.io/part-of']).toBe('osr');
    const claim = all.find((m) => m.manifest.kind === 'PersistentVolumeClaim');
    expect(claim?.manifest.metadata.name).toBe('osr-import');
  });
});

// ---------------------------------------------------------------------------------------
// The probe paths are routes the services serve

describe('probe paths', () => {
  let subgraph: RunningSubgraph;
  beforeAll(async () => {
    subgraph = await startSubgraph('support', freshPrefix());
  });
  afterAll(() => subgraph?.stop());

  it('/health and /ready answer 200 on a running service (the gateway uses the same HTTP server)', async () => {
    const base = subgraph.url.replace(/\/graphql$/, '');
    for (const path of ['/health', '/ready']) expect((await fetch(`${base}${path}`)).status, path).toBe(200);
    expect(read('gateway/src/server.ts')).toContain('createGraphQLHttpServer');
  });
});

// ---------------------------------------------------------------------------------------
// The jobs: the compiled osr command, as the jobs image, compose and Kubernetes run it

describe('the jobs run the compiled osr command', () => {
  /** The jobs image's ENTRYPOINT, its paths taken from the repository root (the image's /app). */
  const entrypoint = execForm(stages.get('jobs')!.find((i) => i.keyword === 'ENTRYPOINT')!.args);
  const compose = parse(read('deploy/compose.yaml'), { merge: true }) as ComposeFile;
  const k8sJobs = loadManifests('deploy/k8s').filter((m) => m.manifest.kind === 'Job');

  beforeAll(() => {
    execFileSync('npm', ['run', '--silent', 'build', '--', '--output-logs=errors-only'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  }, 600_000);

  /** Runs the command line as the container would, with plain node from the repository root. */
  function run(argv: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
    expect(argv[0]).toBe('node');
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, argv.slice(1), {
        cwd: repoRoot,
        env: { PATH: process.env['PATH'], NODE_ENV: 'production', MONGODB_URI: databaseUri(), DB_PREFIX: freshPrefix(), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('the image runs the build output with plain node (no TypeScript, no tsx); with no arguments it prints the commands and exits 0', async () => {
    expect(entrypoint.some((a) => /\.ts$|tsx/.test(a)), 'no TypeScript at run time').toBe(false);
    const entry = entrypoint.at(-1)!;
    expect(entry).toMatch(/\/dist\/.*\.js$/);
    expect(existsSync(join(repoRoot, entry)), `${entry} built`).toBe(true);
    const cmd = execForm(stages.get('jobs')!.find((i) => i.keyword === 'CMD')!.args);
    const help = await run([...entrypoint, ...cmd]);
    expect(help.code, help.stderr).toBe(0);
    for (const group of ['rio', 'oso', 'suppliers', 'mandates', 'agreements']) expect(help.stdout).toMatch(new RegExp(`^  ${group}\\b`, 'm'));
    const unknown = await run([...entrypoint, 'rio', 'explode']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown command/);
  });

  it("every compose job and Kubernetes Job runs a command the compiled osr knows", async () => {
    const lines: [string, string[]][] = [];
    for (const [name, service] of Object.entries(compose.services).filter(([, s]) => s.profiles?.includes('jobs'))) lines.push([`compose ${name}`, service.entrypoint!]);
    for (const { file, manifest } of k8sJobs) lines.push([file, [...entrypoint, ...manifest.spec!.template!.spec.containers[0]!.args!]]);
    expect(lines.length).toBeGreaterThanOrEqual(5);
    for (const [where, argv] of lines) {
      expect(argv.slice(0, entrypoint.length), `${where} runs the image's entrypoint`).toEqual(entrypoint);
      const [group, name] = argv.slice(entrypoint.length);
      const help = await run([...entrypoint, group!, name!, '--help']);
      expect(help.code, `${where}: ${help.stderr}`).toBe(0);
      expect(help.stdout, where).toContain(`Usage: osr ${group} ${name}`);
    }
  });

  it('from an empty database, the compiled rio import takes a DUO pair: the rows it can, with a report and exit code 2 for the two bad ones; a second run changes nothing', async () => {
    const prefix = freshPrefix();
    const duo = (file: string) => join(repoRoot, 'test', 'fixtures', 'duo', file);
    const args = ['rio', 'import', '--boards', duo('po-besturen.csv'), duo('po-vestigingen.csv'), '--sector', 'PO', '--synced-at', '2026-11-01T06:00:00Z', '--json'];
    const first = await run([...entrypoint, ...args], { DB_PREFIX: prefix });
    expect(first.code, first.stderr).toBe(2);
    const report = (JSON.parse(first.stdout) as { report: Record<string, unknown> }).report;
    expect(report).toMatchObject({ rejected: 2, boards: { created: 3 }, schools: { created: 4 }, vestigingen: { created: 5 } });
    const again = await run([...entrypoint, ...args], { DB_PREFIX: prefix });
    expect(again.code, again.stderr).toBe(2);
    expect((JSON.parse(again.stdout) as { report: Record<string, unknown> }).report).toMatchObject({ boards: { created: 0 }, schools: { created: 0 }, vestigingen: { created: 0 } });
  });
});
