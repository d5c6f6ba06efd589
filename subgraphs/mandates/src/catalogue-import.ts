/**
 * The supplier catalogue file (`osr suppliers import`, format in docs/suppliers.md): read and
 * checked whole before anything is written (a file that is not a catalogue writes nothing,
 * nor do its bad lines), then the good lines applied through the catalogue's own rules
 * (catalogue.ts), one report per line. A database failure stops the run; the report says
 * which lines were written, never the database's own message.
 */
import { GraphQLError } from 'graphql';
import { csvColumnKey, decodeText, oinProblem, parseDelimited } from '@osr/common';
import { nameProblem, SYSTEM_KINDS, type SupplierCatalogue } from './catalogue.js';
import type { ServiceCode, SystemKind } from './documents.js';
import type { Actor } from './repositories/mandate-store.js';

export const CATALOGUE_COLUMNS = { oin: 'OIN', supplier: 'LEVERANCIER', system: 'SYSTEEM', kind: 'SOORT', services: 'DIENSTEN' } as const;
export type CatalogueColumn = keyof typeof CATALOGUE_COLUMNS;
/** A catalogue line is a few short fields: anything longer is not one. */
export const MAX_LINE_BYTES = 4_000;
/** A catalogue of every supplier of Dutch school systems is far below this. */
export const MAX_FILE_BYTES = 5_000_000;
const KIND_ALIASES: Record<string, SystemKind> = { LAS: 'LAS', TEST_SYSTEM: 'TEST_SYSTEM', TOETS: 'TEST_SYSTEM', TOETSSYSTEEM: 'TEST_SYSTEM', SWV_SYSTEM: 'SWV_SYSTEM', SWV: 'SWV_SYSTEM' };

/** The file cannot be a catalogue at all: nothing is written. */
export class CatalogueFileError extends Error {
  override name = 'CatalogueFileError';
}

export interface CatalogueLine {
  /** "line 3", or "arguments" for the flag form */
  record: string;
  values: Record<CatalogueColumn, string>;
}

export interface LineReport {
  record: string;
  oin: string;
  system: string;
  /** not done: the run stopped (a database failure) before this line was written */
  outcome: 'changed' | 'unchanged' | 'rejected' | 'not done';
  /** what was done, e.g. "supplier registered", "system added (OSO_OV, OSO_SWV)" */
  actions: string[];
  reason?: string;
}

/** A short, printable form of a value for a message: never the whole of a long field. */
function shown(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/** Whether the bytes look like UTF-16 or binary data rather than UTF-8 / Windows-1252 text. */
function notText(bytes: Uint8Array): boolean {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return true;
  const sample = bytes.subarray(0, 4096);
  return sample.includes(0);
}

/** Reads a catalogue file: every line checked for shape before any is used. */
export function readCatalogueFile(bytes: Uint8Array): { lines: CatalogueLine[]; encoding: string } {
  if (bytes.length > MAX_FILE_BYTES) throw new CatalogueFileError(`the file is ${bytes.length} bytes, more than a catalogue (${MAX_FILE_BYTES} at most)`);
  if (notText(bytes)) throw new CatalogueFileError('the file is not UTF-8 or Windows-1252 text (UTF-16, or not text at all): save it as CSV in UTF-8');
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      if (i - start > MAX_LINE_BYTES) throw new CatalogueFileError(`line ${line} is longer than ${MAX_LINE_BYTES} bytes: not a catalogue line`);
      line++;
      start = i + 1;
    }
  }
  const { text, encoding } = decodeText(bytes);
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  const delimiter = firstLine.includes(';') ? ';' : ',';
  let records;
  try {
    records = parseDelimited(text, delimiter);
  } catch (err) {
    throw new CatalogueFileError(`the file cannot be read: ${(err as Error).message}`);
  }
  const header = records.shift();
  if (!header) throw new CatalogueFileError(`the file is empty (a header row ${Object.values(CATALOGUE_COLUMNS).join(';')} is required)`);
  const index = new Map(header.fields.map((f, i) => [csvColumnKey(f), i]));
  const missing = (Object.keys(CATALOGUE_COLUMNS) as CatalogueColumn[]).filter((c) => !index.has(csvColumnKey(CATALOGUE_COLUMNS[c])));
  if (missing.length) {
    const found = header.fields.map((f) => f.trim()).filter(Boolean).slice(0, 20).map(shown);
    throw new CatalogueFileError(
      `the file lacks the column(s) ${missing.map((c) => CATALOGUE_COLUMNS[c]).join(', ')}; it has ${found.length ? found.join(', ') : 'no named columns'} ` +
        `(expected ${Object.values(CATALOGUE_COLUMNS).join(';')}, separated by ; or ,)`,
    );
  }
  const lines = records
    .filter((r) => r.fields.some((f) => f.trim() !== ''))
    .map((r) => ({
      record: `line ${r.line}`,
      values: Object.fromEntries((Object.keys(CATALOGUE_COLUMNS) as CatalogueColumn[]).map((c) => [c, (r.fields[index.get(csvColumnKey(CATALOGUE_COLUMNS[c]))!] ?? '').trim()])) as Record<CatalogueColumn, string>,
    }));
  return { lines, encoding };
}

