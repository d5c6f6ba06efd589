/**
 * The OSO → OSR migration (format and outcomes: docs/mandates.md, "OSO → OSR migration"): a
 * Mijn OSO export of aanleverpunten becomes aanleverpunten and OSO mandates. Active points
 * become mandates (one per school + kind + system), starting on MIGRATION_DATE or the later
 * connection date; inactive ones are stored without a mandate and their schools listed as
 * having to issue one themselves. Bad rows are reported and not written; good rows land.
 * Running it again creates nothing twice.
 */
import {
  brinProblem,
  csvColumnKey,
  CsvSyntaxError,
  isoDateProblem,
  oinProblem,
  readCsvTable,
  userError,
} from '@osr/common';
import type { AanleverpuntDocument, AanleverpuntKind, MandateDocument, ServiceCode, SystemDocument, SystemKind } from './documents.js';
import type { Actor } from './repositories/mandate-store.js';
import { newMandate, rangesOverlap } from './mandate-service.js';
import type { OrganisationsApi } from './peers.js';
import type { Repositories } from './repositories/index.js';

export const MIGRATION_DATE = '2022-08-15';
export const EXPORT_COLUMNS = ['BRIN', 'AANLEVERPUNT', 'SOORT', 'LEVERANCIER_OIN', 'LAS', 'STATUS', 'AANSLUITDATUM'] as const;
export type ExportColumn = (typeof EXPORT_COLUMNS)[number];
/** Names Mijn OSO exports and supplier lists use for the same columns. */
export const EXPORT_SYNONYMS: Readonly<Record<ExportColumn, readonly string[]>> = {
  BRIN: ['BRINNUMMER', 'BRIN CODE', 'INSTELLINGSCODE'],
  AANLEVERPUNT: ['AANLEVERPUNTNUMMER', 'AANLEVERPUNT NUMMER', 'INDEX'],
  SOORT: ['TYPE', 'DIENST'],
  LEVERANCIER_OIN: ['OIN', 'OIN LEVERANCIER', 'LEVERANCIER OIN NUMMER'],
  LAS: ['SYSTEEM', 'SYSTEEMNAAM', 'PAKKET', 'LAS NAAM'],
  STATUS: ['ACTIEF'],
  AANSLUITDATUM: ['DATUM AANSLUITING', 'STARTDATUM', 'AANGESLOTEN OP'],
};

/**
 * An optional column: the supplier's name. When the export has it, the command printed for an
 * unknown supplier carries the name and runs as printed; otherwise it says '<supplier name>'.
 */
export const SUPPLIER_NAME_COLUMN = 'LEVERANCIER_NAAM';
const SUPPLIER_NAME_NAMES = [SUPPLIER_NAME_COLUMN, 'LEVERANCIERSNAAM', 'LEVERANCIER', 'NAAM LEVERANCIER'];

/**
 * `LAS=PAKKET,AANSLUITDATUM=Datum` (the --columns option): the file's own name for expected
 * columns. Throws a user error naming what is wrong.
 */
export function parseColumnMap(text: string): Partial<Record<ExportColumn | typeof SUPPLIER_NAME_COLUMN, string>> {
  const map: Partial<Record<ExportColumn | typeof SUPPLIER_NAME_COLUMN, string>> = {};
  const known: readonly string[] = [...EXPORT_COLUMNS, SUPPLIER_NAME_COLUMN];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    const expected = (eq > 0 ? part.slice(0, eq) : '').trim().toUpperCase().replace(/[\s-]+/g, '_');
    const own = eq > 0 ? part.slice(eq + 1).trim() : '';
    if (!known.includes(expected) || own === '' || own.length > 100) {
      throw userError('BAD_USER_INPUT', `--columns: ${JSON.stringify(part)} is not EXPECTED=NAME with EXPECTED one of ${known.join(', ')}`);
    }
    map[expected as ExportColumn | typeof SUPPLIER_NAME_COLUMN] = own;
  }
  if (Object.keys(map).length === 0) throw userError('BAD_USER_INPUT', `--columns: give EXPECTED=NAME pairs, e.g. LAS=SYSTEEM`);
  return map;
}
const ACTOR: Actor = { sub: 'service:oso-migration', name: 'OSO migration', role: 'SERVICE' };
const SERVICE_OF: Record<AanleverpuntKind, ServiceCode> = { OV: 'OSO_OV', SWV: 'OSO_SWV' };

