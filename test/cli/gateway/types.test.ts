/**
 * The gateway's type mapping: bound values to Data API parameters (declared and inferred types,
 * binary and text), result columns to OIDs and wire values, and Data API errors to SQLSTATEs.
 */
import { describe, expect, it } from 'vitest';
import { bindParameters, describeColumns, encodeRow, textValue, typeOid } from '../../../cli/gateway/types';
import { databaseError } from '../../../cli/gateway/governor';

const text = (value: string) => Buffer.from(value, 'utf8');

describe('bindParameters', () => {
  it('infers untyped text values (the pg driver declares none) without changing their text', () => {
    const bound = bindParameters([text('42'), text('1.50'), text('true'), text('007'), text('-0'), text('hello'), null, text('9007199254740993')], [], []);
    expect(bound.map((b) => b.parameter)).toEqual([
      { name: 'p1', value: { longValue: 42 } },
      { name: 'p2', value: { stringValue: '1.50' }, typeHint: 'DECIMAL' },
      { name: 'p3', value: { booleanValue: true } },
      { name: 'p4', value: { stringValue: '007' } },
      { name: 'p5', value: { stringValue: '-0' } },
      { name: 'p6', value: { stringValue: 'hello' } },
      { name: 'p7', value: { isNull: true } },
      { name: 'p8', value: { stringValue: '9007199254740993' }, typeHint: 'DECIMAL' },
    ]);
    expect(bound.every((b) => b.cast === undefined)).toBe(true);
  });

  it('binds declared types natively where the Data API has the type, and casts the rest', () => {
    const bound = bindParameters([text('7'), text('t'), text('2.5'), text('2026-01-02'), text('{"a":1}'), text('\\x6869'), null], [], [23, 16, 701, 1082, 3802, 17, 1184]);
    expect(bound).toEqual([
      { parameter: { name: 'p1', value: { longValue: 7 } }, cast: 'int4' },
      { parameter: { name: 'p2', value: { booleanValue: true } } },
      { parameter: { name: 'p3', value: { doubleValue: 2.5 } } },
      { parameter: { name: 'p4', value: { stringValue: '2026-01-02' } }, cast: 'date' },
      { parameter: { name: 'p5', value: { stringValue: '{"a":1}' } }, cast: 'jsonb' },
      { parameter: { name: 'p6', value: { blobValue: Buffer.from('hi').toString('base64') } } },
      { parameter: { name: 'p7', value: { isNull: true } }, cast: 'timestamptz' },
    ]);
  });

  it('reads binary parameters: untyped buffers are bytea, integers and floats by their OIDs', () => {
    const int4 = Buffer.alloc(4);
    int4.writeInt32BE(-5);
    const float8 = Buffer.alloc(8);
    float8.writeDoubleBE(0.25);
    const bound = bindParameters([Buffer.from([0, 255]), int4, float8], [1], [0, 23, 701]);
    expect(bound.map((b) => b.parameter.value)).toEqual([{ blobValue: Buffer.from([0, 255]).toString('base64') }, { longValue: -5 }, { doubleValue: 0.25 }]);
  });

  it('refuses a malformed typed value with the SQLSTATE a server would use', () => {
    expect(() => bindParameters([text('x')], [], [23])).toThrow(expect.objectContaining({ code: '22P02' }));
  });
});

describe('result encoding', () => {
  it('maps Data API type names to OIDs, unknown ones to text', () => {
    expect([typeOid('int4'), typeOid('serial'), typeOid('timestamptz'), typeOid('_int4'), typeOid('my_enum')]).toEqual([23, 23, 1184, 1007, 25]);
  });

  it('writes values as a server would in text', () => {
    expect(textValue(true, 16)).toBe('t');
    expect(textValue(Buffer.from('hi').toString('base64'), 17)).toBe('\\x6869');
    expect(textValue('2026-01-02 03:04:05', 1184)).toBe('2026-01-02 03:04:05+00');
    expect(textValue([1, null, 'a b', 'x"y'], 1009)).toBe('{1,NULL,"a b","x\\"y"}');
  });

  it('writes binary where asked and supported, and says "text" for the other types asked in binary', () => {
    const columns = [{ name: 'n', type: 'int4' }, { name: 'd', type: 'date' }];
    const fields = describeColumns(columns, [1]);
    expect(fields.map((f) => [f.typeOid, f.format])).toEqual([[23, 1], [25, 1]]);
    const [n, d] = encodeRow([7, '2026-01-02'], fields, columns);
    expect(n).toEqual(Buffer.from([0, 0, 0, 7]));
    expect(d?.toString()).toBe('2026-01-02');
  });
});

describe('databaseError', () => {
  it('turns the Data API\'s error text into the fields a server sends', () => {
    expect(databaseError('DatabaseErrorException', 'ERROR: relation "nope" does not exist\n  Position: 15; SQLState: 42P01')).toEqual({
      code: '42P01',
      message: 'relation "nope" does not exist',
    });
    expect(databaseError('DatabaseErrorException', 'ERROR: column "x" does not exist\n  Hint: Perhaps you meant "y".; SQLState: 42703')).toMatchObject({ code: '42703', hint: 'Perhaps you meant "y".' });
    expect(databaseError('StatementTimeoutException', 'timed out')).toMatchObject({ code: '57014' });
  });

  it('keeps a recorded SQLSTATE, and says an unknown outcome in PostgreSQL\'s own code', () => {
    expect(databaseError('42P01', 'The command was not applied')).toMatchObject({ code: '42P01' });
    expect(databaseError('outcome_unknown', 'The commit was sent but its answer was lost')).toMatchObject({ code: '40003' });
    expect(databaseError('DatabaseErrorException', 'no state here')).toMatchObject({ code: '58000' });
  });
});
