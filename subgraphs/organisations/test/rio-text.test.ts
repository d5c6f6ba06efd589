import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, decodeText, parseCsv } from '../src/rio/text.js';

describe('reading CSV text', () => {
  it('splits on ; with quoted fields holding ;, "" and line breaks; CRLF and LF; empty lines skipped', () => {
    const rows = parseCsv('A;B;C\r\n1;"x; ""y""";\n\n2;"two\nlines";z\n');
    expect(rows).toEqual([
      { line: 1, fields: ['A', 'B', 'C'] },
      { line: 2, fields: ['1', 'x; "y"', ''] },
      { line: 4, fields: ['2', 'two\nlines', 'z'] },
    ]);
  });

  it('refuses an unclosed quote and text after a closing quote, naming the line', () => {
    expect(() => parseCsv('A;B\n1;"open\n')).toThrow(new CsvSyntaxError(2, 'a quoted field is not closed'));
    expect(() => parseCsv('A;B\n1;"x"y\n')).toThrow(new CsvSyntaxError(2, 'unexpected "y" after a closing quote'));
  });

  it('reads valid UTF-8 as UTF-8 (dropping a BOM) and anything else as Windows-1252', () => {
    expect(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, 0xc3, 0x89, 0xc3, 0xa9, 0x6e]))).toEqual({ text: 'Één', encoding: 'utf-8' });
    // É é n Ø in Windows-1252, and the euro sign (0x80), which Latin-1 lacks
    expect(decodeText(new Uint8Array([0xc9, 0xe9, 0x6e, 0x20, 0xd8, 0x20, 0x80]))).toEqual({ text: 'Één Ø €', encoding: 'windows-1252' });
  });
});
