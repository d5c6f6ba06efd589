/**
 * osr suppliers import <catalogue.csv> [--json]   (npm run suppliers:import)
 * osr suppliers import --oin <OIN> --supplier <name> --system <name> --kind LAS --services OSO_OV,OSO_SWV [--json]
 *
 * Puts suppliers and their systems into the supplier catalogue (../catalogue.ts),
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
 * already so is left alone. A line that cannot be taken is reported and the rest still lands.
 * The flag form is one such line (what oso:migrate prints for an unknown supplier or system).
 * Exit codes as every operator command (@osr/common/cli): 0 every line taken; 2 some lines
 * rejected; 1 nothing done.
 */
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { GraphQLError } from 'graphql';
import { connectDatabase, databaseName, decodeText, oinProblem, parseDelimited, todayInNetherlands } from '@osr/common';
import { exitCodeOf, messageOf, type CommandOutput, type CommandSpec } from '@osr/common/cli';
import { SupplierCatalogue, SYSTEM_KINDS } from '../catalogue.js';
import type { ServiceCode, SystemKind } from '../documents.js';
import { MandatesRepository } from '../repository.js';

const USAGE =
  'usage: osr suppliers import <catalogue.csv> [--json]\n' +
  '       osr suppliers import --oin 00000003301234560000 --supplier "Name B.V." --system Esis --kind LAS --services OSO_OV,OSO_SWV [--json]';
const COLUMNS = { oin: 'OIN', supplier: 'LEVERANCIER', system: 'SYSTEEM', kind: 'SOORT', services: 'DIENSTEN' } as const;
type Column = keyof typeof COLUMNS;
const KIND_ALIASES: Record<string, SystemKind> = { LAS: 'LAS', TEST_SYSTEM: 'TEST_SYSTEM', TOETS: 'TEST_SYSTEM', TOETSSYSTEEM: 'TEST_SYSTEM', SWV_SYSTEM: 'SWV_SYSTEM', SWV: 'SWV_SYSTEM' };

interface CatalogueLine {
  /** "line 3", or "arguments" for the flag form */
  record: string;
  values: Record<Column, string>;
}

export interface LineReport {
  record: string;
  oin: string;
  system: string;
  outcome: 'changed' | 'unchanged' | 'rejected';
  /** what was done, e.g. "supplier registered", "system added (OSO_OV, OSO_SWV)" */
  actions: string[];
  reason?: string;
}

const columnKey = (name: string) => name.toUpperCase().replace(/[\s_-]+/g, '');

function readFile(path: string, out: CommandOutput): { lines: CatalogueLine[]; encoding: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    out.fail(`cannot read ${path}: ${messageOf(err)}`);
  }
  const { text, encoding } = decodeText(bytes);
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  const delimiter = firstLine.includes(';') ? ';' : ',';
  let records;
  try {
    records = parseDelimited(text, delimiter);
  } catch (err) {
    out.fail(`the catalogue file cannot be read: ${messageOf(err)}`);
  }
  const header = records.shift();
  if (!header) out.fail('the catalogue file is empty (a header row OIN;LEVERANCIER;SYSTEEM;SOORT;DIENSTEN is required)');
  const index = new Map(header.fields.map((f, i) => [columnKey(f.replace(/^\uFEFF/, '')), i]));
  const missing = (Object.keys(COLUMNS) as Column[]).filter((c) => !index.has(columnKey(COLUMNS[c])));
  if (missing.length) out.fail(`the catalogue file lacks the column(s) ${missing.map((c) => COLUMNS[c]).join(', ')} (header: OIN;LEVERANCIER;SYSTEEM;SOORT;DIENSTEN)`);
  const lines = records
    .filter((r) => r.fields.some((f) => f.trim() !== ''))
    .map((r) => ({
      record: `line ${r.line}`,
      values: Object.fromEntries((Object.keys(COLUMNS) as Column[]).map((c) => [c, (r.fields[index.get(columnKey(COLUMNS[c]))!] ?? '').trim()])) as Record<Column, string>,
    }));
  return { lines, encoding };
}

