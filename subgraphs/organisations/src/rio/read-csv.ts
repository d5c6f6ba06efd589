/**
 * Reads a DUO open-data style CSV file: `;`-separated, a header row, one row per vestiging
 * carrying its school, board and samenwerkingsverband. Or DUO's two files as published per
 * sector: a boards file (besturen) and a (hoofd)vestigingen file naming each board by number,
 * with the sector given by the caller and the kind code taken from ONDERWIJSSTRUCTUUR.
 * Columns are matched by name without regard to case, spaces, hyphens and underscores
 * (`KVK-NUMMER` = `KVK NUMMER` = `kvk_nummer`); other columns are ignored. See
 * docs/rio.md for the columns.
 */
import { todayInNetherlands } from '@osr/common';
import type { Sector } from '../documents.js';
import { RecordCheck } from './fields.js';
import { ImportFileError } from './read-json.js';
import { emptySnapshot, type KnownKeys, type Snapshot, type SourceBoard, type SourceSchool, type SourceSwv } from './source.js';
import { CsvSyntaxError, parseCsv } from './text.js';

export const CSV_COLUMNS = {
  boardNummer: 'BEVOEGD GEZAG NUMMER',
  boardName: 'BEVOEGD GEZAG NAAM',
  rioCode: 'ONDERWIJSBESTUURCODE',
  kvk: 'KVK NUMMER',
  rsin: 'RSIN',
  boardStart: 'BEVOEGD GEZAG BEGINDATUM',
  boardEnd: 'BEVOEGD GEZAG EINDDATUM',
  brin: 'INSTELLINGSCODE',
  schoolName: 'INSTELLINGSNAAM',
  sector: 'SECTOR',
  kind: 'SOORT',
  schoolStart: 'INSTELLING BEGINDATUM',
  schoolEnd: 'INSTELLING EINDDATUM',
  boardSince: 'BESTUUR BEGINDATUM',
  vestiging: 'VESTIGINGSNUMMER',
  vestigingName: 'VESTIGINGSNAAM',
  street: 'STRAATNAAM',
  houseNumber: 'HUISNUMMER-TOEVOEGING',
  postcode: 'POSTCODE',
  city: 'PLAATSNAAM',
  municipality: 'GEMEENTENAAM',
  vestigingEnd: 'VESTIGING EINDDATUM',
  swv: 'SAMENWERKINGSVERBAND',
  swvName: 'SAMENWERKINGSVERBAND NAAM',
  structure: 'ONDERWIJSSTRUCTUUR',
} as const;
type Column = keyof typeof CSV_COLUMNS;
/** Without VESTIGINGSNUMMER (DUO's hoofdvestigingen files) each row is the school's main vestiging, BRIN + 00. */
const REQUIRED: Column[] = ['boardNummer', 'brin', 'schoolName'];
const BOARD_COLUMNS: Column[] = ['boardNummer', 'boardName', 'rioCode', 'kvk', 'rsin', 'boardStart', 'boardEnd'];

/** A column name as compared: upper case, without spaces, hyphens and underscores. */
export function columnKey(name: string): string {
  return name.replace(/^\uFEFF/, '').toUpperCase().replace(/[\s_-]+/g, '');
}

/** Kind codes for the education structures DUO's files name in ONDERWIJSSTRUCTUUR. */
const STRUCTURE_KINDS: Record<string, string> = {
  BAS: 'BAS',
  BO: 'BAS',
  SBAS: 'SBAS',
  SBO: 'SBAS',
  SO: 'SPEC',
  VSO: 'SPEC',
  SPEC: 'SPEC',
  VWO: 'VOS',
  HAVO: 'VOS',
  VMBO: 'VOS',
  MAVO: 'VOS',
  VBO: 'VOS',
  PRO: 'VOS',
  VOS: 'VOS',
};

/**
 * The kind code for an ONDERWIJSSTRUCTUUR value such as `BAS`, `SBO`, `SO/VSO` or
 * `VWO/HAVO/VMBO`: every structure named must map to the same kind; null when one is unknown
 * or they differ.
 */
export function kindFromStructure(value: string): string | null {
  const parts = value.toUpperCase().split(/[^A-Z]+/).filter(Boolean);
  const kinds = new Set(parts.map((p) => STRUCTURE_KINDS[p] ?? null));
  if (kinds.size !== 1 || kinds.has(null)) return null;
  return [...kinds][0]!;
}

