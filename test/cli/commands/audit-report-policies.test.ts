/**
 * `accessgate audit report` on a built evidence folder holding the approval policies' stories: every
 * forced approval with its follow-up outcome (closed, closed late, open, open and overdue at the end of
 * the evidence), every access window (who, resource, from, until, how it ended, the commands run under
 * it) and webhook registrations and removals among the configuration changes.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../functions/domain/audit-chain';
import { sha256Hex } from '../../../functions/domain/evidence';
import { chainOf, oneHourFolder, pullRecordFor, rsaKey, type SigningKey } from '../../fixtures/evidence';
import { runMain } from '../run-main';

/** RFC 4180 rows: quoted fields may hold commas, quotes (doubled) and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field), rows.push(row), (row = []), (field = '');
    } else field += c;
  }
  if (field || row.length) row.push(field), rows.push(row);
  return rows;
}

let root: string;
let key: SigningKey;
const accessgate = (...args: string[]) => runMain(args, { HOME: root, XDG_CONFIG_HOME: join(root, 'config') });

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'accessgate-report-policies-'));
  key = rsaKey();
  writeFileSync(join(root, 'trusted.pem'), key.publicPem);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const HOUR = new Date('2026-11-26T08:00:00.000Z');
const at = (minutes: number) => new Date(HOUR.getTime() + minutes * 60_000);
const alice = { sub: 'a1', email: 'alice@example.com', name: 'Alice' };
const bob = { sub: 'b2', email: 'bob@example.com', name: 'Bob' };
const carol = { sub: 'c3', email: 'carol@example.com', name: 'Carol' };
const dana = { sub: 'd4', email: 'dana@example.com', name: 'Dana' };
const system = { system: 'accessgate' };
const resource = { id: 'postgres-demo', name: 'Demo', type: 'postgres' };
const id = (n: number) => `00000000-0000-4000-a000-${String(n).padStart(12, '0')}`;

/** A command forced by carol at `start`, whose follow-up is due `dueMinutes` later, then `after` events. */
function forced(n: number, start: Date, dueAt: string, after: [string, AuditEvent['actor'], Record<string, unknown>][] = []): AuditEvent[] {
  const command = `delete from orders where id = ${n}`;
  return chainOf(`SESSION#${id(n)}`, start, [
    ['session.requested', alice, { command, resource, reason: `INC-${n}`, rule: 'dba-by-command', approvalsRequired: 1, commandSha256: sha256Hex(command) }],
    ['review.forced', carol, { approval: { ...carol, at: start.toISOString(), via: 'api', forced: true, reason: 'outage' }, followUp: { status: 'open', dueAt } }],
    ['session.approved', carol, { forced: true }],
    ['session.running', system, { commandSha256: sha256Hex(command) }],
    ['session.done', system, { result: { rowCount: 1, durationMs: 2, truncated: false } }],
    ...after,
  ]);
}

function window(n: number, start: Date, end: [string, AuditEvent['actor'], Record<string, unknown>] | undefined): AuditEvent[] {
  const endsAt = new Date(start.getTime() + 600_000).toISOString();
  return chainOf(`SESSION#${id(n)}`, start, [
    ['session.requested', alice, { command: '', resource, reason: `OPS-${n}`, rule: 'dba-by-command', approvalsRequired: 1, kind: 'window', durationSeconds: 600, commandSha256: sha256Hex('') }],
    ['review.approved', bob, { approval: { ...bob, at: start.toISOString(), via: 'web', forced: false }, approvals: 1, required: 1 }],
    ['session.approved', bob, { forced: false }],
    ['window.active', system, { windowEndsAt: endsAt, durationSeconds: 600 }],
    ...(end ? [[end[0], end[1], { windowEndsAt: endsAt, ...end[2] }] as [string, AuditEvent['actor'], Record<string, unknown>]] : []),
  ]);
}

function granted(n: number, grant: number, start: Date): AuditEvent[] {
  const command = `update orders set state = ${n}`;
  return chainOf(`SESSION#${id(n)}`, start, [
    ['session.requested', alice, { command, resource, reason: 'OPS-1', rule: 'dba-by-command', approvalsRequired: 0, status: 'approved', grant: id(grant), commandSha256: sha256Hex(command) }],
    ['session.running', system, { commandSha256: sha256Hex(command) }],
    ['session.done', system, { result: { rowCount: 1, durationMs: 2, truncated: false } }],
  ]);
}

