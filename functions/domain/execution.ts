/**
 * How running an approved command can end, in the product's words, and what of it may be recorded.
 * The SQL runner (functions/adapters/sql-runner.ts) throws these; the Execute use case turns them into
 * a final session state. Pure: no I/O, no AWS types.
 *
 * A database's error message may quote row data (`invalid input syntax for type integer: "Amélie van
 * Rossum"`), so the permanent record (session, events, exports) holds only the SQLSTATE and a fixed,
 * data-free text per SQLSTATE class; the database's own words go to the requester alone, through the
 * results store, and expire with the results.
 */

/** The session's error code when nobody can know whether the command's change was committed. */
export const OUTCOME_UNKNOWN = 'outcome_unknown';

/** Why an outcome is unknown, in words for the person who ran the command. */
export type UnknownBecause = 'commit_lost' | 'self_commit_lost' | 'self_commit_refused' | 'interrupted';

const UNKNOWN_BECAUSE: Record<UnknownBecause, string> = {
  commit_lost: 'the command ran inside a transaction and the commit was sent, but its answer never came back',
  self_commit_lost:
    'the statement is one MySQL commits on its own (DDL such as CREATE, ALTER or DROP), it was sent, and its answer never came back; rolling back the transaction cannot undo it',
  self_commit_refused:
    'the database refused the statement, but it is one MySQL commits on its own (DDL such as CREATE, ALTER or DROP), and MySQL may have applied part of it first (a DROP TABLE of several tables drops the ones that exist before failing on one that does not); rolling back the transaction cannot undo that',
  interrupted: 'the run was interrupted (the process running it stopped or ran out of time) before it reported how the command ended',
};

/** What a person reads when the outcome is unknown: what happened, what to check, why it is not re-run. */
export function outcomeUnknownMessage(because: UnknownBecause): string {
  return (
    `Outcome unknown: ${UNKNOWN_BECAUSE[because]}, so nobody can tell whether the change was applied. ` +
    'It will not be run again, because running it twice could apply it twice. ' +
    'Check the database for the change before submitting the command again.'
  );
}

/**
 * The statement certainly never started (the request was refused before the database saw it), so the
 * workflow may run it again. Its name is what the ASL's Retry matches: never throw it for anything else.
 */
export class TransientDatabaseError extends Error {
  override readonly name = 'TransientDatabaseError';
}

/**
 * The command did not change the database: the database refused it, or it failed before its transaction
 * was committed and was rolled back. `code` is the SQLSTATE when the database gave one, else the Data
 * API's exception name; `message` is the database's own text and may quote row data.
 */
export class SqlError extends Error {
  override readonly name = 'SqlError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/**
 * A commit was sent and its answer lost: the change may or may not be in the database. Never retried.
 * `because` says which commit: the transaction's (`commit_lost`), or the one MySQL makes by itself for a
 * statement it commits on its own, whose answer was lost (`self_commit_lost`) or was the database's
 * refusal after it may have applied part of it (`self_commit_refused`, with that refusal in
 * `databaseError`: its words may quote row data, so they go to the requester alone).
 */
export class OutcomeUnknownError extends Error {
  override readonly name = 'OutcomeUnknownError';
  readonly code = OUTCOME_UNKNOWN;
  constructor(
    message: string,
    readonly because: Exclude<UnknownBecause, 'interrupted'> = 'commit_lost',
    readonly databaseError?: SqlError,
  ) {
    super(message);
  }
}

/** The session's error code when a command changed more rows than its approval allowed, and was rolled back. */
export const ROW_LIMIT_EXCEEDED = 'row_limit_exceeded';

/**
 * The command changed more rows than `rowLimit`, the ceiling its approval carried; its transaction was
 * rolled back, so nothing was applied. Counts only: never row data.
 */
export class RowLimitExceededError extends Error {
  override readonly name = 'RowLimitExceededError';
  readonly code = ROW_LIMIT_EXCEEDED;
  constructor(
    readonly rowsChanged: number,
    readonly rowLimit: number,
  ) {
    super(
      `The command changed ${rowsChanged} row${rowsChanged === 1 ? '' : 's'}, more than the ${rowLimit} its approval allows; ` +
        'it was rolled back and nothing was applied.',
    );
  }
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** SQLSTATE classes (the first two characters, shared by PostgreSQL and MySQL) and what they mean. */
const SQLSTATE_CLASS: Record<string, string> = {
  '08': 'the connection to the database failed',
  '0A': 'the database does not support this feature',
  '21': 'a subquery or row returned more values than allowed',
  '22': 'a value was invalid for its type or operation (data exception)',
  '23': 'a constraint was violated (unique, foreign key, not null or check)',
  '25': 'the statement is not allowed in the current transaction state',
  '28': 'the database refused the credentials',
  '2B': 'dependent privileges still exist',
  '3D': 'the database does not exist',
  '3F': 'the schema does not exist',
  '40': 'the transaction was rolled back by the database (serialization failure or deadlock)',
  '42': 'the statement has a syntax error, names an object that does not exist, or lacks a privilege',
  '44': 'a row violated a view\'s check option',
  '53': 'the database ran out of a resource (memory, disk or connections)',
  '54': 'the statement exceeded a database limit',
  '55': 'an object is not in the state the statement requires',
  '57': 'the statement was cancelled by the database or an operator (for example a statement timeout)',
  '58': 'the database hit a system error',
  HY: 'the database reported a general error',
  P0: 'a PL/pgSQL procedure raised an error',
  XX: 'the database hit an internal error',
};

/** Data API failures that carry no SQLSTATE, by exception name. */
const SERVICE_ERROR: Record<string, string> = {
  StatementTimeoutException: 'the statement ran past the Data API\'s time limit and was cancelled',
  BadRequestException: 'the Data API refused the request',
  DatabaseErrorException: 'the database refused the statement',
  UnsupportedResultException: 'the result holds a type the Data API cannot return',
  DatabaseUnavailableException: 'the database was unavailable',
  DatabaseNotFoundException: 'the database was not found',
  ForbiddenException: 'access to the database was refused',
  AccessDeniedException: 'access to the database was refused',
  InvalidSecretException: 'the database secret is invalid',
  SecretsErrorException: 'the database secret could not be read',
  // Not the Data API's: accessgate's own refusal to run it (functions/domain/implicit-commit.ts).
  mysql_ddl_in_script: 'the script holds a statement MySQL commits on its own, so it could not run as one unit and was not sent',
};

/**
 * The text the permanent record keeps for a refused command: fixed per SQLSTATE class or exception
 * name, so it can never carry a value from the database.
 */
export function recordedSqlError(code: string): string {
  const reason = (SQLSTATE.test(code) ? SQLSTATE_CLASS[code.slice(0, 2)] : SERVICE_ERROR[code]) ?? 'the database refused the command';
  const label = SQLSTATE.test(code) ? `SQLSTATE ${code}` : code;
  return `The command was not applied: ${reason} (${label}). Nothing was committed. The database's full message is shown to the requester only, for a day.`;
}