export interface CsvReadOptions {
  syncedAt: Date;
  referenceDate?: string;
  /** The sector of every school, for a file without a SECTOR column (DUO's per-sector files). */
  sector?: Sector;
  /** DUO's boards file (besturen), for a vestigingen file that names boards by number only. */
  boards?: { name: string; text: string };
  /** Names the records "<name> line N" instead of "line N" (the two-file form). */
  name?: string;
}

function headerIndex(fields: string[]): Map<string, number> {
  const index = new Map<string, number>();
  fields.forEach((name, i) => {
    const key = columnKey(name);
    if (!index.has(key)) index.set(key, i);
  });
  return index;
}

function parseTable(text: string, what: string) {
  let rows;
  try {
    rows = parseCsv(text, ';');
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw new ImportFileError(`${what} cannot be read: ${err.message}`);
    throw err;
  }
  const header = rows.shift();
  if (!header) throw new ImportFileError(`${what} is empty (a header row is required)`);
  return { header, rows, index: headerIndex(header.fields) };
}

/** DUO's boards file: one board per row; the first row of a number wins, a differing repeat is rejected. */
function readBoardsFile(file: { name: string; text: string }, snap: Snapshot): void {
  const { header, rows, index } = parseTable(file.text, `the boards file ${file.name}`);
  const missing = (['boardNummer', 'boardName'] as Column[]).filter((c) => !index.has(columnKey(CSV_COLUMNS[c])));
  if (missing.length) {
    throw new ImportFileError(`the boards file ${file.name} lacks the column(s) ${missing.map((c) => CSV_COLUMNS[c]).join(', ')} (is it ;-separated?)`);
  }
  for (const row of rows) {
    snap.recordsRead++;
    const check = new RecordCheck(`${file.name} line ${row.line}`);
    const get = (c: Column) => {
      const i = index.get(columnKey(CSV_COLUMNS[c]));
      return i === undefined ? undefined : row.fields[i];
    };
    if (row.fields.length !== header.fields.length) {
      check.fail('(row)', row.fields.length, `has ${row.fields.length} fields where the header has ${header.fields.length}`);
      snap.rejections.push(...check.problems);
      continue;
    }
    const nummer = check.bevoegdGezagNummer(CSV_COLUMNS.boardNummer, get('boardNummer'));
    const board: SourceBoard = {
      record: check.record,
      bevoegdGezagNummer: nummer ?? '',
      rioCode: check.rioCode(CSV_COLUMNS.rioCode, get('rioCode')),
      name: check.text(CSV_COLUMNS.boardName, get('boardName'), true) ?? '',
      kvkNummer: check.kvkNummer(CSV_COLUMNS.kvk, get('kvk')),
      rsin: check.rsin(CSV_COLUMNS.rsin, get('rsin')),
      startDate: check.date(CSV_COLUMNS.boardStart, get('boardStart')),
      endDate: check.date(CSV_COLUMNS.boardEnd, get('boardEnd')),
    };
    check.period(CSV_COLUMNS.boardEnd, board.startDate, board.endDate);
    if (!check.ok || !nummer) {
      if (nummer) snap.protectedKeys.boards.add(nummer);
      snap.rejections.push(...check.problems);
      continue;
    }
    const first = snap.boards.get(nummer);
    if (first) {
      const differs = BOARD_FIELDS.find(([f]) => first[f] !== board[f]);
      if (differs) {
        snap.rejections.push({ record: check.record, field: CSV_COLUMNS[differs[1]], value: board[differs[0]], reason: `differs from ${first.record} for the same ${CSV_COLUMNS.boardNummer}` });
      }
      continue;
    }
    snap.boards.set(nummer, board);
  }
}

/** The fields of a school that every row of that school must repeat identically. */
const SCHOOL_FIELDS: [keyof SourceSchool, Column][] = [
  ['name', 'schoolName'],
  ['sector', 'sector'],
  ['kindCode', 'kind'],
  ['boardNummer', 'boardNummer'],
  ['boardSince', 'boardSince'],
  ['startDate', 'schoolStart'],
  ['endDate', 'schoolEnd'],
];
const BOARD_FIELDS: [keyof SourceBoard, Column][] = [
  ['name', 'boardName'],
  ['rioCode', 'rioCode'],
  ['kvkNummer', 'kvk'],
  ['rsin', 'rsin'],
  ['startDate', 'boardStart'],
  ['endDate', 'boardEnd'],
];

