/**
 * Delimited text files as the registers publish them (DUO open data, Mijn OSO exports):
 * a header row, `;` (or another) delimiter, fields optionally quoted with "" as an escaped
 * quote, UTF-8 or Windows-1252. Every record keeps its line number for error reports.
 */

export type TextEncodingName = 'utf-8' | 'windows-1252';

/**
 * Windows-1252 bytes 0x80-0x9F, where it differs from Latin-1. Node's TextDecoder decodes
 * "windows-1252" as Latin-1 in some builds (0x80 becomes U+0080, not €), so these are mapped
 * here; 0x81, 0x8D, 0x8F, 0x90 and 0x9D are unassigned and stay as they are.
 */
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ';

function decodeWindows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('latin1')
    .replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!);
}

/** Decodes bytes: UTF-8 (BOM dropped) when they are valid UTF-8, otherwise Windows-1252. */
export function decodeText(bytes: Uint8Array): { text: string; encoding: TextEncodingName } {
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  const body = bytes.subarray(start);
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(body), encoding: 'utf-8' };
  } catch {
    return { text: decodeWindows1252(body), encoding: 'windows-1252' };
  }
}

export interface CsvRecord {
  /** 1-based line number where the record starts */
  line: number;
  fields: string[];
}

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/** Splits text into records; quoted fields may hold the delimiter, quotes ("") and newlines. */
export function parseDelimited(text: string, delimiter = ';'): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let fieldStarted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
    } else if (c === delimiter) {
      fields.push(field);
      field = '';
      fieldStarted = false;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      fields.push(field);
      if (!(fields.length === 1 && fields[0] === '')) records.push({ line: recordLine, fields });
      fields = [];
      field = '';
      fieldStarted = false;
      line++;
      recordLine = line;
    } else {
      field += c;
      fieldStarted = true;
    }
  }
  if (quoted) throw new CsvSyntaxError(recordLine, 'a quoted field is not closed (truncated file?)');
  fields.push(field);
  if (!(fields.length === 1 && fields[0] === '')) records.push({ line: recordLine, fields });
  return records;
}

export interface CsvTable {
  encoding: TextEncodingName;
  header: string[];
  /** rows keyed by the wanted column names (upper-case, trimmed) */
  rows: { line: number; values: Record<string, string> }[];
  /** records whose field count differs from the header */
  malformed: { line: number; reason: string }[];
}

/** A column name as compared: upper case, without a byte order mark, spaces, hyphens and underscores. */
export function csvColumnKey(name: string): string {
  return name.replace(/^\uFEFF/, '').toUpperCase().replace(/[\s_-]+/g, '');
}

export interface CsvColumnOptions {
  /** Other names a required column may have in a file (e.g. SYSTEEM for LAS), compared as csvColumnKey does. */
  synonyms?: Readonly<Record<string, readonly string[]>>;
  /** The file's own name for a required column, given by the person running the import (wins over synonyms). */
  columns?: Readonly<Record<string, string>>;
}

/**
 * Reads a delimited file with a header row and checks that the required columns are there.
 * Column names are matched without regard to case, spaces, hyphens and underscores
 * (`LEVERANCIER OIN` = `leverancier-oin`), and through the synonyms and the caller's own
 * names. Rows are keyed by the required names (upper-case) and by the file's own (trimmed,
 * upper-case). Throws CsvSyntaxError for a file that is not such a table at all (no header,
 * wrong delimiter, missing columns, binary data); a missing column is named beside the
 * columns the file has.
 */
export function readCsvTable(bytes: Uint8Array, required: readonly string[], delimiter = ';', options: CsvColumnOptions = {}): CsvTable {
  const { text, encoding } = decodeText(bytes);
  if (text.includes('\u0000')) throw new CsvSyntaxError(1, 'the file holds binary data, not text');
  const records = parseDelimited(text, delimiter);
  const headerRecord = records[0];
  if (!headerRecord) throw new CsvSyntaxError(1, 'the file is empty');
  const header = headerRecord.fields.map((h) => h.trim().toUpperCase());
  if (header.length === 1 && required.length > 1) {
    throw new CsvSyntaxError(1, `expected columns separated by "${delimiter}"; found one column: ${JSON.stringify(headerRecord.fields[0]!.slice(0, 80))}`);
  }
  const keys = header.map(csvColumnKey);
  const position = new Map<string, number>();
  const missing: string[] = [];
  for (const name of required) {
    const own = options.columns?.[name];
    const names = own !== undefined ? [own] : [name, ...(options.synonyms?.[name] ?? [])];
    const at = names.map((n) => keys.indexOf(csvColumnKey(n))).find((i) => i >= 0);
    if (at === undefined) missing.push(own !== undefined ? `${name} (given as ${own})` : name);
    else position.set(name.toUpperCase(), at);
  }
  if (missing.length) {
    const found = headerRecord.fields.map((h) => h.trim()).filter(Boolean);
    throw new CsvSyntaxError(1, `missing column(s): ${missing.join(', ')}; the file has ${found.length ? found.join(', ') : 'no named columns'}; expected ${required.join(', ')}`);
  }
  const rows: CsvTable['rows'] = [];
  const malformed: CsvTable['malformed'] = [];
  for (const record of records.slice(1)) {
    if (record.fields.length !== header.length) {
      malformed.push({ line: record.line, reason: `has ${record.fields.length} fields, the header has ${header.length}` });
      continue;
    }
    const values: Record<string, string> = {};
    header.forEach((name, i) => (values[name] = record.fields[i]!.trim()));
    for (const [name, i] of position) values[name] = record.fields[i]!.trim();
    rows.push({ line: record.line, values });
  }
  return { encoding, header, rows, malformed };
}
