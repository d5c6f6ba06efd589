/**
 * npm run suppliers:import -- <catalogue.csv> [--json]
 * npm run suppliers:import -- --oin <OIN> --supplier <name> --system <name> --kind LAS --services OSO_OV,OSO_SWV [--json]
 *
 * Puts suppliers and their systems into the supplier catalogue (subgraphs/mandates/src/catalogue.ts),
 * as Kennisnet support would through the registerSupplier / renameSupplier / addSystem /
 * changeSystemServices mutations, each change recorded in the catalogue's history. The file:
 * a header row, `;` or `,` separated, UTF-8 or Windows-1252, columns (any case; spaces,
 * hyphens and underscores ignored; other columns ignored):
 *
 *   OIN;LEVERANCIER;SYSTEEM;SOORT;DIENSTEN
 *   00000003301234560000;Voorbeeld Leverancier B.V.;Esis;LAS;OSO_OV,OSO_SWV
 *
 * SOORT: LAS, TEST_SYSTEM (or TOETS) or SWV_SYSTEM (or SWV). DIENSTEN: service codes separated
 * by `,`, `|` or spaces. Re-runnable: a known supplier with another name is renamed, a known
 * system (same name, case aside) with other services gets the file's services, what is
 * already so is left alone. Every line is checked before anything is written (the rules and
 * the reading live in subgraphs/mandates/src/catalogue-import.ts); a line that cannot be taken
 * is reported and the rest still lands; a file that is not a catalogue writes nothing.
 * The flag form is one such line (what oso:migrate prints for an unknown supplier or system).
 * Exit codes as every one-off command (cli-outcome.ts): 0 every line taken; 2 some lines
 * rejected; 1 nothing done.
 */
import { statSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { connectDatabase, databaseName, todayInNetherlands } from '@osr/common';
import { SupplierCatalogue } from '@osr/subgraph-mandates/catalogue';
import { CatalogueFileError, importCatalogueLines, MAX_FILE_BYTES, readCatalogueFile, type CatalogueLine } from '@osr/subgraph-mandates/catalogue-import';
import { MandatesRepository } from '@osr/subgraph-mandates/repository';
import { dbPrefix, withDatabaseServer } from './cli-support.js';
import { commandOutput, exitCodeOf, messageOf, type CommandOutput } from './cli-outcome.js';

const out: CommandOutput = commandOutput('suppliers:import');
const USAGE =
  'usage: npm run suppliers:import -- <catalogue.csv> [--json]\n' +
  '       npm run suppliers:import -- --oin 00000003301234560000 --supplier "Name B.V." --system Esis --kind LAS --services OSO_OV,OSO_SWV [--json]';

function parseOptions() {
  return parseArgs({
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      oin: { type: 'string' },
      supplier: { type: 'string' },
      system: { type: 'string' },
      kind: { type: 'string', default: 'LAS' },
      services: { type: 'string' },
    },
  });
}

function readFile(path: string): { lines: CatalogueLine[]; encoding: string } {
  try {
    // The size first: a huge file is refused before it is read.
    if (statSync(path).size > MAX_FILE_BYTES) out.fail(`nothing imported: ${path} is larger than a catalogue (${MAX_FILE_BYTES} bytes at most)`);
    return readCatalogueFile(readFileSync(path));
  } catch (err) {
    if (err instanceof CatalogueFileError) out.fail(`nothing imported: ${err.message}`);
    out.fail(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
}

let parsed!: ReturnType<typeof parseOptions>;
try {
  parsed = parseOptions();
} catch (err) {
  out.fail(`${messageOf(err)}\n${USAGE}`);
}
const { values, positionals } = parsed;
const flagForm = values.oin !== undefined || values.system !== undefined;
if (flagForm ? positionals.length > 0 || !values.oin || !values.system || !values.services : positionals.length !== 1) out.fail(USAGE);
const source = flagForm
  ? {
      lines: [{ record: 'arguments', values: { oin: values.oin!, supplier: values.supplier ?? '', system: values.system!, kind: values.kind!, services: values.services! } }],
      encoding: 'utf-8',
      name: 'arguments',
    }
  : { ...readFile(positionals[0]!), name: positionals[0]! };

let result;
try {
  result = await withDatabaseServer(async (uri) => {
    const database = await connectDatabase(uri, databaseName(dbPrefix(), 'mandates'));
    try {
      const repository = new MandatesRepository(database.db);
      await repository.ensureIndexes();
      const known = new Set((await repository.findServices()).map((s) => s.code));
      const actor = { sub: 'command:suppliers-import', name: `suppliers:import (${userInfo().username})`, role: 'SUPPORT' as const };
      return await importCatalogueLines(new SupplierCatalogue(repository), source.lines, { known, actor, today: todayInNetherlands() });
    } finally {
      await database.close();
    }
  });
} catch {
  // The database's own message is not for this output (it may name hosts and internals).
  out.fail('nothing imported: the database could not be used (is MONGODB_URI right, or the system started?); run the command again');
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
