/**
 * The documented allow-list of functions known to be safe: they read their arguments (or the clock)
 * and change nothing, in the session or the database. A call to any other function is flagged
 * `volatile-function` and keeps its statement from ever counting as read-only, because a function can
 * write (`nextval`, `set_config`, `pg_terminate_backend`, `dblink_exec`, user-defined functions), wait
 * (`pg_sleep`, `sleep`, `get_lock`) or read the server's files (`pg_read_file`, `load_file`).
 *
 * Names match case-insensitively and only unqualified or qualified by PostgreSQL's own `pg_catalog`:
 * `public.lower` may be anyone's function. docs/preview.md lists the same names.
 */

/** Aggregates and window functions: they summarise the rows a read already returns. */
const AGGREGATES = [
  'count', 'sum', 'avg', 'min', 'max', 'bool_and', 'bool_or', 'every', 'string_agg', 'array_agg', 'group_concat',
  'json_agg', 'jsonb_agg', 'json_object_agg', 'jsonb_object_agg', 'json_arrayagg', 'json_objectagg', 'stddev',
  'stddev_pop', 'stddev_samp', 'variance', 'var_pop', 'var_samp', 'bit_and', 'bit_or', 'bit_xor', 'percentile_cont',
  'percentile_disc', 'mode', 'row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'lag', 'lead',
  'first_value', 'last_value', 'nth_value',
];

/** Text, number, date and JSON functions of both engines that compute a value from their arguments. */
const SCALARS = [
  'lower', 'upper', 'length', 'char_length', 'character_length', 'octet_length', 'bit_length', 'substring', 'substr',
  'trim', 'btrim', 'ltrim', 'rtrim', 'replace', 'concat', 'concat_ws', 'left', 'right', 'lpad', 'rpad', 'reverse',
  'position', 'strpos', 'locate', 'instr', 'split_part', 'initcap', 'repeat', 'format', 'md5', 'sha1', 'sha2',
  'regexp_replace', 'regexp_like', 'regexp_substr', 'regexp_match', 'regexp_matches', 'starts_with', 'to_hex', 'hex',
  'coalesce', 'ifnull', 'nullif', 'if', 'greatest', 'least', 'abs', 'round', 'floor', 'ceil', 'ceiling', 'trunc',
  'truncate', 'mod', 'power', 'pow', 'sqrt', 'exp', 'ln', 'log', 'log10', 'sign', 'div', 'now', 'current_date',
  'current_time', 'current_timestamp', 'localtime', 'localtimestamp', 'curdate', 'curtime', 'sysdate', 'utc_timestamp',
  'date_trunc', 'date_part', 'extract', 'age', 'make_date', 'make_timestamp', 'make_interval', 'to_char', 'to_date',
  'to_timestamp', 'to_number', 'date_format', 'str_to_date', 'datediff', 'timestampdiff', 'date_add', 'date_sub',
  'adddate', 'subdate', 'year', 'month', 'day', 'dayofmonth', 'dayofweek', 'dayofyear', 'week', 'hour', 'minute',
  'second', 'quarter', 'last_day', 'unix_timestamp', 'from_unixtime', 'date', 'time', 'timestamp', 'cast', 'convert',
  'generate_series', 'unnest', 'array_length', 'cardinality', 'array_position', 'array_to_string', 'string_to_array',
  'json_build_object', 'jsonb_build_object', 'json_build_array', 'jsonb_build_array', 'to_json', 'to_jsonb',
  'json_array_length', 'jsonb_array_length', 'json_extract_path_text', 'jsonb_extract_path_text', 'jsonb_pretty',
  'json_object', 'json_array', 'json_extract', 'json_unquote', 'json_length', 'json_contains',
];

export const SAFE_FUNCTIONS: ReadonlySet<string> = new Set([...AGGREGATES, ...SCALARS]);

/**
 * Whether a call to the function named by these parts (`['pg_catalog', 'lower']`, `['count']`) is known
 * to be safe. Any other schema, and any name not on the list, is not.
 */
export function isSafeFunction(nameParts: readonly string[]): boolean {
  const parts = nameParts.map((part) => part.toLowerCase());
  const [schema, name] = parts.length === 1 ? [undefined, parts[0]] : parts.length === 2 ? parts : [undefined, undefined];
  if (name === undefined || (schema !== undefined && schema !== 'pg_catalog')) return false;
  return SAFE_FUNCTIONS.has(name);
}
