/**
 * How `accessgate exec` reports a failed command: the database's own words for a refusal (sent to
 * the requester only), and, for an unknown outcome, the plain explanation and what to check, never
 * "fix the statement and run it again".
 */
import { describe, expect, it } from 'vitest';
import { report } from '../../../cli/commands/exec';
import type { SessionView } from '../../../cli/lib/api';
import type { Io } from '../../../cli/lib/command';
import { EXIT } from '../../../cli/lib/errors';
import { OUTCOME_UNKNOWN, outcomeUnknownMessage, recordedSqlError } from '../../../functions/domain/execution';

function io() {
  const out = { stdout: '', stderr: '' };
  const sink = (key: 'stdout' | 'stderr') => ({ isTTY: false, columns: 80, write: (chunk: string) => ((out[key] += chunk), true) });
  const value = { stdout: sink('stdout'), stderr: sink('stderr'), stdin: process.stdin, env: {}, signal: new AbortController().signal } as unknown as Io;
  return { io: value, out };
}

const failed = (error: { code: string; message: string }, databaseError?: { code: string; message: string }): SessionView =>
  ({ session: { id: 's-1', status: 'failed', error }, events: [], ...(databaseError ? { databaseError } : {}) }) as unknown as SessionView;

describe('accessgate exec, a failed command', () => {
  it('prints the database\'s own message the API gave the requester, not the record\'s fixed text', () => {
    const { io: streams, out } = io();
    const view = failed({ code: '42P01', message: recordedSqlError('42P01') }, { code: '42P01', message: 'ERROR: relation "custmers" does not exist; SQLState: 42P01' });
    expect(report(view, 'table', 'http://x/#/sessions/s-1', streams)).toBe(EXIT.failed);
    expect(out.stderr).toContain('accessgate: the command failed: ERROR: relation "custmers" does not exist');
    expect(out.stderr).toContain('Fix the statement and run it again.');
  });

  it('says an unknown outcome plainly, with what to check, and never tells the requester to just run it again', () => {
    const { io: streams, out } = io();
    expect(report(failed({ code: OUTCOME_UNKNOWN, message: outcomeUnknownMessage('commit_lost') }), 'table', 'http://x/#/sessions/s-1', streams)).toBe(EXIT.failed);
    expect(out.stderr).toMatch(/^accessgate: Outcome unknown: the command ran inside a transaction and the commit was sent/);
    expect(out.stderr).toContain('Check the database for the change before running the command again; accessgate will not re-run it.');
    expect(out.stderr).not.toContain('Fix the statement');
  });
});
