/**
 * `accessgate window request <resource> --duration 30m` asks for an access window, reviewed like a
 * command; once approved, every command you submit on that resource (exec, the connect gateway, the
 * web UI) runs without another review until the window ends. `accessgate window revoke <id>` ends it
 * early (its requester, an approver of its rule or an admin).
 */
import { parse } from '../lib/args';
import { clientFor, type SessionView } from '../lib/api';
import type { Io } from '../lib/command';
import { EXIT, usageError } from '../lib/errors';
import { relativeTime } from '../lib/output';
import { StatusLine } from '../lib/status';
import { describeWaiting, followSession, waitingKey } from '../lib/wait';

export const help = `Usage: accessgate window request <resource> --duration D [--reason R] [--wait]
       accessgate window revoke <id>

request asks for an access window on a resource whose rule allows one (maxWindowSeconds). It is
reviewed like a command. Once approved it is active: each command you submit on that resource runs
without another review, as its own session naming the window as its grant, until the window ends.

  --duration D  how long, counted from approval: seconds (900) or 900s, 30m, 2h
  --reason R    why; required when the rule requires a reason
  --wait        wait until the window is decided: exit 0 once it is active, 3 denied, 4 expired

revoke ends an active window at once; the next command waits for review again.`;

const OPTIONS = { duration: { type: 'string' }, reason: { type: 'string' }, wait: { type: 'boolean' } } as const;

/** "900", "900s", "30m", "2h" → seconds; anything else is a usage error. */
export function durationSeconds(text: string | undefined): number {
  const match = /^(\d+)\s*(s|m|h)?$/.exec(text?.trim() ?? '');
  if (!match) throw usageError(`--duration: "${text ?? ''}" is not a duration`, 'Give seconds (900) or 900s, 30m, 2h.');
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[(match[2] ?? 's') as 's' | 'm' | 'h'];
}

export async function run(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS);
  const client = clientFor(values.api, io.env);
  const [action, target] = positionals;
  if (action === 'revoke') {
    if (!target || positionals.length > 2) throw usageError('Usage: accessgate window revoke <id>');
    const { session } = await client.revoke(target);
    io.stderr.write(`Revoked window ${session.id} on ${session.resource.id}; the next command there waits for review.\n`);
    return EXIT.done;
  }
  if (action !== 'request' || !target || positionals.length > 2) throw usageError('Usage: accessgate window request <resource> --duration D, or accessgate window revoke <id>');
  let view = await client.requestWindow({ resource: target, durationSeconds: durationSeconds(values.duration), ...(values.reason ? { reason: values.reason } : {}) });
  const link = client.link(view.session.id, io.env.ACCESSGATE_WEB_URL);
  if (values.wait) {
    const status = new StatusLine(io.stderr);
    const show = (current: SessionView) => status.show(waitingKey(current.session), () => describeWaiting(current.session, link));
    show(view);
    try {
      // A window is decided once it is active, or once its review closed without it.
      view = await followSession(client, view, { signal: io.signal, onChange: show, until: (session) => session.status !== 'pending_review' && session.status !== 'approved' });
    } finally {
      status.clear();
    }
  }
  return report(view, link, io);
}

function report(view: SessionView, link: string, io: Io): number {
  const { session } = view;
  switch (session.status) {
    case 'active':
      io.stdout.write(`Window ${session.id} on ${session.resource.id} is active until ${session.windowEndsAt} (ends ${relativeTime(session.windowEndsAt)}).\n`);
      return EXIT.done;
    case 'pending_review':
      io.stdout.write(`Window ${session.id} on ${session.resource.id} waits for review: ${link}\n`);
      return EXIT.done;
    case 'denied':
      io.stderr.write(`Window ${session.id} was denied${session.denial?.reason ? `: ${session.denial.reason}` : '.'}\n`);
      return EXIT.denied;
    case 'expired':
      io.stderr.write(`Window ${session.id} expired before anyone decided.\n`);
      return EXIT.expired;
    default:
      io.stdout.write(`Window ${session.id} is ${session.status}.\n`);
      return EXIT.done;
  }
}
