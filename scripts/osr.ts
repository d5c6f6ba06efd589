/**
 * osr: the one command line for operators (commander). Every operator command is a
 * subcommand, `osr <group> <name>`; each package exports the commands that write its data
 * (`@osr/subgraph-<name>/commands`), described declaratively (@osr/common/cli), and this file
 * mounts them and gives them what they share: --json and --help on each, the environment
 * checked once (MONGODB_URI, OSR_DATA_DIR, DB_PREFIX), the database server to use, progress
 * bars and the exit codes 0 / 2 / 1 (docs/commands.md).
 *
 *   npx osr --help              the commands
 *   npx osr rio import --help   one command's arguments and options
 *
 * The `npm run` names stay as aliases (`npm run rio:import -- file.json` runs `osr rio import file.json`).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { z } from 'zod';
import { ConfigError, connectDatabase, createLogger, databaseName, dbPrefixSchema, listen, parseConfig } from '@osr/common';
import { commandOutput, messageOf, progressReporter, type CommandContext, type CommandEnvironment, type CommandSpec } from '@osr/common/cli';
import { agreementsCommands } from '@osr/subgraph-agreements/commands';
import { mandatesCommands } from '@osr/subgraph-mandates/commands';
import { organisationsCommands } from '@osr/subgraph-organisations/commands';
import { withDatabaseServer } from './cli-support.js';
import { dataNational } from './data-national.js';
import { repoRoot } from './ferretdb.js';

/** Every operator command, in the order of `osr --help`. */
export const COMMANDS: readonly CommandSpec[] = [...organisationsCommands, ...mandatesCommands, ...agreementsCommands, dataNational];

const environment = z.object({
  // An empty MONGODB_URI counts as unset.
  MONGODB_URI: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// connection string').optional(),
  ),
  OSR_DATA_DIR: z.preprocess((v) => (v === '' ? undefined : v), z.string().default(join(repoRoot, '.data'))),
  DB_PREFIX: z.preprocess((v) => (v === '' ? undefined : v), dbPrefixSchema),
});

const ENVIRONMENT_HELP = `
Environment (checked once, before any command runs):
  MONGODB_URI   the database server (production); unset: the embedded database of a running
                \`npm start\`, else an embedded one started on OSR_DATA_DIR for this run
  OSR_DATA_DIR  the data folder (default .data)
  DB_PREFIX     prefix of the database names (default osr_)

Exit codes: 0 every row taken; 2 some rows rejected, the rest written; 1 nothing done.
With --json, stdout is one JSON document for every outcome (docs/commands.md).`;

function context(spec: CommandSpec, json: boolean, env: CommandEnvironment): CommandContext {
  const log = (line: string) => console.error(`[${spec.alias}] ${line}`);
  return {
    out: commandOutput(spec.alias, json),
    env,
    withDatabase: (work) => withDatabaseServer(work, log),
    progress: (label) => progressReporter(label),
    async peer(name, uri) {
      const url = process.env['ORGANISATIONS_URL'];
      const secret = process.env['OSR_IDENTITY_SECRET'];
      if (url && secret) return { url, identitySecret: secret, close: async () => {} };
      // No running system named: serve the subgraph's API in-process for this run.
      const { createOrganisationsServer } = await import('@osr/subgraph-organisations');
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

/** The osr program; argv is what follows `osr`. Usage errors honour --json like every other failure. */
export function program(argv: readonly string[]): Command {
  const json = argv.includes('--json');
  const root = new Command('osr')
    .description('The OSR graph\'s operator commands: imports, migrations and repairs of the register\'s data.')
    .addHelpText('after', ENVIRONMENT_HELP)
    .showHelpAfterError(false)
    .exitOverride();
  const groups = new Map<string, Command>();
  for (const spec of COMMANDS) {
    let group = groups.get(spec.group);
    if (!group) {
      group = root.command(spec.group).description(COMMANDS.filter((c) => c.group === spec.group).map((c) => `${c.group} ${c.name}: ${c.summary}`).join('\n')).exitOverride();
      groups.set(spec.group, group);
    }
    const command = group.command(spec.name).description(`${spec.summary}\n(npm run ${spec.alias})`).exitOverride();
    for (const arg of spec.arguments ?? []) command.argument(arg.name, arg.description);
    for (const opt of spec.options ?? []) {
      const option = new Option(opt.flags, opt.description);
      if (opt.default !== undefined) option.default(opt.default);
      command.addOption(option);
    }
    command.option('--json', 'print one JSON document on stdout for every outcome, errors included', false);
    if (spec.help) command.addHelpText('after', `\n${spec.help}`);
    command.addHelpText('after', ENVIRONMENT_HELP);
    command.action(async (...params: unknown[]) => {
      const options = command.opts<Record<string, string | boolean | string[] | undefined>>();
      const args = command.args;
      const out = commandOutput(spec.alias, json);
      let env: CommandEnvironment;
      try {
        const parsed = parseConfig(environment);
        env = { prefix: parsed.DB_PREFIX, dataDir: parsed.OSR_DATA_DIR, mongodbUri: parsed.MONGODB_URI };
      } catch (err) {
        if (err instanceof ConfigError) out.fail(err.message);
        throw err;
      }
      // The commands below read these; set once, from the checked values.
      process.env['DB_PREFIX'] = env.prefix;
      process.env['OSR_DATA_DIR'] = env.dataDir;
      void params;
      await spec.run(args, options, context(spec, json, env));
    });
  }
  return root;
}

/** Runs the command line: exit codes 0 / 2 / 1, usage errors as one message (JSON with --json). */
export async function main(argv: readonly string[]): Promise<void> {
  const root = program(argv);
  let errors = '';
  root.configureOutput({ writeErr: (text) => (errors += text) });
  for (const sub of root.commands) {
    sub.configureOutput({ writeErr: (text) => (errors += text) });
    for (const leaf of sub.commands) leaf.configureOutput({ writeErr: (text) => (errors += text) });
  }
  try {
    await root.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        process.exitCode = 0;
        return;
      }
      // A group or the root without a command: its help went to stderr.
      const leaf = findLeaf(root, argv);
      const usage = leaf ? `usage: osr ${leaf.parent?.name() ?? ''} ${leaf.name()} ${leaf.usage()} (osr ${leaf.parent?.name() ?? ''} ${leaf.name()} --help)` : 'see osr --help';
      const name = leaf ? (COMMANDS.find((c) => `${c.group} ${c.name}` === `${leaf.parent?.name()} ${leaf.name()}`)?.alias ?? 'osr') : 'osr';
      const message = (errors.trim() || err.message).replace(/^error: /, '');
      commandOutput(name, argv.includes('--json')).fail(`${message}\n${usage}`);
    }
    throw err;
  }
}

function findLeaf(root: Command, argv: readonly string[]): Command | undefined {
  const group = root.commands.find((c) => c.name() === argv[0]);
  return group?.commands.find((c) => c.name() === argv[1]);
}

if (process.argv[1] && /osr\.[jt]s$/.test(process.argv[1])) {
  await main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`osr: ${messageOf(err)}`);
    process.exitCode = 1;
  });
}