export function readCsv(text: string, known: KnownKeys, options: CsvReadOptions): Snapshot {
  const { header, rows, index } = parseTable(text, options.name ? `the file ${options.name}` : 'the CSV file');
  const has = (c: Column) => index.has(columnKey(CSV_COLUMNS[c]));
  const missing: string[] = REQUIRED.filter((c) => !has(c)).map((c) => CSV_COLUMNS[c]);
  if (!has('sector') && !options.sector) missing.push(`${CSV_COLUMNS.sector} (or give the sector: --sector PO)`);
  if (!has('kind') && !has('structure')) missing.push(`${CSV_COLUMNS.kind} or ${CSV_COLUMNS.structure}`);
  if (missing.length) {
    throw new ImportFileError(`the CSV header${options.name ? ` of ${options.name}` : ''} lacks the column(s) ${missing.join(', ')} (is it ;-separated?)`);
  }
  const snap = emptySnapshot('csv', options.syncedAt, options.referenceDate ?? todayInNetherlands(options.syncedAt));
  if (options.sector && !has('sector')) snap.sectorScope = options.sector;
  if (options.boards) readBoardsFile(options.boards, snap);
  // With a boards file, board fields come from it; the vestigingen file's own are ignored.
  const fromBoardsFile = new Set<Column>(options.boards ? BOARD_COLUMNS.filter((c) => c !== 'boardNummer') : []);

  interface Row {
    record: string;
    /** the row's fields as read, to tell an exact duplicate from a conflicting row */
    raw: string;
    board: SourceBoard | null;
    boardNummer: string;
    school: SourceSchool;
    swv: SourceSwv | null;
  }
  const valid: Row[] = [];
  /** Without VESTIGINGSNAAM, INSTELLINGSNAAM names each row's location (nameSchoolsAfterMainLocation). */
  const namesLocations = !has('vestigingName');
  const protect = (check: RecordCheck, keys: { board?: string | null; brin?: string | null; vestiging?: string | null; swv?: string | null }) => {
    if (keys.board) snap.protectedKeys.boards.add(keys.board);
    if (keys.brin) snap.protectedKeys.schools.add(keys.brin);
    if (keys.vestiging) snap.protectedKeys.vestigingen.add(keys.vestiging);
    if (keys.swv) snap.protectedKeys.swvs.add(keys.swv);
    snap.rejections.push(...check.problems);
  };

  // 1. Each row on its own.
  for (const row of rows) {
    snap.recordsRead++;
    const check = new RecordCheck(options.name ? `${options.name} line ${row.line}` : `line ${row.line}`);
    const get = (c: Column) => {
      if (fromBoardsFile.has(c)) return undefined;
      const i = index.get(columnKey(CSV_COLUMNS[c]));
      return i === undefined ? undefined : row.fields[i];
    };
    if (row.fields.length !== header.fields.length) {
      check.fail('(row)', row.fields.length, `has ${row.fields.length} fields where the header has ${header.fields.length}`);
      protect(check, {});
      continue;
    }
    const boardNummer = check.bevoegdGezagNummer(CSV_COLUMNS.boardNummer, get('boardNummer'));
    const boardName = check.text(CSV_COLUMNS.boardName, get('boardName'), false);
    const board: SourceBoard | null = boardName
      ? {
          record: check.record,
          bevoegdGezagNummer: boardNummer ?? '',
          rioCode: check.rioCode(CSV_COLUMNS.rioCode, get('rioCode')),
          name: boardName,
          kvkNummer: check.kvkNummer(CSV_COLUMNS.kvk, get('kvk')),
          rsin: check.rsin(CSV_COLUMNS.rsin, get('rsin')),
          startDate: check.date(CSV_COLUMNS.boardStart, get('boardStart')),
          endDate: check.date(CSV_COLUMNS.boardEnd, get('boardEnd')),
        }
      : null;
    if (board) check.period(CSV_COLUMNS.boardEnd, board.startDate, board.endDate);
    const brin = check.brin(CSV_COLUMNS.brin, get('brin'));
    const vestigingsnummer = has('vestiging') ? check.vestigingsnummer(CSV_COLUMNS.vestiging, get('vestiging')) : brin && `${brin}00`;
    if (brin && vestigingsnummer && !vestigingsnummer.startsWith(brin)) {
      check.fail(CSV_COLUMNS.vestiging, vestigingsnummer, `does not start with the INSTELLINGSCODE ${brin}`);
    }
    const schoolName = check.text(CSV_COLUMNS.schoolName, get('schoolName'), true);
    const sector = has('sector') ? check.sector(CSV_COLUMNS.sector, get('sector')) : options.sector!;
    const kindCode = has('kind') ? check.kindCode(CSV_COLUMNS.kind, get('kind')) : structureKind(check, get('structure'));
    const startDate = check.date(CSV_COLUMNS.schoolStart, get('schoolStart'));
    const endDate = check.date(CSV_COLUMNS.schoolEnd, get('schoolEnd'));
    check.period(CSV_COLUMNS.schoolEnd, startDate, endDate);
    const boardSince = check.date(CSV_COLUMNS.boardSince, get('boardSince'));
    const swvCode = check.swvCode(CSV_COLUMNS.swv, get('swv'), false);
    const swvName = check.text(CSV_COLUMNS.swvName, get('swvName'), false);
    const address = {
      street: check.text(CSV_COLUMNS.street, get('street'), false),
      houseNumber: check.text(CSV_COLUMNS.houseNumber, get('houseNumber'), false),
      postcode: check.postcode(CSV_COLUMNS.postcode, get('postcode')),
      city: check.text(CSV_COLUMNS.city, get('city'), false),
    };
    const vestigingName = check.text(CSV_COLUMNS.vestigingName, get('vestigingName'), false) ?? schoolName;
    const municipality = check.text(CSV_COLUMNS.municipality, get('municipality'), false);
    const vestigingEnd = check.date(CSV_COLUMNS.vestigingEnd, get('vestigingEnd'));
    if (!check.ok || !boardNummer || !brin || !vestigingsnummer || !schoolName || !sector || !kindCode || !vestigingName) {
      protect(check, { board: boardNummer, brin, vestiging: vestigingsnummer, swv: swvCode });
      continue;
    }
    const hasAddress = Object.values(address).some((v) => v !== null);
    valid.push({
      record: check.record,
      raw: row.fields.join('\u0000'),
      board,
      boardNummer,
      swv: swvCode && swvName ? { record: check.record, code: swvCode, name: swvName, sector: swvCode.slice(0, 2) as 'PO' | 'VO' } : null,
      school: {
        record: check.record,
        brin,
        name: schoolName,
        sector,
        kindCode,
        boardNummer,
        boardSince,
        swvCodes: swvCode ? [swvCode] : [],
        startDate,
        endDate,
        vestigingen: [
          {
            record: check.record,
            vestigingsnummer,
            name: vestigingName,
            address: hasAddress ? address : null,
            municipality,
            endDate: vestigingEnd,
          },
        ],
      },
    });
  }

  // 2. Rows together: the first row that defines a board, SWV or school wins; a later row
  // must agree with it, else it is rejected whole (it writes nothing at all). A row that only
  // names its board (no BEVOEGD GEZAG NAAM) waits until every defining row has been seen.
  const rejectRow = (row: Row, field: string, value: unknown, reason: string) => {
    snap.rejections.push({ record: row.record, field, value, reason });
    snap.protectedKeys.schools.add(row.school.brin);
    snap.protectedKeys.vestigingen.add(row.school.vestigingen[0]!.vestigingsnummer);
    snap.protectedKeys.boards.add(row.boardNummer);
    for (const c of row.school.swvCodes) snap.protectedKeys.swvs.add(c);
  };
  const conflictOf = (row: Row): { field: string; value: unknown; reason: string } | null => {
    if (row.board) {
      const first = snap.boards.get(row.boardNummer);
      const differs = first && BOARD_FIELDS.find(([f]) => first[f] !== row.board![f]);
      if (first && differs) {
        return { field: CSV_COLUMNS[differs[1]], value: row.board[differs[0]], reason: `differs from ${first.record} for the same ${CSV_COLUMNS.boardNummer}` };
      }
    } else if (!snap.boards.has(row.boardNummer) && !known.boards.has(row.boardNummer)) {
      const reason = options.boards
        ? `unknown board: not in the boards file ${options.boards.name} and not in the register`
        : `unknown board: no row gives its ${CSV_COLUMNS.boardName} and it is not in the register`;
      return { field: CSV_COLUMNS.boardNummer, value: row.boardNummer, reason };
    }
    const swvCode = row.school.swvCodes[0];
    if (row.swv) {
      const first = snap.swvs.get(row.swv.code);
      if (first && first.name !== row.swv.name) {
        return { field: CSV_COLUMNS.swvName, value: row.swv.name, reason: `differs from ${first.record} for the same ${CSV_COLUMNS.swv}` };
      }
    } else if (swvCode && !snap.swvs.has(swvCode) && !known.swvs.has(swvCode)) {
      return { field: CSV_COLUMNS.swv, value: swvCode, reason: `unknown samenwerkingsverband: no row gives its ${CSV_COLUMNS.swvName} and it is not in the register` };
    }
    const first = snap.schools.get(row.school.brin);
    if (first) {
      const differs = SCHOOL_FIELDS.find(([f]) => first[f] !== row.school[f] && !(f === 'name' && namesLocations));
      if (differs) {
        return { field: CSV_COLUMNS[differs[1]], value: row.school[differs[0]], reason: `differs from ${first.record} for the same ${CSV_COLUMNS.brin}` };
      }
      if (first.swvCodes.join() !== row.school.swvCodes.join()) {
        return { field: CSV_COLUMNS.swv, value: swvCode ?? null, reason: `differs from ${first.record} for the same ${CSV_COLUMNS.brin}` };
      }
      const nummer = row.school.vestigingen[0]!.vestigingsnummer;
      const same = first.vestigingen.find((v) => v.vestigingsnummer === nummer);
      if (same) return { field: CSV_COLUMNS.vestiging, value: nummer, reason: `${same.record} has the same ${CSV_COLUMNS.vestiging} with other values` };
    }
    return null;
  };
  /** the first row taken of each exact row text: a repeat is a duplicate, taken once */
  const taken = new Map<string, string>();
  const accept = (row: Row) => {
    const earlier = taken.get(row.raw);
    if (earlier) {
      snap.duplicates.push({ record: row.record, of: earlier });
      return;
    }
    const conflict = conflictOf(row);
    if (conflict) return rejectRow(row, conflict.field, conflict.value, conflict.reason);
    if (row.board && !snap.boards.has(row.boardNummer)) snap.boards.set(row.boardNummer, row.board);
    if (row.swv && !snap.swvs.has(row.swv.code)) snap.swvs.set(row.swv.code, row.swv);
    taken.set(row.raw, row.record);
    const first = snap.schools.get(row.school.brin);
    if (first) first.vestigingen.push(row.school.vestigingen[0]!);
    else snap.schools.set(row.school.brin, { ...row.school, vestigingen: [...row.school.vestigingen] });
  };
  const waiting: Row[] = [];
  for (const row of valid) {
    if (!row.board && !snap.boards.has(row.boardNummer) && !known.boards.has(row.boardNummer)) waiting.push(row);
    else accept(row);
  }
  for (const row of waiting) accept(row);
  if (namesLocations) nameSchoolsAfterMainLocation(snap);
  return snap;
}