export interface Rejection {
  line: number;
  field: string;
  value: string;
  reason: string;
}

export interface MigrationReport {
  dryRun: boolean;
  encoding: string;
  rows: number;
  aanleverpunten: { created: number; updated: number; unchanged: number };
  mandates: { created: number; alreadyMigrated: number };
  rejected: Rejection[];
  /** rows identical to an earlier row: taken once, not rejected */
  duplicates: { line: number; of: number }[];
  /** active points that could not become a mandate because another mandate overlaps */
  notMigrated: { brin: string; kind: AanleverpuntKind; systemId: string; reason: string }[];
  /** schools with only inactive points of a kind: they must issue the mandate themselves (board: the one holding the school today) */
  schoolsToIssueMandate: { brin: string; kind: AanleverpuntKind; board: string | null }[];
  /**
   * Mandates whose board rests on an assumption: the register knows the school only from a
   * later date (a register loaded from DUO files), so the board of its first registration was
   * taken. The same note is in each mandate's history.
   */
  assumptions: { line: number; brin: string; kind: AanleverpuntKind; board: string; startDate: string; note: string }[];
  /** Mandates created for a board that no longer holds the school: flagged for the board that holds it now. */
  flaggedForReview: { brin: string; kind: AanleverpuntKind; givenBy: string; heldBy: string }[];
  /** Suppliers the catalogue does not know, each once, with the lines naming it and the command that registers it. */
  unknownSuppliers: { oin: string; systems: string[]; lines: number[]; command: string }[];
  /** Systems a known supplier does not have (or that lack the OSO service), each once, with the command that registers it. */
  unknownSystems: { oin: string; supplier: string; system: string; reason: string; lines: number[]; command: string }[];
}

interface Row {
  line: number;
  brin: string;
  index: number;
  kind: AanleverpuntKind;
  supplierOin: string;
  systemName: string;
  active: boolean;
  connectedOn: string | null;
  /** the supplier's name, when the export has a column for it */
  supplierName: string | null;
  system?: SystemDocument;
}

function parseDate(value: string): { date: string | null; problem: string | null } {
  if (value === '') return { date: null, problem: null };
  const dutch = /^(\d{2})-(\d{2})-(\d{4})$/.exec(value);
  const iso = dutch ? `${dutch[3]}-${dutch[2]}-${dutch[1]}` : value;
  const problem = isoDateProblem(iso);
  return problem ? { date: null, problem: `${problem} (use YYYY-MM-DD or DD-MM-YYYY)` } : { date: iso, problem: null };
}

/** Checks one export row; returns the parsed row or the reasons it is rejected. */
function parseRow(line: number, v: Record<string, string>, nameColumn: string | null): Row | Rejection {
  const reject = (field: string, reason: string): Rejection => ({ line, field, value: v[field] ?? '', reason });
  const brin = v['BRIN']!.toUpperCase();
  const bp = brinProblem(brin);
  if (bp) return reject('BRIN', bp);
  const index = Number(v['AANLEVERPUNT']);
  if (!/^\d{1,2}$/.test(v['AANLEVERPUNT']!) || index < 1) return reject('AANLEVERPUNT', 'an aanleverpunt is numbered 1 to 99');
  const kind = v['SOORT']!.toUpperCase();
  if (kind !== 'OV' && kind !== 'SWV') return reject('SOORT', 'must be OV or SWV');
  const op = oinProblem(v['LEVERANCIER_OIN']!);
  if (op) return reject('LEVERANCIER_OIN', op);
  const systemName = v['LAS']!;
  if (systemName.length === 0 || systemName.length > 100) return reject('LAS', 'the system name must be 1 to 100 characters');
  const status = v['STATUS']!.toLowerCase();
  if (status !== 'actief' && status !== 'inactief') return reject('STATUS', 'must be actief or inactief');
  const { date, problem } = parseDate(v['AANSLUITDATUM']!);
  if (problem) return reject('AANSLUITDATUM', problem);
  const supplierName = nameColumn ? (v[nameColumn] ?? '').trim().replace(/\s+/g, ' ') : '';
  if (supplierName.length > 100) return reject(nameColumn!, 'the supplier name must be at most 100 characters');
  return { line, brin, index, kind, supplierOin: v['LEVERANCIER_OIN']!, systemName, active: status === 'actief', connectedOn: date, supplierName: supplierName || null };
}

