import { describe, expect, it } from 'vitest';
import type { Identity } from '../../../functions/domain/identity';
import type { Session } from '../../../functions/domain/session';
import { decideClick, parseInteraction, viewInput } from '../../../functions/domain/slack-interaction';
import approve from '../../fixtures/slack/block-actions-approve.json';
import deny from '../../fixtures/slack/view-submission-deny.json';

const form = (payload: unknown) => `payload=${encodeURIComponent(JSON.stringify(payload))}`;

const people = {
  alice: { sub: 'sub-alice', email: 'alice@example.com', name: 'Alice', groups: ['dba'] },
  bob: { sub: 'sub-bob', email: 'bob@example.com', name: 'Bob', groups: ['dba-approvers'] },
  henry: { sub: 'sub-henry', email: 'henry@example.com', name: 'Henry', groups: ['dba', 'dba-approvers'] },
  carol: { sub: 'sub-carol', email: 'carol@example.com', name: 'Carol', groups: ['sre'] },
  frank: { sub: 'sub-frank', email: 'frank@example.com', name: 'Frank', groups: ['dba'] },
} satisfies Record<string, Identity>;

const pending = (requester: Identity, approvals: Session['approvals'] = []): Session => ({
  id: 'id',
  status: 'pending_review',
  createdAt: '2026-11-26T10:00:00.000Z',
  updatedAt: '2026-11-26T10:00:00.000Z',
  requester: { sub: requester.sub, email: requester.email, name: requester.name, groups: requester.groups },
  resource: { id: 'postgres-demo', name: 'Orders', type: 'postgres', database: 'postgres' },
  command: 'select 1',
  commandSha256: 'x',
  rule: { name: 'r', approvalGroups: ['dba-approvers'], forceApprovalGroups: ['sre'], approvalsRequired: 2, reviewTimeoutSeconds: 3600, reasonRequired: false, slackChannel: undefined },
  approvalsRequired: 2,
  approvals,
  forced: false,
});

describe('parsing what Slack posts', () => {
  it('reads a button click and a modal submission from the form field', () => {
    const click = parseInteraction(form(approve));
    expect(click).toMatchObject({ type: 'block_actions', user: { id: 'UBOB' }, actions: [{ action_id: 'approve', value: '0f6f7c52-1d55-4c43-9a0e-6b1f9b0c2d11' }] });
    const submission = parseInteraction(form(deny));
    expect(submission.type).toBe('view_submission');
    if (submission.type === 'view_submission') expect(viewInput(submission.view, 'reason', 'reason')).toBe('deletes every order');
  });

  it('ignores kinds it does not act on, and refuses what is not a payload', () => {
    expect(parseInteraction(form({ type: 'view_closed', user: { id: 'U1' } }))).toEqual({ type: 'ignored', slackType: 'view_closed' });
    expect(() => parseInteraction('token=abc')).toThrow(/payload/);
    expect(() => parseInteraction('payload=%7Bnot-json')).toThrow(/not valid JSON/);
    expect(() => parseInteraction(form({ ...approve, actions: [] }))).toThrow(/actions/);
  });
});

describe('deciding a click before anything is written', () => {
  it('lets an approver approve, and opens the deny modal', () => {
    expect(decideClick(pending(people.alice), people.bob, 'approve')).toEqual({ kind: 'approve' });
    expect(decideClick(pending(people.alice), people.bob, 'deny')).toEqual({ kind: 'open_deny_modal' });
  });

  it('refuses the requester on their own command, also when only the email matches', () => {
    expect(decideClick(pending(people.henry), people.henry, 'approve')).toEqual({ kind: 'refuse', refusal: { kind: 'self_review' } });
    expect(decideClick(pending(people.henry), { ...people.henry, sub: 'stale-sub' }, 'deny')).toEqual({ kind: 'refuse', refusal: { kind: 'self_review' } });
  });

  it('refuses outsiders and counts nobody twice', () => {
    expect(decideClick(pending(people.alice), people.frank, 'approve')).toEqual({ kind: 'refuse', refusal: { kind: 'not_approver', groups: ['dba-approvers'] } });
    const approved = pending(people.alice, [{ sub: 'sub-bob', email: 'BOB@example.com', name: 'Bob', at: 'x', via: 'web', forced: false }]);
    expect(decideClick(approved, people.bob, 'approve')).toEqual({ kind: 'refuse', refusal: { kind: 'already_approved', approvals: 1, required: 2 } });
  });

  it('offers break-glass members the force modal, own command included', () => {
    expect(decideClick(pending(people.alice), people.carol, 'approve')).toEqual({ kind: 'open_force_modal' });
    expect(decideClick(pending(people.carol), people.carol, 'approve')).toEqual({ kind: 'open_force_modal' });
    expect(decideClick(pending(people.alice), people.carol, 'deny').kind).toBe('refuse');
  });

  it('answers "already decided" once the review is closed', () => {
    expect(decideClick({ ...pending(people.alice), status: 'approved' }, people.bob, 'approve')).toEqual({ kind: 'refuse', refusal: { kind: 'review_closed', status: 'approved' } });
  });
});
