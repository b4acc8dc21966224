import { describe, expect, it } from 'vitest';
import { OUTCOME_UNKNOWN, outcomeUnknownMessage } from '../../../functions/domain/execution';
import { commandDigest, type Session } from '../../../functions/domain/session';
import {
  cutRendered,
  denyModal,
  escapeMrkdwn,
  forceModal,
  milestonesReached,
  refusalModal,
  refusalText,
  requesterMessage,
  reviewMessage,
  SLACK_LIMITS,
  sessionUrl,
  statusLines,
} from '../../../functions/domain/slack-message';

const ID = '0f6f7c52-1d55-4c43-9a0e-6b1f9b0c2d11';
const webUrl = 'https://accessgate.example.com';

function session(overrides: Partial<Session> = {}): Session {
  const command = overrides.command ?? 'select id, name from customers where country = \'FR\' limit 3';
  return {
    id: ID,
    status: 'pending_review',
    createdAt: '2026-11-26T10:00:00.000Z',
    updatedAt: '2026-11-26T10:00:00.000Z',
    requester: { sub: 'sub-alice', email: 'alice@example.com', name: 'Alice Anders', groups: ['dba', 'oncall'] },
    resource: { id: 'postgres-demo', name: 'Orders (production)', type: 'postgres', database: 'postgres' },
    command,
    commandSha256: commandDigest(command),
    reason: 'support ticket 1234',
    rule: { name: 'dba-by-command', approvalGroups: ['dba-approvers'], forceApprovalGroups: ['sre'], approvalsRequired: 2, reviewTimeoutSeconds: 3600, reasonRequired: false, slackChannel: undefined },
    approvalsRequired: 2,
    approvals: [],
    forced: false,
    expiresAt: '2026-11-26T11:00:00.000Z',
    ...overrides,
  };
}

type Json = Record<string, any>;
const texts = (blocks: readonly Json[]): string[] => JSON.stringify(blocks).match(/"text":"(?:[^"\\]|\\.)*"/g)?.map((t) => JSON.parse(`{${t}}`).text as string) ?? [];
const all = (blocks: readonly Json[]) => texts(blocks).join('\n');

/** Every Block Kit limit the message could break, checked independently of the builder. */
function limitProblems(blocks: readonly Json[]): string[] {
  const problems: string[] = [];
  if (blocks.length > SLACK_LIMITS.blocks) problems.push('too many blocks');
  for (const block of blocks) {
    if (block.type === 'header' && block.text.text.length > 150) problems.push('header');
    if (block.type === 'section') {
      if (block.text && block.text.text.length > 3000) problems.push(`section ${block.block_id} ${block.text.text.length}`);
      if (block.fields && block.fields.length > 10) problems.push('fields count');
      for (const field of block.fields ?? []) if (field.text.length > 2000) problems.push(`field ${field.text.length}`);
    }
    if (block.type === 'context') for (const e of block.elements) if (e.text.length > 3000) problems.push('context');
    if (block.type === 'actions') {
      for (const e of block.elements) {
        if (e.text.text.length > 75) problems.push('button text');
        if ((e.value ?? '').length > 2000) problems.push('button value');
        if (e.action_id.length > 255) problems.push('action_id');
      }
    }
    for (const text of texts([block])) {
      // A cut must never leave half a surrogate pair behind.
      if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text)) problems.push('split surrogate');
    }
  }
  return problems;
}

