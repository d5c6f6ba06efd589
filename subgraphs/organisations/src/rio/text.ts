/**
 * Bytes to text (common's decodeText: valid UTF-8 as UTF-8, anything else as Windows-1252, a
 * BOM dropped), and `;`-separated text to rows.
 */

import type { TextEncodingName } from '@osr/common';

/** Decoding is shared with the other imports (common/src/csv.ts). */
export { decodeText } from '@osr/common';
export type Encoding = TextEncodingName;

export interface CsvRow {
  /** 1-based line number where the row starts */
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

/**
 * Parses delimiter-separated text: fields may be quoted with "..." (then they may hold the
 * delimiter, line breaks and "" for a quote). Empty lines are skipped.
 */
export function parseCsv(text: string, delimiter = ';'): CsvRow[] {
  const rows: CsvRow[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  let line = 1;
  let rowLine = 1;
  let i = 0;
  const endField = () => {
    fields.push(field);
    field = '';
    fieldStarted = false;
  };
  const endRow = () => {
    endField();
    if (!(fields.length === 1 && fields[0] === '')) rows.push({ line: rowLine, fields });
    fields = [];
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        const next = text[i];
        if (next !== undefined && next !== delimiter && next !== '\n' && next !== '\r') {
          throw new CsvSyntaxError(line, `unexpected ${JSON.stringify(next)} after a closing quote`);
        }
        continue;
      }
      if (ch === '\n') line++;
      field += ch;
      i++;
      continue;
    }
    if (ch === '"' && !fieldStarted && field === '') {
      quoted = true;
      fieldStarted = true;
      i++;
      continue;
    }
    if (ch === delimiter) {
      endField();
      i++;
      continue;
    }
    if (ch === '\r' || ch === '\n') {
      endRow();
      if (ch === '\r' && text[i + 1] === '\n') i++;
      i++;
      line++;
      rowLine = line;
      continue;
    }
    field += ch;
    fieldStarted = true;
    i++;
  }
  if (quoted) throw new CsvSyntaxError(rowLine, 'a quoted field is not closed');
  if (field !== '' || fields.length) endRow();
  return rows;
}
