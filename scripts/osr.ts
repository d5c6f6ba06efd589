/**
 * osr: the one command line for operators (commander). Every operator command is a
 * subcommand, `osr <group> <name>` (or `osr <group>`: `osr start`, `osr token`); each package
 * exports the commands that write its data (`@osr/subgraph-<name>/commands`), the system's own
 * commands are modules here, all described declaratively (@osr/common/cli). This file mounts
 * them and gives them what they share: --json (where a command reports) and --help on each,
 * the environment checked once (MONGODB_URI, OSR_DATA_DIR, DB_PREFIX), the database server to
 * use, progress bars and the exit codes 0 / 2 / 1 (docs/commands.md).
 *
 *   npx osr --help              the commands
 *   npx osr rio import --help   one command's arguments and options
 *
 * Loading a command's module loads what it runs (the subgraph's repository, the database
 * driver, ...), so the help and the command tree are built from a manifest of the commands'
 * descriptions (scripts/osr-commands.json, written by `npm run osr:manifest`, checked by
 * test/osr.test.ts); a command's module is imported only when that command runs.
 *
 * The `npm run` names stay as aliases (`npm run rio:import -- file.json` runs `osr rio import file.json`).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import type { CommandContext, CommandEnvironment, CommandSpec } from '@osr/common/cli';

/** A command as the manifest holds it: its description, and the module that exports it. */
export type ManifestEntry = Omit<CommandSpec, 'run'> & { module: ModuleName };

/**
 * The modules that export commands (a CommandSpec, or an array of them), in the order of
 * `osr --help`: each package's documented `commands` entry, and the system's own commands.
 */
const MODULES = {
  '@osr/subgraph-organisations/commands': () => import('@osr/subgraph-organisations/commands'),
  '@osr/subgraph-mandates/commands': () => import('@osr/subgraph-mandates/commands'),
  '@osr/subgraph-agreements/commands': () => import('@osr/subgraph-agreements/commands'),
  'scripts/data-national.ts': () => import('./data-national.js'),
  'scripts/rio-generate.ts': () => import('./rio-generate.js'),
  'scripts/rio-api-server.ts': () => import('./rio-api-server.js'),
  'scripts/docs-indexes.ts': () => import('./docs-indexes.js'),
  'scripts/ferretdb-build.ts': () => import('./ferretdb-build.js'),
  'scripts/token.ts': () => import('./token.js'),
  'scripts/start.ts': () => import('./start.js'),
} as const satisfies Record<string, () => Promise<Record<string, unknown>>>;
export type ModuleName = keyof typeof MODULES;

export const MANIFEST = new URL('./osr-commands.json', import.meta.url);

/** `osr rio import`, `osr start`: the words after osr. */
export const commandPath = (c: Pick<CommandSpec, 'group' | 'name'>): string => (c.name ? `${c.group} ${c.name}` : c.group);

const isSpec = (v: unknown): v is CommandSpec =>
  typeof v === 'object' && v !== null && typeof (v as CommandSpec).group === 'string' && typeof (v as CommandSpec).run === 'function';

/** The commands a module exports, in their order. */
function specsOf(exports: Record<string, unknown>): CommandSpec[] {
  return Object.values(exports).flatMap((v) => (Array.isArray(v) ? v.filter(isSpec) : isSpec(v) ? [v] : []));
}

/** Every command, each module imported (for the manifest and its check). */
export async function loadManifest(): Promise<ManifestEntry[]> {
  const entries: ManifestEntry[] = [];
  for (const [module, load] of Object.entries(MODULES) as [ModuleName, () => Promise<Record<string, unknown>>][]) {
    for (const { run, ...description } of specsOf(await load())) {
      void run;
      entries.push({ module, ...description });
    }
  }
  return entries;
}

export function manifestText(entries: readonly ManifestEntry[]): string {
  return `${JSON.stringify(entries, null, 2)}\n`;
}

/** The commands as the manifest describes them (no module imported). */
export function readManifest(): ManifestEntry[] {
  return JSON.parse(readFileSync(MANIFEST, 'utf8')) as ManifestEntry[];
}