function folder(): string {
  const chains = [
    // Closed in time, closed late, open and past due at the end of the evidence (09:00), open and not due yet.
    forced(1, at(1), at(30).toISOString(), [['follow_up.closed', bob, { followUp: { status: 'acknowledged', dueAt: at(30).toISOString(), closedBy: bob, closedAt: at(10).toISOString(), note: 'matches INC-1' } }]]),
    forced(2, at(2), at(5).toISOString(), [
      ['follow_up.reminded', system, { followUp: { status: 'open', dueAt: at(5).toISOString() }, notification: { channel: 'C1', ts: '1' } }],
      ['follow_up.closed', dana, { followUp: { status: 'flagged', dueAt: at(5).toISOString(), closedBy: dana, closedAt: at(20).toISOString(), note: 'no ticket' } }],
    ]),
    forced(3, at(3), at(40).toISOString(), [['follow_up.reminded', system, { followUp: { status: 'open', dueAt: at(40).toISOString() }, notification: { channel: 'C1', ts: '2' } }]]),
    forced(4, at(4), '2026-11-28T08:04:00.000Z'),
    window(10, at(11), ['window.revoked', bob, {}]),
    granted(11, 10, at(12)),
    granted(12, 10, at(13)),
    window(20, at(21), ['window.ended', system, {}]),
    window(30, at(31), undefined),
    chainOf('CONFIG', at(0), [
      ['webhook.created', dana, { webhook: 'wh-1', before: null, after: { id: 'wh-1', url: 'https://hooks.example.com/a', events: ['window.ended'] } }],
      ['webhook.deleted', dana, { webhook: 'wh-1', before: { id: 'wh-1', url: 'https://hooks.example.com/a', events: ['window.ended'] }, after: null }],
    ]),
  ];
  const files = oneHourFolder(key, HOUR, chains);
  const dir = join(root, 'policies');
  for (const [name, bytes] of files) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), bytes);
  }
  writeFileSync(join(dir, 'pull.json'), pullRecordFor(files, { from: HOUR.toISOString(), to: at(60).toISOString() }));
  return dir;
}

describe('accessgate audit report: approval policies', () => {
  it('lists every forced approval with its follow-up outcome, overdue ones marked, every window and the webhook changes', async () => {
    const dir = folder();
    const run = await accessgate('audit', 'report', dir, '--public-key', join(root, 'trusted.pem'));
    expect(run.code, run.stderr).toBe(0);
    const csv = (file: string) => {
      const [header, ...rows] = parseCsv(readFileSync(join(dir, 'report', 'all', file), 'utf8'));
      return rows.map((row) => Object.fromEntries(header!.map((name, i) => [name, row[i]])));
    };

    const forcedRows = csv('forced-approvals.csv');
    expect(forcedRows.map((row) => [row.session, row.follow_up, row.follow_up_closed_by, row.follow_up_note])).toEqual([
      [id(1), 'acknowledged', 'bob@example.com', 'matches INC-1'],
      [id(2), 'flagged (closed late)', 'dana@example.com', 'no ticket'],
      [id(3), 'OVERDUE (open)', '', ''],
      [id(4), 'open', '', ''],
    ]);
    expect(forcedRows[2]).toMatchObject({ follow_up_due: at(40).toISOString(), follow_up_reminded_at: expect.stringMatching(/^2026-11-26T08:03/) });

    const windows = csv('access-windows.csv');
    expect(windows.map((row) => [row.window, row.how_it_ended, row.from, row.until])).toEqual([
      [id(10), 'revoked by bob@example.com', expect.stringMatching(/^2026-11-26T08:11:03/), at(21).toISOString()],
      [id(20), 'ended at its time', expect.stringMatching(/^2026-11-26T08:21:03/), at(31).toISOString()],
      [id(30), 'still active at the end of the evidence', expect.stringMatching(/^2026-11-26T08:31:03/), at(41).toISOString()],
    ]);
    expect(windows[0]).toMatchObject({ requester: 'Alice <alice@example.com>', resource: 'postgres-demo', reason: 'OPS-10', duration_seconds: '600' });
    expect(windows[0]!.commands).toContain(`${id(11)} done: update orders set state = 11`);
    expect(windows[0]!.commands).toContain(`${id(12)} done: update orders set state = 12`);
    expect(windows[1]!.commands).toBe('');

    const config = csv('config-changes.csv');
    expect(config.map((row) => [row.change, row.by, row.target])).toEqual([
      ['webhook.created', 'dana@example.com', 'wh-1'],
      ['webhook.deleted', 'dana@example.com', 'wh-1'],
    ]);

    const html = readFileSync(join(dir, 'report', 'all', 'report.html'), 'utf8');
    expect(html).toContain('<section id="windows"><h2>Access windows</h2>');
    expect(html).toContain('OVERDUE (open)');
  });
});