/**
 * A file without VESTIGINGSNAAM (DUO's vestigingen files of some years) names each location
 * in INSTELLINGSNAAM: every location keeps its row's name and the school takes the name of
 * its main location (BRIN + 00, else the lowest number). Said in the report as a notice.
 */
function nameSchoolsAfterMainLocation(snap: Snapshot): void {
  for (const school of snap.schools.values()) {
    const names = new Set(school.vestigingen.map((v) => v.name));
    if (names.size < 2) continue;
    const sorted = [...school.vestigingen].sort((a, b) => a.vestigingsnummer.localeCompare(b.vestigingsnummer));
    const main = sorted.find((v) => v.vestigingsnummer === `${school.brin}00`) ?? sorted[0]!;
    school.name = main.name;
    snap.notices.push(
      `school ${school.brin}: the file has no ${CSV_COLUMNS.vestigingName} and its ${school.vestigingen.length} locations have different ${CSV_COLUMNS.schoolName}s; ` +
        `each location keeps its own, the school is named after its main location ${main.vestigingsnummer} (${main.name})`,
    );
  }
}

/** The kind code from ONDERWIJSSTRUCTUUR (a file without SOORT), or a rejection. */
function structureKind(check: RecordCheck, value: string | undefined): string | null {
  const text = check.text(CSV_COLUMNS.structure, value, true);
  if (text === null) return null;
  const kind = kindFromStructure(text);
  if (!kind) {
    check.fail(CSV_COLUMNS.structure, value, `no kind code is known for this structure (known: ${Object.keys(STRUCTURE_KINDS).join(', ')}; several joined by / must share one kind)`);
    return null;
  }
  return kind;
}
