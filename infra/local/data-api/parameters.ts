/**
 * Parameters as the Data API binds them: `:name` placeholders become the backend's own (`$n::type` /
 * `?`), each value is checked against its member and typeHint, and un-hinted strings stay text, as
 * in production.
 */
import { analyseSql, replacePostgresPlaceholders } from '../../../functions/adapters/sql-parser';
import { replaceMysqlPlaceholders } from './mysql-placeholders';
import type { SqlBackend } from './sql-backend';
import { badRequest } from './data-api-error';

interface ArrayValue {
  booleanValues?: (boolean | null)[];
  longValues?: (number | null)[];
  doubleValues?: (number | null)[];
  stringValues?: (string | null)[];
  arrayValues?: ArrayValue[];
}

interface FieldValue {
  isNull?: boolean;
  booleanValue?: boolean;
  longValue?: number;
  doubleValue?: number;
  stringValue?: string;
  blobValue?: string;
  arrayValue?: ArrayValue;
}

export interface SqlParameter {
  name?: string;
  value?: FieldValue;
  typeHint?: string;
}


interface BoundParameter {
  value: unknown;
  /** Postgres cast giving the placeholder the type the Data API binds it with. */
  pgType?: string;
}

const TYPE_HINT_PG: Record<string, string> = {
  DATE: 'date',
  TIME: 'time',
  TIMESTAMP: 'timestamp',
  DECIMAL: 'numeric',
  JSON: 'json',
  UUID: 'uuid',
};

/** Templates the Data API parses typeHinted strings with (d = digit, f = optional fraction). */
const TYPE_HINT_FORMAT: Record<string, RegExp> = {
  DATE: /^\d{4}-\d{2}-\d{2}$/,
  TIME: /^\d{2}:\d{2}:\d{2}(\.\d{1,9})?$/,
  TIMESTAMP: /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?$/,
  DECIMAL: /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/,
  UUID: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
};
const TYPE_HINT_TEMPLATE: Record<string, string> = { DATE: 'dddd-dd-dd', TIME: 'dd:dd:dd', TIMESTAMP: 'dddd-dd-dd dd:dd:dd' };

/** Index where a date/time string stops matching its template (for Java-style parse messages). */
function parseErrorIndex(value: string, template: string): number {
  for (let i = 0; i < template.length; i++) {
    const ch = value[i];
    if (ch === undefined) return i;
    if (template[i] === 'd' ? !(ch >= '0' && ch <= '9') : ch !== template[i]) return i;
  }
  return template.length;
}

function checkTypeHint(name: string, hint: string | undefined, value: FieldValue): void {
  if (hint === undefined) return;
  if (!(hint in TYPE_HINT_PG)) {
    throw badRequest(`Invalid typeHint ${hint} for parameter ${name}; valid values are DATE, DECIMAL, JSON, TIME, TIMESTAMP, UUID`);
  }
  if (value.stringValue === undefined) {
    if (value.isNull) return;
    throw badRequest(`The typeHint ${hint} for parameter ${name} requires a stringValue`);
  }
  const format = TYPE_HINT_FORMAT[hint];
  if (format && !format.test(value.stringValue)) {
    const template = TYPE_HINT_TEMPLATE[hint];
    if (template) {
      throw badRequest(`Text '${value.stringValue}' could not be parsed at index ${parseErrorIndex(value.stringValue, template)}`);
    }
    throw badRequest(`Invalid ${hint} value for parameter ${name}: '${value.stringValue}'`);
  }
}

function arrayParameter(a: ArrayValue, name: string): { value: unknown[]; pgElement: string } {
  const members = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  if (members.length !== 1) throw badRequest(`Parameter ${name}: an arrayValue must have exactly one member`);
  if (a.arrayValues) {
    const nested = a.arrayValues.map((x) => arrayParameter(x, name));
    return { value: nested.map((x) => x.value), pgElement: nested[0]?.pgElement ?? 'text' };
  }
  if (a.longValues) return { value: a.longValues.map((v) => (v === null ? null : String(Math.trunc(v)))), pgElement: 'int8' };
  if (a.doubleValues) return { value: a.doubleValues, pgElement: 'float8' };
  if (a.booleanValues) return { value: a.booleanValues, pgElement: 'bool' };
  return { value: a.stringValues ?? [], pgElement: 'text' };
}

