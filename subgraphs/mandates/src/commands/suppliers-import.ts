/**
 * osr suppliers import <catalogue.csv> | --oin … --system … --services … (npm run suppliers:import):
 * suppliers and their systems into the supplier catalogue, as support would through its
 * mutations; the file's reading and checking is catalogue-import.ts, the format and the
 * outcomes docs/suppliers.md. Exit codes as every operator command (@osr/common/cli).
 */
import { statSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { GraphQLError } from 'graphql';
import { connectDatabase, databaseName, todayInNetherlands } from '@osr/common';
import { exitCodeOf, type CommandOutput, type CommandSpec } from '@osr/common/cli';
import { SupplierCatalogue } from '../catalogue.js';
import { CatalogueFileError, importCatalogueLines, MAX_FILE_BYTES, readCatalogueFile, type CatalogueLine } from '../catalogue-import.js';
import { openRepositories } from '../open.js';

const USAGE =
  'usage: osr suppliers import <catalogue.csv> [--json]\n' +
  '       osr suppliers import --oin 00000003301234560000 --supplier "Name B.V." --system Esis --kind LAS --services OSO_OV,OSO_SWV [--json]';

function readFile(path: string, out: CommandOutput): { lines: CatalogueLine[]; encoding: string } {
  try {
    // The size first: a huge file is refused before it is read.
    if (statSync(path).size > MAX_FILE_BYTES) out.fail(`nothing imported: ${path} is larger than a catalogue (${MAX_FILE_BYTES} bytes at most)`);
    return readCatalogueFile(readFileSync(path));
  } catch (err) {
    if (err instanceof CatalogueFileError) out.fail(`nothing imported: ${err.message}`);
    out.fail(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
}

export const suppliersImport: CommandSpec = {
  group: 'suppliers',
  name: 'import',
  alias: 'suppliers:import',
  summary: 'put suppliers and their systems into the supplier catalogue, from a CSV file or one line of flags',
  help: `File: a header row OIN;LEVERANCIER;SYSTEEM;SOORT;DIENSTEN, ; or , separated, UTF-8 or Windows-1252, e.g.
  00000003301234560000;Voorbeeld Leverancier B.V.;Esis;LAS;OSO_OV,OSO_SWV
SOORT: LAS, TEST_SYSTEM (TOETS) or SWV_SYSTEM (SWV). Every line is checked before anything is written.
Re-runnable: what is already so is left alone.

${USAGE}`,
  arguments: [{ name: '[catalogue.csv]', description: 'the catalogue file (or use the flags for one line)' }],
  options: [
    { flags: '--oin <oin>', description: "the supplier's OIN (flag form)" },
    { flags: '--supplier <name>', description: "the supplier's name (needed for a new supplier)" },
    { flags: '--system <name>', description: "the system's name" },
    { flags: '--kind <kind>', description: 'LAS, TEST_SYSTEM or SWV_SYSTEM', default: 'LAS' },
    { flags: '--services <codes>', description: 'service codes, e.g. OSO_OV,OSO_SWV' },
  ],
  async run(args, options, { out, env, withDatabase }) {
    const values = options as { oin?: string; supplier?: string; system?: string; kind?: string; services?: string };
    const positionals = args;
    const flagForm = values.oin !== undefined || values.system !== undefined;
    if (flagForm ? positionals.length > 0 || !values.oin || !values.system || !values.services : positionals.length !== 1) out.fail(`give a catalogue file, or --oin, --system and --services (and --supplier for a new supplier)\n${USAGE}`);
    const source = flagForm
      ? {
          lines: [{ record: 'arguments', values: { oin: values.oin!, supplier: values.supplier ?? '', system: values.system!, kind: values.kind!, services: values.services! } }],
          encoding: 'utf-8',
          name: 'arguments',
        }
      : { ...readFile(positionals[0]!, out), name: positionals[0]! };

    let result;
    try {
      result = await withDatabase(async (uri) => {
        const database = await connectDatabase(uri, databaseName(env.prefix, 'mandates'));
        try {
          const repository = await openRepositories(database.db);
          const known = new Set((await repository.catalogue.findServices()).map((s) => s.code));
          const actor = { sub: 'command:suppliers-import', name: `suppliers:import (${userInfo().username})`, role: 'SUPPORT' as const };
          return await importCatalogueLines(new SupplierCatalogue(repository), source.lines, { known, actor, today: todayInNetherlands() });
        } finally {
          await database.close();
        }
      });
    } catch (err) {
      // A refusal of the register's own rules is said; the database's own message is not for
      // this output (it may name hosts and internals).
      if (err instanceof GraphQLError) return out.fail(`nothing imported: ${err.message}`);
      return out.fail('nothing imported: the database could not be used (is MONGODB_URI right, or the system started?); run the command again');
    }
    const { lines, stopped } = result;
    const rejected = lines.filter((l) => l.outcome === 'rejected').length;
    const notDone = lines.filter((l) => l.outcome === 'not done').length;
    const changed = lines.filter((l) => l.outcome === 'changed').length;
    const unchanged = lines.length - changed - rejected - notDone;
    const summary = `${lines.length} lines: ${changed} changed the catalogue, ${unchanged} unchanged, ${rejected} rejected${notDone ? `, ${notDone} not done (${stopped})` : ''}`;
    const text = [
      `Supplier catalogue from ${source.name} (${source.encoding}, ${lines.length} lines)`,
      ...lines.map((l) =>
        l.outcome === 'rejected' || l.outcome === 'not done'
          ? `  ${l.record}: ${l.outcome}: ${l.reason}${l.actions.length ? ` (done before that: ${l.actions.join('; ')})` : ''}`
          : `  ${l.record}: ${l.oin} ${l.system}: ${l.actions.length ? l.actions.join('; ') : 'unchanged'}`,
      ),
    ];
    // Lines not done count as not taken: exit 2 when some were written, 1 when none were.
    out.finish(exitCodeOf(lines.length, rejected + notDone), summary, { source: source.name, encoding: source.encoding, lines, stopped }, text);
  },
};