async function applyLine(catalogue: SupplierCatalogue, line: CatalogueLine, known: Set<ServiceCode>, today: string): Promise<LineReport> {
  const v = line.values;
  const report: LineReport = { record: line.record, oin: v.oin, system: v.system, outcome: 'unchanged', actions: [] };
  const reject = (reason: string): LineReport => ({ ...report, outcome: 'rejected', reason });
  const oinIssue = oinProblem(v.oin);
  if (oinIssue) return reject(`OIN ${JSON.stringify(v.oin)}: ${oinIssue}`);
  if (!v.system) return reject('SYSTEEM is empty');
  const kind = KIND_ALIASES[v.kind.toUpperCase().replace(/[\s-]+/g, '_')];
  if (!kind) return reject(`SOORT ${JSON.stringify(v.kind)}: must be one of ${SYSTEM_KINDS.join(', ')}`);
  const services = [...new Set(v.services.toUpperCase().split(/[\s,|]+/).filter(Boolean))] as ServiceCode[];
  const unknown = services.filter((s) => !known.has(s));
  if (services.length === 0) return reject('DIENSTEN is empty: name the services the system can act in, e.g. OSO_OV,OSO_SWV');
  if (unknown.length) return reject(`DIENSTEN: not in the service catalogue: ${unknown.join(', ')} (known: ${[...known].sort().join(', ')})`);
  const actor = { sub: 'command:suppliers-import', name: `suppliers:import (${userInfo().username})`, role: 'SUPPORT' as const };
  try {
    const supplier = await catalogue.supplier(v.oin).catch((err: unknown) => {
      if (err instanceof GraphQLError && err.extensions['code'] === 'NOT_FOUND') return null;
      throw err;
    });
    if (!supplier) {
      if (!v.supplier || v.supplier.startsWith('<')) return reject(`LEVERANCIER: the supplier ${v.oin} is not registered: give its name`);
      await catalogue.registerSupplier({ oin: v.oin, name: v.supplier }, actor);
      report.actions.push(`supplier registered as ${v.supplier}`);
    } else if (v.supplier && !v.supplier.startsWith('<') && v.supplier !== supplier.name) {
      await catalogue.renameSupplier({ oin: v.oin, name: v.supplier }, actor);
      report.actions.push(`supplier renamed from ${supplier.name} to ${v.supplier}`);
    }
    const system = await catalogue.systemNamed(v.oin, v.system);
    if (!system) {
      const added = await catalogue.addSystem({ supplier: v.oin, name: v.system, kind, services }, actor);
      report.actions.push(`system ${added.name} added (${added.id}: ${kind}, ${added.services.join(', ')})`);
    } else {
      if (system.kind !== kind) return { ...reject(`SOORT ${kind}: system ${system.name} is registered as ${system.kind}; a system's kind does not change`), actions: report.actions };
      const now = [...system.services].sort().join(', ');
      const want = [...services].sort().join(', ');
      if (now !== want) {
        await catalogue.changeSystemServices({ id: system.id, services }, actor, today);
        report.actions.push(`system ${system.name}: services ${now} → ${want}`);
      }
    }
  } catch (err) {
    if (err instanceof GraphQLError) return { ...reject(err.message), actions: report.actions };
    throw err;
  }
  return { ...report, outcome: report.actions.length ? 'changed' : 'unchanged' };
}

export const suppliersImport: CommandSpec = {
  group: 'suppliers',
  name: 'import',
  alias: 'suppliers:import',
  summary: 'put suppliers and their systems into the supplier catalogue, from a CSV file or one line of flags',
  help: `File: a header row OIN;LEVERANCIER;SYSTEEM;SOORT;DIENSTEN, ; or , separated, UTF-8 or Windows-1252, e.g.
  00000003301234560000;Voorbeeld Leverancier B.V.;Esis;LAS;OSO_OV,OSO_SWV
SOORT: LAS, TEST_SYSTEM (TOETS) or SWV_SYSTEM (SWV). Re-runnable: what is already so is left alone.

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

    try {
      const lines = await withDatabase(async (uri) => {
        const database = await connectDatabase(uri, databaseName(env.prefix, 'mandates'));
        try {
          const repository = new MandatesRepository(database.db);
          await repository.ensureIndexes();
          const catalogue = new SupplierCatalogue(repository);
          const known = new Set((await repository.findServices()).map((s) => s.code));
          const today = todayInNetherlands();
          const reports: LineReport[] = [];
          for (const line of source.lines) reports.push(await applyLine(catalogue, line, known, today));
          return reports;
        } finally {
          await database.close();
        }
      });
      const rejected = lines.filter((l) => l.outcome === 'rejected').length;
      const changed = lines.filter((l) => l.outcome === 'changed').length;
      const summary = `${lines.length} lines: ${changed} changed the catalogue, ${lines.length - changed - rejected} unchanged, ${rejected} rejected`;
      const text = [
        `Supplier catalogue from ${source.name} (${source.encoding}, ${lines.length} lines)`,
        ...lines.map((l) =>
          l.outcome === 'rejected'
            ? `  ${l.record}: rejected: ${l.reason}${l.actions.length ? ` (done before that: ${l.actions.join('; ')})` : ''}`
            : `  ${l.record}: ${l.oin} ${l.system}: ${l.actions.length ? l.actions.join('; ') : 'unchanged'}`,
        ),
      ];
      out.finish(exitCodeOf(lines.length, rejected), summary, { source: source.name, encoding: source.encoding, lines }, text);
    } catch (err) {
      out.fail(`nothing imported: ${messageOf(err)}`);
    }
  },
};
