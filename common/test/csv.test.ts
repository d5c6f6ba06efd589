import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, decodeText, parseDelimited, readCsvTable } from '../src/index.js';

describe('delimited files', () => {
  it('reads UTF-8 (with or without BOM) and falls back to Windows-1252', () => {
    expect(decodeText(new TextEncoder().encode('Één;Ø'))).toEqual({ text: 'Één;Ø', encoding: 'utf-8' });
    expect(decodeText(Uint8Array.from([0xef, 0xbb, 0xbf, 0x41]))).toEqual({ text: 'A', encoding: 'utf-8' });
    // "Één Ø" in Windows-1252: É = 0xC9, é = 0xE9, Ø = 0xD8
    expect(decodeText(Uint8Array.from([0xc9, 0xe9, 0x6e, 0x20, 0xd8]))).toEqual({ text: 'Één Ø', encoding: 'windows-1252' });
    // 0x80-0x9F differ from Latin-1: € and curly quotes
    expect(decodeText(Uint8Array.from([0x80, 0x20, 0x93, 0x61, 0x94, 0xc9]))).toEqual({ text: '€ “a”É', encoding: 'windows-1252' });
  });

  it('parses quoted fields holding the delimiter, quotes and newlines, with the line each record starts on', () => {
    expect(parseDelimited('a;b\r\n"x;y";"say ""hi"""\n"multi\nline";z\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x;y', 'say "hi"'] },
      { line: 3, fields: ['multi\nline', 'z'] },
    ]);
  });

  it('reports a truncated quoted field, a wrong delimiter, missing columns and binary data', () => {
    expect(() => parseDelimited('a;b\n"open;x\n')).toThrow(CsvSyntaxError);
    expect(() => readCsvTable(new TextEncoder().encode('A,B\n1,2\n'), ['A', 'B'])).toThrow(/separated by ";"/);
    expect(() => readCsvTable(new TextEncoder().encode('A;C\n1;2\n'), ['A', 'B'])).toThrow('line 1: missing column(s): B');
    expect(() => readCsvTable(Uint8Array.from([0x41, 0x00, 0x42]), ['A'])).toThrow(/binary/);
  });

  it('maps rows by header name and sets aside rows with the wrong field count', () => {
    const table = readCsvTable(new TextEncoder().encode(' brin ;Naam\n25BE;De Ster\n31EW\n'), ['BRIN', 'NAAM']);
    expect(table.rows).toEqual([{ line: 2, values: { BRIN: '25BE', NAAM: 'De Ster' } }]);
    expect(table.malformed).toEqual([{ line: 3, reason: 'has 1 fields, the header has 2' }]);
  });
});
