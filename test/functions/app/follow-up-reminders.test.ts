/**
 * The overdue follow-up reminder against in-memory fakes, with a manual clock: a follow-up is reminded
 * once it is past due and still open, once however many runs there are, recorded as
 * `follow_up.reminded`; a failed reminder does not stop the others and fails the run so it is retried.
 */
import { describe, expect, it } from 'vitest';
import { sessionStream } from '../../../functions/app/audit-trail';
import type { FollowUpReminder, FollowUpReminderDeps, OpenFollowUps } from '../../../functions/app/follow-up-ports';
import { remindOverdueFollowUps } from '../../../functions/app/follow-up-reminders';
import { followUpSession } from '../../../functions/app/follow-ups';
import { reviewSession } from '../../../functions/app/reviews';
import { submitSession } from '../../../functions/app/sessions';
import { undocumentedFields } from '../../../functions/domain/evidence-schema';
import { ruleSchema } from '../../../functions/domain/rule';
import type { Session } from '../../../functions/domain/session';
import { type Fakes, fakeDeps, type InMemorySessionStore } from './fakes';
import { alice, bob, carol, orders } from './people';

/** The index over the fake session store: open follow-ups due before a time, earliest first. */
class InMemoryOpenFollowUps implements OpenFollowUps {
  constructor(private readonly sessions: InMemorySessionStore) {}
  async dueBefore(before: string, limit: number) {
    const items = [...this.sessions.items.values()]
      .filter((session) => session.followUp?.status === 'open' && session.followUp.dueAt < before)
      .sort((a, b) => a.followUp!.dueAt.localeCompare(b.followUp!.dueAt))
      .slice(0, limit) as Session[];
    return { items };
  }
}

/** Posts once per session (the ledger's promise), counting posts; `failing` sessions' posts throw. */
class RecordingReminder implements FollowUpReminder {
  readonly posted: string[] = [];
  readonly claimed = new Set<string>();
  readonly failing = new Set<string>();
  async remind(session: Session, sent: (notification: Record<string, string>) => Promise<void>) {
    if (this.claimed.has(session.id)) return false;
    if (this.failing.has(session.id)) throw new Error('channel_not_found');
    this.claimed.add(session.id);
    this.posted.push(session.id);
    await sent({ channel: 'C-APPROVERS', ts: String(this.posted.length) });
    return true;
  }
}

const rule = ruleSchema.parse({ name: 'dba-by-command', resources: ['orders'], approvalGroups: ['dba-approvers'], forceApprovalGroups: ['dba-approvers'], followUpHours: 4 });

async function forced(deps: Fakes): Promise<string> {
  const { id } = await submitSession(deps, alice, { resource: 'orders', command: 'delete from orders where id = 7' });
  await reviewSession(deps, bob, id, { decision: 'approve', force: true, reason: 'INC-1 outage', via: 'api' });
  return id;
}

function setUp(withChat = true) {
  const deps = fakeDeps({ resources: [orders], rules: [rule] });
  const reminder = new RecordingReminder();
  const reminderDeps: FollowUpReminderDeps = { events: deps.events, clock: deps.clock, log: deps.log, openFollowUps: new InMemoryOpenFollowUps(deps.sessions), ...(withChat ? { reminder } : {}) };
  return { deps, reminder, reminderDeps };
}

describe('remindOverdueFollowUps', () => {
  it('reminds nothing before the due time, then each overdue follow-up once, recording follow_up.reminded once', async () => {
    const { deps, reminder, reminderDeps } = setUp();
    const id = await forced(deps);
    expect(await remindOverdueFollowUps(reminderDeps)).toEqual({ overdue: 0, reminded: 0, failed: 0 });

    deps.clock.advance(4 * 3600_000 + 1);
    expect(await remindOverdueFollowUps(reminderDeps)).toEqual({ overdue: 1, reminded: 1, failed: 0 });
    expect(await remindOverdueFollowUps(reminderDeps)).toEqual({ overdue: 1, reminded: 0, failed: 0 });
    expect(reminder.posted).toEqual([id]);
    const events = await deps.events.list(sessionStream(id));
    const reminded = events.filter((event) => event.type === 'follow_up.reminded');
    expect(reminded).toHaveLength(1);
    expect(reminded[0]!.details).toEqual({ followUp: { status: 'open', dueAt: expect.any(String) }, notification: { channel: 'C-APPROVERS', ts: '1' } });
    expect(events.flatMap(undocumentedFields)).toEqual([]);
  });

  it('leaves a follow-up closed before its due time alone', async () => {
    const { deps, reminder, reminderDeps } = setUp();
    const id = await forced(deps);
    await followUpSession(deps, carol, id, { outcome: 'acknowledged', note: 'INC-1 reviewed' });
    deps.clock.advance(5 * 3600_000);
    expect(await remindOverdueFollowUps(reminderDeps)).toEqual({ overdue: 0, reminded: 0, failed: 0 });
    expect(reminder.posted).toEqual([]);
  });

  it('reminds the others when one fails, then fails the run; the retry reminds the one left', async () => {
    const { deps, reminder, reminderDeps } = setUp();
    const first = await forced(deps);
    const second = await forced(deps);
    reminder.failing.add(first);
    deps.clock.advance(5 * 3600_000);
    await expect(remindOverdueFollowUps(reminderDeps)).rejects.toThrow('channel_not_found');
    expect(reminder.posted).toEqual([second]);
    expect(deps.log.entries.some((entry) => entry.message === 'follow-up reminder failed')).toBe(true);

    reminder.failing.clear();
    expect(await remindOverdueFollowUps(reminderDeps)).toEqual({ overdue: 2, reminded: 1, failed: 0 });
    expect(reminder.posted).toEqual([second, first]);
  });

  it('without a chat, counts overdue follow-ups and says so in the log, recording nothing', async () => {
    const { deps, reminderDeps } = setUp(false);
    const id = await forced(deps);
    deps.clock.advance(5 * 3600_000);
    expect(await remindOverdueFollowUps(reminderDeps)).toEqual({ overdue: 1, reminded: 0, failed: 0 });
    expect(deps.events.types(sessionStream(id))).not.toContain('follow_up.reminded');
    expect(deps.log.entries.some((entry) => entry.message === 'overdue follow-ups, and no chat to remind')).toBe(true);
  });
});