/** The command itself, its module imported now. */
async function loadCommand(entry: ManifestEntry): Promise<CommandSpec> {
  const spec = specsOf(await MODULES[entry.module]()).find((s) => commandPath(s) === commandPath(entry));
  if (!spec) throw new Error(`${entry.module} no longer exports \`${commandPath(entry)}\`: run npm run osr:manifest`);
  return spec;
}

const ENVIRONMENT = `
Environment (checked once, before any command runs):
  MONGODB_URI   the database server (production); unset: the embedded database of a running
                \`osr start\`, else an embedded one started on OSR_DATA_DIR for this run
  OSR_DATA_DIR  the data folder (default .data)
  DB_PREFIX     prefix of the database names (default osr_)`;

const OUTCOMES_HELP = `
Exit codes: 0 every row taken; 2 some rows rejected, the rest written; 1 nothing done.
With --json, stdout is one JSON document for every outcome (docs/commands.md).`;

const ENVIRONMENT_HELP = `${ENVIRONMENT}\n${OUTCOMES_HELP}`;

/** MONGODB_URI, OSR_DATA_DIR and DB_PREFIX checked by the one set of rules (@osr/common), or a message naming the variable. */
async function checkedEnvironment(): Promise<CommandEnvironment> {
  const [{ join }, { z }, { dbPrefixSchema, mongodbUriSchema, parseConfig }, { repoRoot }] = await Promise.all([
    import('node:path'),
    import('zod'),
    import('@osr/common'),
    import('./ferretdb.js'),
  ]);
  const unsetWhenEmpty = (v: unknown) => (v === '' ? undefined : v);
  const parsed = parseConfig(
    z.object({
      MONGODB_URI: z.preprocess(unsetWhenEmpty, mongodbUriSchema.optional()),
      OSR_DATA_DIR: z.preprocess(unsetWhenEmpty, z.string().default(join(repoRoot, '.data'))),
      DB_PREFIX: z.preprocess(unsetWhenEmpty, dbPrefixSchema),
    }),
  );
  return { prefix: parsed.DB_PREFIX, dataDir: parsed.OSR_DATA_DIR, mongodbUri: parsed.MONGODB_URI };
}

function context(spec: CommandSpec, out: CommandContext['out'], env: CommandEnvironment, progress: CommandContext['progress']): CommandContext {
  const log = (line: string) => console.error(`[${spec.alias}] ${line}`);
  const withDatabase: CommandContext['withDatabase'] = async (work) => {
    const { withDatabaseServer } = await import('./cli-support.js');
    return withDatabaseServer(work, log);
  };
  // Plain functions, not methods: commands take them out of the context.
  return {
    out,
    env,
    progress,
    withDatabase,
    withSubgraphDatabase(name, work) {
      return withDatabase(async (uri) => {
        const { connectDatabase, databaseName, redactUri } = await import('@osr/common');
        const database = await connectDatabase(uri, databaseName(env.prefix, name)).catch((err: unknown) =>
          out.fail(`Cannot reach the database at ${redactUri(uri)}: ${err instanceof Error ? err.message : String(err)}`),
        );
        try {
          return await work(database, uri);
        } finally {
          await database.close();
        }
      });
    },
    async peer(name, uri) {
      const url = process.env['ORGANISATIONS_URL'];
      const secret = process.env['OSR_IDENTITY_SECRET'];
      if (url && secret) return { url, identitySecret: secret, close: async () => {} };
      // No running system named: serve the subgraph's API in-process for this run.
      const [{ randomBytes }, { connectDatabase, createLogger, databaseName, listen }, { createOrganisationsServer }] = await Promise.all([
        import('node:crypto'),
        import('@osr/common'),
        import('@osr/subgraph-organisations'),
      ]);
      const identitySecret = randomBytes(32).toString('base64url');
      const database = await connectDatabase(uri, databaseName(env.prefix, name));
      const server = await createOrganisationsServer({ database, logger: createLogger(name, 'warn'), identitySecret, peers: {} });
      return {
        url: await listen(server.httpServer, 0),
        identitySecret,
        async close() {
          await server.stop();
          await database.close();
        },
      };
    },
  };
}

