/**
 * CSV for auditors: RFC 4180 quoting and spreadsheet formula neutralisation, nothing else changed.
 */
import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../../../functions/domain/csv';

describe('csvCell', () => {
  it('leaves plain values alone and quotes what needs quoting', () => {
    expect(csvCell('select 1')).toBe('select 1');
    expect(csvCell(42)).toBe('42');
    expect(csvCell(true)).toBe('true');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(null)).toBe('');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(' padded ')).toBe('" padded "');
  });

  it('neutralises cells a spreadsheet would evaluate', () => {
    for (const text of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx']) expect(csvCell(text).replace(/^"/, '')).toMatch(/^'/);
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
  });

  it('joins lists of scalars and encodes anything else as canonical JSON', () => {
    expect(csvCell(['dba', 'sre'])).toBe('dba; sre');
    expect(csvCell([{ b: 1, a: 2 }])).toBe('"[{""a"":2,""b"":1}]"');
  });
});

describe('toCsv', () => {
  it('writes a header and rows with CRLF line ends', () => {
    expect(toCsv(['a', 'b'], [[1, 'x'], [2, 'y,z']])).toBe('a,b\r\n1,x\r\n2,"y,z"\r\n');
  });
});