interface CheckedLine {
  line: CatalogueLine;
  kind: SystemKind;
  services: ServiceCode[];
  /** the supplier's name as given; null when the line leaves it (empty or a placeholder such as <supplier name>) */
  supplierName: string | null;
}

/** Checks one line on its own and against the catalogue as it is (reads only). */
async function checkLine(catalogue: SupplierCatalogue, line: CatalogueLine, known: ReadonlySet<ServiceCode>, named: ReadonlySet<string>): Promise<CheckedLine | string> {
  const v = line.values;
  const oinIssue = oinProblem(v.oin);
  if (oinIssue) return `OIN ${shown(v.oin)}: ${oinIssue}`;
  if (!v.system) return 'SYSTEEM is empty';
  if (v.system.length > 100) return 'SYSTEEM: the system name must be 1 to 100 characters';
  const systemIssue = nameProblem(v.system);
  if (systemIssue) return `SYSTEEM ${shown(v.system)}: ${systemIssue}`;
  const supplierName = v.supplier && !v.supplier.startsWith('<') ? v.supplier : null;
  if (supplierName !== null) {
    if (supplierName.length > 100) return 'LEVERANCIER: the supplier name must be 1 to 100 characters';
    const supplierIssue = nameProblem(supplierName);
    if (supplierIssue) return `LEVERANCIER ${shown(supplierName)}: ${supplierIssue}`;
  }
  const kind = KIND_ALIASES[v.kind.toUpperCase().replace(/[\s-]+/g, '_')];
  if (!kind) return `SOORT ${shown(v.kind)}: must be one of ${SYSTEM_KINDS.join(', ')}`;
  const services = [...new Set(v.services.toUpperCase().split(/[\s,|]+/).filter(Boolean))] as ServiceCode[];
  if (services.length === 0) return 'DIENSTEN is empty: name the services the system can act in, e.g. OSO_OV,OSO_SWV';
  const unknown = services.filter((s) => !known.has(s));
  if (unknown.length) {
    return `DIENSTEN: not in the service catalogue: ${unknown.map((u) => (u.length > 40 ? `${u.slice(0, 40)}…` : u)).join(', ')} (known: ${known.size ? [...known].sort().join(', ') : 'none: the service catalogue is empty'})`;
  }
  const supplier = await catalogue.findSupplier(v.oin);
  if (!supplier && supplierName === null && !named.has(v.oin)) return `LEVERANCIER: the supplier ${v.oin} is not registered: give its name`;
  if (supplier) {
    const system = await catalogue.systemNamed(v.oin, v.system);
    if (system && system.kind !== kind) return `SOORT ${kind}: system ${system.name} is registered as ${system.kind}; a system's kind does not change`;
  }
  return { line, kind, services, supplierName };
}