export interface MigrationOptions {
  repository: Repositories;
  organisations: OrganisationsApi;
  dryRun?: boolean;
  /** called after each group of work, with done and total rows */
  progress?: (done: number, total: number) => void;
  now?: () => Date;
  /** mandates created per batch (default 500) */
  batchSize?: number;
  /** the export's own names for expected columns (parseColumnMap) */
  columns?: Partial<Record<ExportColumn | typeof SUPPLIER_NAME_COLUMN, string>>;
}

/** The mandate an earlier run migrated for the same school, service and system (the slot holds school and service). */
function sameMigratedMandate(stored: MandateDocument, candidate: MandateDocument): boolean {
  return stored.origin === 'OSO_MIGRATION' && stored.systemId === candidate.systemId;
}

export async function migrateOsoExport(bytes: Uint8Array, options: MigrationOptions): Promise<MigrationReport> {
  const { repository } = options;
  const dryRun = options.dryRun ?? false;
  const now = options.now ?? (() => new Date());
  let table;
  try {
    table = readCsvTable(bytes, EXPORT_COLUMNS, ';', { synonyms: EXPORT_SYNONYMS, columns: options.columns });
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw userError('BAD_USER_INPUT', `The export cannot be read: ${err.message}`);
    throw err;
  }
  const report: MigrationReport = {
    dryRun,
    encoding: table.encoding,
    rows: table.rows.length + table.malformed.length,
    aanleverpunten: { created: 0, updated: 0, unchanged: 0 },
    mandates: { created: 0, alreadyMigrated: 0 },
    rejected: table.malformed.map((m) => ({ line: m.line, field: '(row)', value: '', reason: m.reason })),
    duplicates: [],
    notMigrated: [],
    schoolsToIssueMandate: [],
    assumptions: [],
    flaggedForReview: [],
    unknownSuppliers: [],
    unknownSystems: [],
  };

  // 1. Each row on its own.
  const ownName = options.columns?.[SUPPLIER_NAME_COLUMN];
  const nameKeys = (ownName ? [ownName] : SUPPLIER_NAME_NAMES).map(csvColumnKey);
  const nameColumn = table.header.find((h) => nameKeys.includes(csvColumnKey(h))) ?? null;
  const rows: Row[] = [];
  const seen = new Map<string, Row>();
  for (const { line, values } of table.rows) {
    const parsed = parseRow(line, values, nameColumn);
    if (!('brin' in parsed)) {
      report.rejected.push(parsed);
      continue;
    }
    const key = `${parsed.brin}/${parsed.index}`;
    const earlier = seen.get(key);
    if (earlier) {
      const same = earlier.kind === parsed.kind && earlier.supplierOin === parsed.supplierOin && earlier.systemName === parsed.systemName && earlier.active === parsed.active && earlier.connectedOn === parsed.connectedOn;
      // An exact repeat is taken (once): it says nothing new. A differing one is a conflict.
      if (same) report.duplicates.push({ line, of: earlier.line });
      else report.rejected.push({ line, field: 'AANLEVERPUNT', value: key, reason: `aanleverpunt ${key} is also on line ${earlier.line} with other values` });
      continue;
    }
    seen.set(key, parsed);
    rows.push(parsed);
  }

  // 2. Suppliers and systems.
  const oins = [...new Set(rows.map((r) => r.supplierOin))];
  const suppliers = new Map((await repository.catalogue.findSuppliers(oins)).map((s) => [s.oin, s]));
  const systems = await repository.catalogue.findSystemsOfSuppliers(oins);
  const known: Row[] = [];
  // What the catalogue lacks, gathered so that each supplier and system is named once.
  const missingSuppliers = new Map<string, { name: string | null; systems: Map<string, Set<ServiceCode>>; lines: number[] }>();
  const missingSystems = new Map<string, { oin: string; system: string; kind: SystemKind; have: ServiceCode[]; services: Set<ServiceCode>; reason: string; lines: number[] }>();
  for (const row of rows) {
    const service = SERVICE_OF[row.kind];
    if (!suppliers.has(row.supplierOin)) {
      const entry = missingSuppliers.get(row.supplierOin) ?? { name: row.supplierName, systems: new Map<string, Set<ServiceCode>>(), lines: [] as number[] };
      entry.name ??= row.supplierName;
      const name = entry.systems.has(row.systemName) ? row.systemName : ([...entry.systems.keys()].find((n) => n.toLowerCase() === row.systemName.toLowerCase()) ?? row.systemName);
      entry.systems.set(name, (entry.systems.get(name) ?? new Set()).add(service));
      entry.lines.push(row.line);
      missingSuppliers.set(row.supplierOin, entry);
      report.rejected.push({ line: row.line, field: 'LEVERANCIER_OIN', value: row.supplierOin, reason: 'unknown supplier: register it (see unknownSuppliers)' });
      continue;
    }
    const system = systems.find((s) => s.supplierOin === row.supplierOin && s.name.toLowerCase() === row.systemName.toLowerCase());
    if (!system || !system.services.includes(service)) {
      const key = `${row.supplierOin}|${(system?.name ?? row.systemName).toLowerCase()}`;
      const reason = system ? `${system.name} does not support ${service}` : `supplier ${row.supplierOin} has no system of that name`;
      const entry = missingSystems.get(key) ?? { oin: row.supplierOin, system: system?.name ?? row.systemName, kind: system?.kind ?? 'LAS', have: system?.services ?? [], services: new Set<ServiceCode>(), reason, lines: [] };
      entry.services.add(service);
      entry.lines.push(row.line);
      missingSystems.set(key, entry);
      report.rejected.push({ line: row.line, field: 'LAS', value: row.systemName, reason: `${reason} (see unknownSystems)` });
      continue;
    }
    known.push({ ...row, system });
  }
  for (const [oin, entry] of missingSuppliers) {
    const list = [...entry.systems];
    report.unknownSuppliers.push({
      oin,
      systems: list.map(([name]) => name),
      lines: entry.lines,
      command: list.map(([name, services]) => registerCommand(oin, entry.name ?? '<supplier name>', name, [...services])).join(' && '),
    });
  }
  for (const entry of missingSystems.values()) {
    report.unknownSystems.push({
      oin: entry.oin,
      supplier: suppliers.get(entry.oin)!.name,
      system: entry.system,
      reason: entry.reason,
      lines: entry.lines,
      command: registerCommand(entry.oin, suppliers.get(entry.oin)!.name, entry.system, [...new Set([...entry.have, ...entry.services])], entry.kind),
    });
  }

  // 3. Schools in RIO, and their board on the date each mandate would start.
  const startOf = (r: Row) => (r.connectedOn && r.connectedOn > MIGRATION_DATE ? r.connectedOn : MIGRATION_DATE);
  const byDate = new Map<string, string[]>();
  for (const r of known) byDate.set(startOf(r), [...new Set([...(byDate.get(startOf(r)) ?? []), r.brin])]);
  const boardOn = new Map<string, string | null>();
  const inRio = new Set<string>();
  /** the note when the board of `brin@date` was taken from the school's first registration */
  const assumed = new Map<string, string>();
  const ended = new Map<string, string>();
  /** the board that holds each school today (absent once it has closed) */
  const holderOf = new Map<string, string>();
  for (const [date, brins] of byDate) {
    const found = await options.organisations.schoolsOn(brins, date);
    for (const [brin, school] of found) {
      inRio.add(brin);
      if (school.holder) holderOf.set(brin, school.holder);
      let board = school.boardOn;
      const first = school.firstRegistration;
      if (!board && school.endDate && school.endDate < date) ended.set(`${brin}@${date}`, school.endDate);
      else if (!board && first && first.from && first.from > date) {
        // The register knows the school only from a later date (a DUO file has no begin
        // dates) and says nothing of another board on this date: take the first board.
        board = first.board;
        assumed.set(`${brin}@${date}`, `board taken from the first registration, ${first.from}`);
      }
      boardOn.set(`${brin}@${date}`, board);
    }
  }
  const valid: Row[] = [];
  for (const row of known) {
    if (!inRio.has(row.brin)) {
      report.rejected.push({ line: row.line, field: 'BRIN', value: row.brin, reason: 'unknown BRIN: the school is not in RIO' });
      continue;
    }
    const at = `${row.brin}@${startOf(row)}`;
    if (row.active && ended.has(at)) {
      report.rejected.push({ line: row.line, field: 'BRIN', value: row.brin, reason: `the school had ended on ${ended.get(at)}, before ${startOf(row)}` });
      continue;
    }
    if (row.active && !boardOn.get(at)) {
      report.rejected.push({ line: row.line, field: 'BRIN', value: row.brin, reason: `the school was not registered in RIO on ${startOf(row)}` });
      continue;
    }
    valid.push(row);
  }
  report.rejected.sort((a, b) => a.line - b.line);

  // 4. One mandate per school + kind + system for the active points.
  const groups = new Map<string, Row[]>();
  for (const row of valid.filter((r) => r.active)) {
    const key = `${row.brin}|${row.kind}|${row.system!.id}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const mandateOf = new Map<string, string>();
  const at = now();
  const candidates: { key: string; first: Row; mandate: MandateDocument }[] = [];
  const notes = new Map<string, string>();
  /** assumptions of the mandates this run creates (one an earlier run created was reported then) */
  const pendingAssumptions = new Map<string, MigrationReport['assumptions'][number]>();
  for (const [key, group] of groups) {
    const first = group[0]!;
    const service = SERVICE_OF[first.kind];
    const startDate = group.map(startOf).sort()[0]!;
    const board = boardOn.get(`${first.brin}@${startOf(first)}`)!;
    // A random id (never derived from public data); a run again finds the mandate by what it is.
    const mandate = newMandate({ serviceCode: service, systemId: first.system!.id, brin: first.brin, boardNummer: board, startDate, endDate: null, origin: 'OSO_MIGRATION' }, ACTOR, at);
    const note = assumed.get(`${first.brin}@${startOf(first)}`);
    if (note) {
      notes.set(mandate.id, note);
      pendingAssumptions.set(mandate.id, { line: first.line, brin: first.brin, kind: first.kind, board, startDate, note });
    }
    // The board that gave the mandate no longer holds the school: the board that holds it now
    // reviews it, as a move flags any other mandate (mandates that exist are flagged by the
    // change feed's follower).
    const holder = holderOf.get(first.brin);
    if (holder && holder !== board) {
      mandate.reviewReasons.push({
        changeId: `oso-migration:${first.brin}:${board}:${holder}`,
        kind: 'SCHOOL_MOVED',
        description: `School ${first.brin} is held by board ${holder} now; this mandate was migrated as given by board ${board}, which held it on ${startDate}: board ${holder} reviews it`,
        boards: [board, holder],
        effectiveDate: startDate,
        raisedAt: at,
      });
      mandate.reviewBoards.push(holder);
    }
    candidates.push({ key, first, mandate });
  }
  const total = valid.length;
  let done = 0;
  // In chunks, so that progress shows and a crash leaves whole chunks behind.
  const batchSize = options.batchSize ?? 500;
  for (let i = 0; i < candidates.length; i += batchSize) {
    const chunk = candidates.slice(i, i + batchSize);
    const outcome = await repository.mandates.store.createMany(chunk.map((c) => c.mandate), ACTOR, at, rangesOverlap, { dryRun, notes, sameAs: sameMigratedMandate });
    const created = new Set(outcome.created);
    report.mandates.created += created.size;
    for (const id of created) {
      const assumption = pendingAssumptions.get(id);
      if (assumption) report.assumptions.push(assumption);
      const candidate = chunk.find((c) => c.mandate.id === id)!.mandate;
      const heldBy = candidate.reviewBoards[0];
      if (heldBy) report.flaggedForReview.push({ brin: candidate.brin!, kind: candidate.serviceCode === 'OSO_OV' ? 'OV' : 'SWV', givenBy: candidate.boardNummer, heldBy });
    }
    report.mandates.alreadyMigrated += outcome.existing.length;
    for (const c of chunk) {
      const stored = created.has(c.mandate.id) ? c.mandate.id : outcome.storedAs.get(c.mandate.id);
      if (stored) mandateOf.set(c.key, stored);
      done += groups.get(c.key)!.length;
    }
    for (const conflict of outcome.conflicts) {
      report.notMigrated.push({
        brin: conflict.mandate.brin!,
        kind: conflict.mandate.serviceCode === 'OSO_OV' ? 'OV' : 'SWV',
        systemId: conflict.mandate.systemId,
        reason: `overlaps mandate ${conflict.with.id} from ${conflict.with.startDate}`,
      });
    }
    options.progress?.(done, total);
  }

  // 5. Every valid point is stored, linked to its mandate when it got one.
  const existing = new Map(
    (await repository.aanleverpunten.ofSchools([...new Set(valid.map((r) => r.brin))])).map((a) => [`${a.brin}/${a.index}`, a]),
  );
  const writes: AanleverpuntDocument[] = [];
  for (const row of valid) {
    const doc: AanleverpuntDocument = {
      brin: row.brin,
      index: row.index,
      kind: row.kind,
      systemId: row.system!.id,
      active: row.active,
      mandateId: row.active ? (mandateOf.get(`${row.brin}|${row.kind}|${row.system!.id}`) ?? null) : null,
    };
    const before = existing.get(`${row.brin}/${row.index}`);
    if (!before) report.aanleverpunten.created++;
    else if (before.kind === doc.kind && before.systemId === doc.systemId && before.active === doc.active && before.mandateId === doc.mandateId) {
      report.aanleverpunten.unchanged++;
      continue;
    } else report.aanleverpunten.updated++;
    writes.push(doc);
  }
  if (!dryRun && writes.length) {
    // coverage counts inactive aanleverpunten: the repository tells the kept figures
    await repository.aanleverpunten.replaceMany(writes);
  }
  options.progress?.(total, total);

  // 6. Schools with only inactive points of a kind must issue the mandate themselves.
  const activeKinds = new Set(valid.filter((r) => r.active).map((r) => `${r.brin}|${r.kind}`));
  const listed = new Set<string>();
  for (const row of valid.filter((r) => !r.active)) {
    const key = `${row.brin}|${row.kind}`;
    if (activeKinds.has(key) || listed.has(key)) continue;
    listed.add(key);
    // the board that holds the school today; for a closed school the board of its points' date
    report.schoolsToIssueMandate.push({ brin: row.brin, kind: row.kind, board: holderOf.get(row.brin) ?? boardOn.get(`${row.brin}@${startOf(row)}`) ?? null });
  }
  report.assumptions.sort((a, b) => a.line - b.line || a.kind.localeCompare(b.kind));
  report.schoolsToIssueMandate.sort((a, b) => a.brin.localeCompare(b.brin) || a.kind.localeCompare(b.kind));
  return report;
}

/** The command line that puts one system of a supplier into the catalogue (osr suppliers import, ./commands/suppliers-import.ts). */
export function registerCommand(oin: string, supplierName: string, systemName: string, services: readonly ServiceCode[], kind: SystemKind = 'LAS'): string {
  const quote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
  return `npx osr suppliers import --oin ${oin} --supplier ${quote(supplierName)} --system ${quote(systemName)} --kind ${kind} --services ${[...services].sort().join(',')}`;
}