describe('the review request message', () => {
  it('shows everything an approver needs, with Approve and Deny carrying the session id', () => {
    const { text, blocks } = reviewMessage(session(), { webUrl });
    const shown = all(blocks as unknown as Json[]);
    for (const expected of ['Alice Anders', 'alice@example.com', 'dba, oncall', 'Orders (production)', '`postgres-demo` · postgres', 'dba-by-command', '0 of 2 from dba-approvers', '<!date^1795690800^', 'support ticket 1234', '```select id, name from customers where country = \'FR\' limit 3```', `${webUrl}/#/sessions/${ID}`, 'Members of sre may force-approve alone; a forced approval needs a reason', commandDigest(session().command).slice(0, 16)]) {
      expect(shown).toContain(expected);
    }
    const actions = (blocks as unknown as Json[]).find((b) => b.type === 'actions')!;
    expect(actions.elements.map((e: Json) => [e.action_id, e.value ?? e.url])).toEqual([
      ['approve', ID],
      ['deny', ID],
      ['open', sessionUrl(webUrl, ID)],
    ]);
    expect(text).toContain('Alice Anders (alice@example.com) asks to run a command on Orders (production): waiting for review (0 of 2 approvals)');
    expect(limitProblems(blocks as unknown as Json[])).toEqual([]);
  });

  it('cuts a 100 KiB command to fit Slack, says so, and links to the full session', () => {
    const command = `select ${Array.from({ length: 15_000 }, (_, i) => `c${i}`).join(', ')} from wide_table`;
    expect(Buffer.byteLength(command)).toBeGreaterThan(100 * 1024);
    const { blocks } = reviewMessage(session({ command, commandSha256: commandDigest(command) }), { webUrl });
    expect(limitProblems(blocks as unknown as Json[])).toEqual([]);
    const code = (blocks as unknown as Json[]).find((b) => b.block_id === 'command')!.text.text as string;
    expect(code.startsWith('*Command*\n```select c0, c1')).toBe(true);
    expect(code.endsWith('…```')).toBe(true);
    const note = all((blocks as unknown as Json[]).filter((b) => b.block_id === 'command_cut'));
    expect(note).toMatch(new RegExp(`showing [\\d,]+ of ${command.length.toLocaleString('en-US')} characters`));
    expect(note).toContain(`<${webUrl}/#/sessions/${ID}|Read the full command in accessgate>`);
  });

  it('keeps non-ASCII text whole and within limits, escaping what mrkdwn would interpret', () => {
    const command = `select '${'東京🚀é\u0301'.repeat(2000)}' as x where a < b && c > d`;
    const name = `Zoë <!channel> Ångström ${'👩‍💻'.repeat(400)}`;
    const reason = `Incident <https://evil.example|click> ${'ü'.repeat(5000)}\nsecond line`;
    const s = session({ command, commandSha256: commandDigest(command), reason, requester: { sub: 's', email: 'zoe@example.com', name, groups: ['dba'] } });
    const { text, blocks } = reviewMessage(s, { webUrl });
    expect(limitProblems(blocks as unknown as Json[])).toEqual([]);
    const shown = all(blocks as unknown as Json[]);
    expect(shown).not.toContain('<!channel>');
    expect(shown).toContain('Zoë &lt;!channel&gt; Ångström');
    expect(shown).not.toContain('<https://evil.example|click>');
    expect(shown).toContain('東京🚀');
    expect(text).not.toContain('<!channel>');
    // Grapheme clusters stay whole: no dangling combining accent or half of a ZWJ sequence at the cut.
    const code = (blocks as unknown as Json[]).find((b) => b.block_id === 'command')!.text.text as string;
    expect(code.replace(/…```$/, '')).toMatch(/(東|京|🚀|é\u0301)$/u);
    const reasonBlock = (blocks as unknown as Json[]).find((b) => b.block_id === 'reason')!.text.text as string;
    expect(reasonBlock.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
  });

  it('shows bound parameters to the approver', () => {
    const parameters = [
      { name: 'country', value: { stringValue: 'FR' } },
      { name: 'limit', value: { longValue: 3 } },
      { name: 'since', value: { stringValue: '2026-01-01' }, typeHint: 'DATE' as const },
      { name: 'nothing', value: { isNull: true as const } },
    ];
    const { blocks } = reviewMessage(session({ parameters }), { webUrl });
    const shown = (blocks as unknown as Json[]).find((b) => b.block_id === 'parameters')!.text.text as string;
    expect(shown).toContain(':country = "FR"\n:limit = 3\n:since = "2026-01-01" (DATE)\n:nothing = NULL');
  });

  it('keeps a command with a code fence inside its code block', () => {
    const command = 'select \'```\' as fence';
    const { blocks } = reviewMessage(session({ command, commandSha256: commandDigest(command) }), { webUrl });
    const code = (blocks as unknown as Json[]).find((b) => b.block_id === 'command')!.text.text as string;
    expect(code.match(/```/g)).toHaveLength(2);
  });

  it('tells the story after each decision and drops the buttons once the review is closed', () => {
    const bob = { sub: 'sub-bob', email: 'bob@example.com', name: 'Bob Brown', at: '2026-11-26T10:02:00.000Z', via: 'slack' as const, forced: false };
    const grace = { ...bob, sub: 'sub-grace', email: 'grace@example.com', name: 'Grace Green', at: '2026-11-26T10:03:00.000Z' };
    const oneOfTwo = reviewMessage(session({ approvals: [bob] }), { webUrl });
    expect(all(oneOfTwo.blocks as unknown as Json[])).toMatch(/approved by Bob Brown at <!date\^\d+\^[^|]+\|2026-11-26 10:02 UTC> \(1 of 2\)/);
    expect((oneOfTwo.blocks as unknown as Json[]).some((b) => b.type === 'actions')).toBe(true);

    const done = reviewMessage(session({ status: 'done', approvals: [bob, grace], decidedAt: grace.at, result: { rowCount: 3, durationMs: 12, truncated: false } }), { webUrl });
    expect(all(done.blocks as unknown as Json[])).toContain('approved by Grace Green');
    expect(all(done.blocks as unknown as Json[])).toContain('(2 of 2)');
    expect(all(done.blocks as unknown as Json[])).toContain('executed: 3 rows in 12 ms');
    expect((done.blocks as unknown as Json[]).some((b) => b.type === 'actions')).toBe(false);

    const denied = statusLines(session({ status: 'denied', denial: { sub: 'sub-bob', email: 'bob@example.com', name: 'Bob Brown', at: bob.at, via: 'slack', reason: 'deletes <everything>' } }));
    expect(denied).toEqual([':no_entry: denied by Bob Brown: deletes &lt;everything&gt;']);
    expect(statusLines(session({ status: 'expired', finishedAt: '2026-11-26T11:00:00.000Z' }))[0]).toMatch(/^:hourglass: expired at .* with 0 of 2 approvals$/);
    expect(statusLines(session({ status: 'failed', approvals: [bob, grace], error: { code: 'x', message: 'relation "custmers" does not exist' } })).at(-1)).toBe(':x: failed: relation "custmers" does not exist');
    expect(statusLines(session({ status: 'cancelled' }))).toEqual([':leftwards_arrow_with_hook: cancelled by the requester']);
    const forced = statusLines(session({ status: 'approved', forced: true, approvals: [{ ...bob, name: 'Carol Chen', forced: true, reason: 'INC-42' }] }));
    expect(forced[0]).toMatch(/^:zap: force-approved by Carol Chen at .*: INC-42$/);
  });
});

describe('the requester\'s direct messages', () => {
  const bob = { sub: 'sub-bob', email: 'bob@example.com', name: 'Bob Brown', at: '2026-11-26T10:02:00.000Z', via: 'slack' as const, forced: false };

  it('reaches each milestone once, in order, and only for reviewed sessions', () => {
    expect(milestonesReached(session())).toEqual([]);
    expect(milestonesReached(session({ status: 'approved', decidedAt: bob.at, approvals: [bob] }))).toEqual(['approved']);
    expect(milestonesReached(session({ status: 'done', decidedAt: bob.at, approvals: [bob] }))).toEqual(['approved', 'done']);
    expect(milestonesReached(session({ status: 'failed', decidedAt: bob.at }))).toEqual(['approved', 'failed']);
    expect(milestonesReached(session({ status: 'denied', decidedAt: bob.at }))).toEqual(['denied']);
    expect(milestonesReached(session({ status: 'expired' }))).toEqual(['expired']);
    expect(milestonesReached(session({ status: 'cancelled' }))).toEqual([]);
    expect(milestonesReached(session({ status: 'done', rule: undefined }))).toEqual([]);
  });

  it('says what happened, with a link', () => {
    const approved = requesterMessage(session({ status: 'approved', approvals: [bob], decidedAt: bob.at }), 'approved', { webUrl });
    expect(approved.text).toContain('Your command on Orders (production) was approved by Bob Brown (1 of 2)');
    expect(all(approved.blocks as unknown as Json[])).toContain(`<${webUrl}/#/sessions/${ID}|Open the session>`);
    const done = requesterMessage(session({ status: 'done', result: { rowCount: 1, durationMs: 5, truncated: false } }), 'done', { webUrl });
    expect(done.text).toContain('executed: 1 row in 5 ms');
    const denied = requesterMessage(session({ status: 'denied', denial: { ...bob, reason: 'not on a Friday' } }), 'denied', { webUrl });
    expect(denied.text).toContain('denied by Bob Brown: not on a Friday');
    expect(requesterMessage(session({ status: 'expired' }), 'expired', { webUrl }).text).toContain('expired with 0 of 2 approvals');
    expect(requesterMessage(session({ status: 'failed', error: { code: 'x', message: 'boom' } }), 'failed', { webUrl }).text).toContain('failed: boom');
  });

  it('tells requester and reviewers plainly when the outcome is unknown, not as an ordinary failure', () => {
    const unknown = session({ status: 'failed', error: { code: OUTCOME_UNKNOWN, message: outcomeUnknownMessage('commit_lost') } });
    expect(requesterMessage(unknown, 'failed', { webUrl }).text).toContain('Outcome unknown: the command ran inside a transaction and the commit was sent');
    expect(requesterMessage(unknown, 'failed', { webUrl }).text).not.toContain('failed: Outcome unknown');
    expect(statusLines(unknown).at(-1)).toMatch(/^:warning: outcome unknown, not re-run: Outcome unknown: .*Check the database/);
  });
});

describe('modals and private answers', () => {
  it('asks a reason to deny, optional unless the rule requires one', () => {
    const optional = denyModal(session());
    expect(optional).toMatchObject({ type: 'modal', callback_id: 'deny', private_metadata: JSON.stringify({ sessionId: ID }) });
    expect(optional.blocks.find((b) => b.type === 'input')).toMatchObject({ block_id: 'reason', optional: true, element: { action_id: 'reason', max_length: 2000 } });
    const required = denyModal(session({ rule: { ...session().rule!, reasonRequired: true } }));
    expect(required.blocks.find((b) => b.type === 'input')).toMatchObject({ optional: false, label: { text: 'Reason (required by the rule)' } });
    expect(optional.title.text.length).toBeLessThanOrEqual(SLACK_LIMITS.modalTitle);
  });

  it('tells a force-approval member that a forced approval needs a reason', () => {
    const modal = forceModal(session());
    expect(modal.callback_id).toBe('force');
    expect(all(modal.blocks as unknown as Json[])).toContain('As a member of sre you may approve it alone: a forced approval needs a reason');
    expect(modal.blocks.find((b) => b.type === 'input')).toMatchObject({ optional: false });
    for (const text of [modal.title.text, modal.submit.text, modal.close.text]) expect(text.length).toBeLessThanOrEqual(SLACK_LIMITS.modalTitle);
  });

  it('turns a deny modal into an explanation with nothing to submit', () => {
    const modal = refusalModal('You cannot approve or deny your own command; another approver has to.');
    expect(modal).toMatchObject({ type: 'modal', callback_id: 'refused', close: { text: 'Close' }, blocks: [{ type: 'section', text: { type: 'plain_text', text: 'You cannot approve or deny your own command; another approver has to.' } }] });
    expect(modal.submit).toBeUndefined();
    expect(modal.title.text.length).toBeLessThanOrEqual(SLACK_LIMITS.modalTitle);
    expect(refusalModal('x'.repeat(5_000)).blocks[0]).toMatchObject({ text: { text: expect.stringMatching(/^x{2999}…$/) } });
  });

  it('explains every refusal in words', () => {
    expect(refusalText({ kind: 'self_review' })).toMatch(/your own command/);
    expect(refusalText({ kind: 'not_approver', groups: ['dba-approvers'] })).toMatch(/Only members of dba-approvers/);
    expect(refusalText({ kind: 'review_closed', status: 'pending_review' })).toBe('Already decided: this session is pending review.');
    expect(refusalText({ kind: 'already_approved', approvals: 1, required: 2 })).toMatch(/already counted \(1 of 2\).*1 more/);
    expect(refusalText({ kind: 'unknown_user', email: 'zed@example.com' })).toMatch(/does not know zed@example.com/);
    expect(refusalText({ kind: 'view_failed' })).toMatch(/did not open the form in time; nothing was recorded/);
  });
});

describe('cutting', () => {
  it('never splits an escape entity or a grapheme', () => {
    expect(cutRendered('a<b', 4, escapeMrkdwn)).toEqual({ text: 'a', shown: 1, cut: true });
    expect(cutRendered('👩‍💻👩‍💻', 6).text).toBe('👩‍💻');
  });
});

describe('hidden characters in Slack', () => {
  it('shows bidi overrides and zero-width characters in the command and reason escaped, with a warning', () => {
    const hostile = session({ command: 'select 1 /* \u202Edrop table x */\u200B', reason: 'routine\u2066 cleanup' });
    const text = JSON.stringify(reviewMessage(hostile, { webUrl }).blocks);
    // Slack shows &lt; and &gt; as < and >.
    expect(text).toContain('select 1 /* &lt;U+202E&gt;drop table x */&lt;U+200B&gt;');
    expect(text).toContain('routine&lt;U+2066&gt; cleanup');
    expect(text).not.toMatch(/[\u202E\u2066]/);
    expect(text).toContain('hidden characters');
    expect(JSON.stringify(denyModal(hostile))).toContain('hidden characters');
  });

  it('warns about nothing when there is nothing hidden, and keeps triple backticks inert', () => {
    const plainSession = session({ command: 'select \'```\' as fence' });
    const text = JSON.stringify(reviewMessage(plainSession, { webUrl }).blocks);
    expect(text).not.toContain('hidden characters');
    expect(text).toContain('``\u200b`');
  });
});