function bindParameter(p: SqlParameter, engine: SqlBackend['engine'], allowArrays: boolean): BoundParameter {
  const name = p.name ?? '';
  const v = p.value;
  if (!v || typeof v !== 'object') throw badRequest(`Parameter ${name} has no value`);
  const members = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined);
  if (members.length !== 1) throw badRequest(`Parameter ${name}: a value must have exactly one member, got ${members.length}`);
  checkTypeHint(name, p.typeHint, v);
  const hinted = p.typeHint ? TYPE_HINT_PG[p.typeHint] : undefined;
  if (v.isNull !== undefined) {
    if (v.isNull !== true) throw badRequest(`Parameter ${name}: isNull must be true`);
    return { value: null, pgType: hinted };
  }
  if (v.stringValue !== undefined) {
    if (typeof v.stringValue !== 'string') throw badRequest(`Parameter ${name}: stringValue must be a string`);
    // The Data API binds an un-hinted string as text: Postgres then refuses it for uuid/jsonb/timestamp
    // columns ("is of type uuid but expression is of type text"), exactly as in production.
    return { value: v.stringValue, pgType: hinted ?? 'text' };
  }
  if (v.longValue !== undefined) {
    if (typeof v.longValue !== 'number' || !Number.isInteger(v.longValue)) throw badRequest(`Parameter ${name}: longValue must be an integer`);
    return { value: engine === 'postgres' ? String(v.longValue) : v.longValue, pgType: 'int8' };
  }
  if (v.doubleValue !== undefined) {
    if (typeof v.doubleValue !== 'number') throw badRequest(`Parameter ${name}: doubleValue must be a number`);
    return { value: v.doubleValue, pgType: 'float8' };
  }
  if (v.booleanValue !== undefined) {
    if (typeof v.booleanValue !== 'boolean') throw badRequest(`Parameter ${name}: booleanValue must be a boolean`);
    return { value: v.booleanValue, pgType: 'bool' };
  }
  if (v.blobValue !== undefined) {
    if (typeof v.blobValue !== 'string') throw badRequest(`Parameter ${name}: blobValue must be base64`);
    return { value: Buffer.from(v.blobValue, 'base64'), pgType: 'bytea' };
  }
  if (v.arrayValue !== undefined) {
    if (!allowArrays || engine !== 'postgres') throw badRequest('Array parameters are not supported');
    const { value, pgElement } = arrayParameter(v.arrayValue, name);
    return { value, pgType: `${pgElement}[]` };
  }
  throw badRequest(`Parameter ${name}: unsupported value member ${members[0]}`);
}

/**
 * Replace `:name` placeholders with the backend's own (`$n::type` / `?`), order the values, and count
 * the statements with the engine's parser. Names not supplied are left as written (Postgres array
 * slices `a[lo:hi]`, for one). Text the parser refuses counts as one statement: the database then
 * refuses it whole (PostgreSQL parses a whole query string before running any of it; the MySQL
 * backend's connections do not accept several statements at all).
 */
export function prepareStatement(
  sql: string,
  parameters: SqlParameter[] | undefined,
  engine: SqlBackend['engine'],
  allowArrays: boolean,
): { text: string; values: unknown[]; statementCount: number } {
  const bound = new Map<string, BoundParameter>();
  for (const p of parameters ?? []) {
    if (!p || typeof p !== 'object' || typeof p.name !== 'string' || p.name === '') {
      throw badRequest('Parameter name is required for every SqlParameter');
    }
    bound.set(p.name, bindParameter(p, engine, allowArrays));
  }
  const values: unknown[] = [];
  let text = sql;
  if (engine === 'mysql') {
    if (bound.size > 0) {
      text = replaceMysqlPlaceholders(sql, {
        named: (name) => {
          const b = bound.get(name);
          if (!b) return undefined;
          values.push(b.value);
          return '?';
        },
      });
    }
    return { text, values, statementCount: statementCount(sql, engine) };
  }
  if (bound.size > 0) {
    const pgIndex = new Map<string, number>();
    text = replacePostgresPlaceholders(sql, (name) => {
      const b = bound.get(name);
      if (!b) return undefined;
      let idx = pgIndex.get(name);
      if (idx === undefined) {
        values.push(b.value);
        idx = values.length;
        pgIndex.set(name, idx);
      }
      if (!b.pgType) return `$${idx}`;
      // `$1::int8[][1]` would read as a type with bounds, so array casts get parentheses for `:arr[1]`.
      return b.pgType.endsWith('[]') ? `($${idx}::${b.pgType})` : `$${idx}::${b.pgType}`;
    });
  }
  return { text, values, statementCount: statementCount(text, engine) };
}

function statementCount(sql: string, engine: SqlBackend['engine']): number {
  const analysis = analyseSql(sql, engine);
  return analysis.ok ? analysis.statements.length : 1;
}
