/**
 * `accessgate sessions`: the session list the API allows the caller: their own, those they may review
 * (--reviewable), or everyone's for admins and auditors, with the API's filters.
 */
import { revealHidden } from '../../functions/domain/hidden-text';
import { intOption, parseOptionsOnly } from '../lib/args';
import { clientFor } from '../lib/api';
import type { Io } from '../lib/command';
import { EXIT } from '../lib/errors';
import { formatOption, printGrid, relativeTime } from '../lib/output';

export const help = `Usage: accessgate sessions [--scope mine|reviewable|all] [filters] [--format table|json|csv]

Lists sessions, newest first: your own by default (admins and auditors: everyone's).

Options:
      --scope S          mine, reviewable (sessions your groups review) or all (admins, auditors)
      --status S         pending_review, approved, running, done, failed, denied, expired, cancelled
      --resource R       only this resource
      --requester EMAIL  only this requester
      --approver EMAIL   only sessions this person approved
      --forced           only force-approved sessions
      --from ISO         created at or after (e.g. 2026-11-01)
      --to ISO           created at or before
      --limit N          at most N (1-200, default 50)
      --cursor C         the next page (printed when there is one)
      --format F         table (default), json or csv`;

const OPTIONS = {
  scope: { type: 'string' },
  status: { type: 'string' },
  resource: { type: 'string' },
  requester: { type: 'string' },
  approver: { type: 'string' },
  forced: { type: 'boolean' },
  from: { type: 'string' },
  to: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  format: { type: 'string' },
} as const;

export async function run(args: readonly string[], io: Io): Promise<number> {
  const values = parseOptionsOnly(args, OPTIONS, 'sessions', 'To see one session: accessgate session <id>');
  const format = formatOption(values.format);
  const limit = intOption(values.limit, 'limit', { min: 1, max: 200 });
  const page = await clientFor(values.api, io.env).sessions({
    scope: values.scope,
    status: values.status,
    resource: values.resource,
    requester: values.requester,
    approver: values.approver,
    forced: values.forced ? 'true' : undefined,
    from: values.from,
    to: values.to,
    limit: limit === undefined ? undefined : String(limit),
    cursor: values.cursor,
  });
  printGrid(
    io.stdout,
    format,
    {
      columns: [{ name: 'id' }, { name: 'created' }, { name: 'requester' }, { name: 'resource' }, { name: 'status' }, { name: 'approvals' }, { name: 'command' }],
      rows: page.sessions.map((session) => [
        session.id,
        format === 'table' ? relativeTime(session.createdAt) : session.createdAt,
        session.requester.email,
        session.resource.id,
        `${session.status}${session.forced ? ' (forced)' : ''}`,
        session.approvalsRequired ? `${session.approvals.length}/${session.approvalsRequired}` : '',
        revealHidden(session.command).text.replace(/\s+/g, ' '),
      ]),
    },
    page,
  );
  if (page.cursor && format !== 'json') io.stderr.write(`More sessions: accessgate sessions --cursor ${page.cursor}\n`);
  return EXIT.done;
}
