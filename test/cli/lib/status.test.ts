/**
 * The status line: redrawn in place on a terminal (the link pinned on a line of its own when the line
 * is too wide, so it is never cut), one line per change when written to a pipe or a log.
 */
import { describe, expect, it } from 'vitest';
import { StatusLine } from '../../../cli/lib/status';

const sink = (tty: boolean, columns = 80) => {
  const sink = { text: '', isTTY: tty, columns, write: (chunk: string) => (sink.text += chunk) };
  return sink;
};

describe('StatusLine', () => {
  it('prints a line per state change off a terminal, and nothing for a redraw of the same state', () => {
    const out = sink(false);
    const status = new StatusLine(out);
    status.show('pending:0', () => 'waiting for review by dba-approvers — expires in 59 min — http://x/#/sessions/1');
    status.show('pending:0', () => 'waiting for review by dba-approvers — expires in 58 min — http://x/#/sessions/1');
    status.show('running:1', () => 'running on postgres-demo…');
    status.clear();
    expect(out.text).toBe('waiting for review by dba-approvers — expires in 59 min — http://x/#/sessions/1\nrunning on postgres-demo…\n');
  });

  it('redraws in place on a terminal and pins a link that would not fit, whole, above the line', () => {
    const out = sink(true, 60);
    const status = new StatusLine(out);
    const link = 'http://127.0.0.1:8787/#/sessions/81d652ee-fd37-4107-974a-213e43582ef6';
    status.show('pending:0', () => `waiting for review by dba-approvers — expires in 59 min — ${link}`);
    status.show('pending:0', () => `waiting for review by dba-approvers — expires in 58 min — ${link}`);
    status.clear();
    expect(out.text).toBe(
      `\r\x1b[2K${link}\n\r\x1b[2Kwaiting for review by dba-approvers — expires in 59 min` +
        '\r\x1b[2Kwaiting for review by dba-approvers — expires in 58 min\r\x1b[2K',
    );
  });
});