/** The osr program, built from the manifest; argv is what follows `osr`. Usage errors honour --json like every other failure. */
export function program(argv: readonly string[], commands: readonly ManifestEntry[] = readManifest()): Command {
  const json = argv.includes('--json');
  const root = new Command('osr')
    .description('The OSR graph\'s operator commands: run the system, import, migrate and repair the register\'s data, issue development tokens.')
    .addHelpText('after', ENVIRONMENT_HELP)
    .showHelpAfterError(false)
    .exitOverride();
  const groups = new Map<string, Command>();
  for (const entry of commands) {
    let command: Command;
    if (entry.name) {
      let group = groups.get(entry.group);
      if (!group) {
        const members = commands.filter((c) => c.group === entry.group);
        group = root.command(entry.group).description(members.map((c) => `${commandPath(c)}: ${c.summary}`).join('\n')).exitOverride();
        groups.set(entry.group, group);
      }
      command = group.command(entry.name);
    } else {
      command = root.command(entry.group);
    }
    command.description(`${entry.summary}\n(npm run ${entry.alias})`).exitOverride();
    for (const arg of entry.arguments ?? []) command.argument(arg.name, arg.description);
    for (const opt of entry.options ?? []) {
      const option = new Option(opt.flags, opt.description);
      if (opt.default !== undefined) option.default(opt.default);
      command.addOption(option);
    }
    const takesJson = entry.json !== false;
    if (takesJson) command.option('--json', 'print one JSON document on stdout for every outcome, errors included', false);
    if (entry.help) command.addHelpText('after', `\n${entry.help}`);
    // A command without --json (one that serves until Ctrl-C) says its own exit codes in its help.
    command.addHelpText('after', takesJson ? ENVIRONMENT_HELP : ENVIRONMENT);
    command.action(async () => {
      const options = command.opts<Record<string, string | boolean | string[] | undefined>>();
      const { commandOutput, messageOf, progressReporter } = await import('@osr/common/cli');
      const out = commandOutput(entry.alias, json && takesJson);
      let env: CommandEnvironment;
      try {
        env = await checkedEnvironment();
      } catch (err) {
        const { ConfigError } = await import('@osr/common');
        if (err instanceof ConfigError) out.fail(err.message);
        throw err;
      }
      // The commands below read these; set once, from the checked values.
      process.env['DB_PREFIX'] = env.prefix;
      process.env['OSR_DATA_DIR'] = env.dataDir;
      const spec = await loadCommand(entry);
      try {
        await spec.run(command.args, options, context(spec, out, env, progressReporter));
      } catch (err) {
        // what a command did not catch itself: nothing done, said as every failure is
        out.fail(messageOf(err));
      }
    });
  }
  return root;
}

/** Runs the command line: exit codes 0 / 2 / 1, usage errors as one message (JSON with --json). */
export async function main(argv: readonly string[]): Promise<void> {
  const commands = readManifest();
  const root = program(argv, commands);
  let errors = '';
  const collect = (command: Command) => {
    command.configureOutput({ writeErr: (text) => (errors += text) });
    command.commands.forEach(collect);
  };
  collect(root);
  try {
    await root.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        process.exitCode = 0;
        return;
      }
      // A group or the root without a command: its help went to stderr.
      const leaf = findLeaf(commands, argv);
      const usage = leaf ? `usage: osr ${commandPath(leaf)} ${usageOf(root, leaf)} (osr ${commandPath(leaf)} --help)` : 'see osr --help';
      const message = (errors.trim() || err.message).replace(/^error: /, '');
      const { commandOutput } = await import('@osr/common/cli');
      commandOutput(leaf?.alias ?? 'osr', argv.includes('--json') && leaf?.json !== false).fail(`${message}\n${usage}`);
    }
    throw err;
  }
}

function findLeaf(commands: readonly ManifestEntry[], argv: readonly string[]): ManifestEntry | undefined {
  return commands.find((c) => (c.name ? argv[0] === c.group && argv[1] === c.name : argv[0] === c.group));
}

function usageOf(root: Command, leaf: ManifestEntry): string {
  const group = root.commands.find((c) => c.name() === leaf.group);
  return (leaf.name ? group?.commands.find((c) => c.name() === leaf.name) : group)?.usage() ?? '';
}

if (process.argv[1] && /osr\.[jt]s$/.test(process.argv[1])) {
  await main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`osr: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