async function applyLine(catalogue: SupplierCatalogue, checked: CheckedLine, actor: Actor, today: string, report: LineReport): Promise<void> {
  const v = checked.line.values;
  const supplier = await catalogue.findSupplier(v.oin);
  if (!supplier) {
    if (checked.supplierName === null) throw new GraphQLError(`LEVERANCIER: the supplier ${v.oin} is not registered: give its name`);
    const registered = await catalogue.registerSupplier({ oin: v.oin, name: checked.supplierName }, actor);
    report.actions.push(`supplier registered as ${registered.name}`);
  } else if (checked.supplierName !== null && checked.supplierName !== supplier.name) {
    const renamed = await catalogue.renameSupplier({ oin: v.oin, name: checked.supplierName }, actor);
    if (renamed.name !== supplier.name) report.actions.push(`supplier renamed from ${supplier.name} to ${renamed.name}`);
  }
  const system = await catalogue.systemNamed(v.oin, v.system);
  if (!system) {
    const added = await catalogue.addSystem({ supplier: v.oin, name: v.system, kind: checked.kind, services: checked.services }, actor);
    report.actions.push(`system ${added.name} added (${added.id}: ${checked.kind}, ${added.services.join(', ')})`);
    return;
  }
  const now = [...system.services].sort().join(', ');
  const want = [...checked.services].sort().join(', ');
  if (now !== want) {
    await catalogue.changeSystemServices({ id: system.id, services: checked.services }, actor, today);
    report.actions.push(`system ${system.name}: services ${now} → ${want}`);
  }
}

export interface CatalogueImportResult {
  lines: LineReport[];
  /** set when a database failure stopped the run: the lines after it are "not done" */
  stopped: string | null;
}

/**
 * Checks every line first (shape, names, services, the catalogue as it is), then writes the
 * good ones in file order. A refusal by the catalogue's rules rejects that line only; any
 * other failure (the database) stops the run and marks the rest "not done".
 */
export async function importCatalogueLines(
  catalogue: SupplierCatalogue,
  lines: readonly CatalogueLine[],
  options: { known: ReadonlySet<ServiceCode>; actor: Actor; today: string },
): Promise<CatalogueImportResult> {
  const reports: LineReport[] = lines.map((l) => ({ record: l.record, oin: l.values.oin.slice(0, 40), system: l.values.system.slice(0, 100), outcome: 'unchanged', actions: [] }));
  const checked: (CheckedLine | null)[] = [];
  /** suppliers an earlier good line names: a later line of the same OIN need not repeat the name */
  const named = new Set<string>();
  for (const [i, line] of lines.entries()) {
    const result = await checkLine(catalogue, line, options.known, named);
    if (typeof result === 'string') {
      reports[i] = { ...reports[i]!, outcome: 'rejected', reason: result };
      checked.push(null);
    } else {
      if (result.supplierName !== null) named.add(line.values.oin);
      checked.push(result);
    }
  }
  for (const [i, line] of checked.entries()) {
    if (!line) continue;
    const report = reports[i]!;
    try {
      await applyLine(catalogue, line, options.actor, options.today, report);
      report.outcome = report.actions.length ? 'changed' : 'unchanged';
    } catch (err) {
      if (err instanceof GraphQLError) {
        report.outcome = 'rejected';
        report.reason = err.message;
        continue;
      }
      const stopped = `the database failed at ${report.record}; run the command again to finish (what is written stays)`;
      report.outcome = 'not done';
      report.reason = stopped;
      for (const later of reports.slice(i + 1)) {
        if (later.outcome !== 'rejected') Object.assign(later, { outcome: 'not done', reason: stopped });
      }
      return { lines: reports, stopped };
    }
  }
  return { lines: reports, stopped: null };
}
