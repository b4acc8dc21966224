/**
 * The session: one submitted command and its lifecycle, and the review rules that move it along.
 *
 *   pending_review ──approve×N / force──▶ approved ──▶ running ──▶ done | failed
 *         │ deny ▶ denied   │ timeout ▶ expired   │ requester ▶ cancelled
 *
 * An access window (`kind: "window"`, functions/domain/window.ts) is reviewed the same way, then
 * goes approved ──▶ active ──▶ ended (time) | revoked (a person) instead of running a command.
 *
 * A command no rule covers starts as `approved`, and so does one run under an active window's grant. Everything here is pure; the stores apply these
 * decisions with conditional writes so concurrent callers cannot break them.
 */
import { createHash } from 'node:crypto';
import { chooseStep } from './approval-steps';
import { canonicalJson } from './audit-chain';
import { ConflictError, ForbiddenError, InvalidInputError } from './errors';
import { actorOf, type Identity, inAnyGroup, samePerson } from './identity';
import type { ResourceSummary } from './resource';
import type { RuleSnapshot } from './rule';
import type { Approval, Denial, ReviewChannel, Session, SqlParameter } from './session-shape';

export * from './session-shape';

export const MAX_COMMAND_BYTES = 64 * 1024;

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The digest that ties what runs to what was approved. A bare command keeps its plain SHA-256 (so
 * sessions recorded before parameters existed still verify); with parameters it is the SHA-256 of the
 * canonical JSON of `{command, parameters}`, so changing a value, a name, a type hint or their order
 * changes the digest as surely as changing the SQL.
 */
export function commandDigest(command: string, parameters?: readonly SqlParameter[]): string {
  return parameters?.length ? sha256Hex(canonicalJson({ command, parameters })) : sha256Hex(command);
}

/** Bytes the command and its parameters occupy, against the one limit both share. */
export const commandBytes = (command: string, parameters?: readonly SqlParameter[]): number =>
  Buffer.byteLength(command, 'utf8') + (parameters?.length ? Buffer.byteLength(canonicalJson(parameters), 'utf8') : 0);

export function validateCommand(command: string, parameters?: readonly SqlParameter[]): void {
  if (!command.trim()) throw new InvalidInputError('command: must not be empty', { fields: ['command'] });
  const bytes = commandBytes(command, parameters);
  if (bytes > MAX_COMMAND_BYTES) {
    throw new InvalidInputError(`command: ${bytes} bytes is over the ${MAX_COMMAND_BYTES}-byte limit`, {
      fields: ['command'],
      tooLarge: true,
    });
  }
}

export interface NewSessionInput {
  readonly id: string;
  readonly now: Date;
  readonly requester: Identity;
  readonly resource: ResourceSummary;
  readonly command: string;
  readonly parameters?: readonly SqlParameter[];
  readonly reason?: string;
  readonly rule?: RuleSnapshot;
  /** The rule lets this command run without review (its autoApprove, the parser's proof): no approvals, no review window. */
  readonly autoApproved?: boolean;
  /** The active window this command runs under: the session starts approved, by that grant. */
  readonly grant?: string;
}

export function newSession(input: NewSessionInput): Session {
  const createdAt = input.now.toISOString();
  const reason = input.reason?.trim() || undefined;
  return {
    id: input.id,
    status: input.rule && !input.autoApproved && !input.grant ? 'pending_review' : 'approved',
    createdAt,
    updatedAt: createdAt,
    requester: { ...actorOf(input.requester), groups: [...input.requester.groups] },
    resource: input.resource,
    command: input.command,
    ...(input.parameters?.length ? { parameters: input.parameters.map((p) => ({ ...p, value: { ...p.value } })) } : {}),
    commandSha256: commandDigest(input.command, input.parameters),
    ...(reason ? { reason } : {}),
    ...(input.rule
      ? {
          rule: input.rule,
          ...(input.autoApproved || input.grant ? {} : { expiresAt: new Date(input.now.getTime() + input.rule.reviewTimeoutSeconds * 1000).toISOString() }),
        }
      : {}),
    ...(input.grant ? { grant: input.grant } : {}),
    approvalsRequired: input.autoApproved || input.grant ? 0 : (input.rule?.approvalsRequired ?? 0),
    approvals: [],
    forced: false,
  };
}

/** Groups whose members are asked to review this session (approvers and break-glass). */
export const reviewGroupsOf = (session: Session): string[] =>
  session.rule ? [...new Set([...session.rule.approvalGroups, ...session.rule.forceApprovalGroups])] : [];

export const isApprover = (who: Identity, session: Session): boolean =>
  !!session.rule && inAnyGroup(who, session.rule.approvalGroups);

export const canForce = (who: Identity, session: Session): boolean =>
  !!session.rule && inAnyGroup(who, session.rule.forceApprovalGroups);

/** Whether this person may decide on this session at all (the reviews inbox shows only these). */
export const mayReview = (who: Identity, session: Session): boolean =>
  (isApprover(who, session) && !samePerson(who, session.requester)) || canForce(who, session);

export interface ReviewRequest {
  readonly decision: 'approve' | 'deny';
  readonly reason?: string;
  readonly force?: boolean;
  readonly via: ReviewChannel;
}

export type ReviewAction =
  | { readonly kind: 'approve'; readonly approval: Approval }
  | { readonly kind: 'force'; readonly approval: Approval }
  | { readonly kind: 'deny'; readonly denial: Denial }
  | { readonly kind: 'already_approved' };

/** Refusals that are security events: recorded even though nothing about the session changes. */
export class ReviewRefusedError extends ForbiddenError {}

/**
 * Decides what a review request means, or throws why it is refused. Order matters: a closed session
 * answers 409 to everyone; then identity checks, so an outsider learns nothing about the review.
 */
export function decideReview(session: Session, who: Identity, request: ReviewRequest, now: Date): ReviewAction {
  if (session.status !== 'pending_review') {
    throw new ConflictError(`Session ${session.id} is already ${session.status}; its review is closed.`, 'review_closed', {
      status: session.status,
    });
  }
  const reason = request.reason?.trim() || undefined;
  const at = now.toISOString();
  const actor = actorOf(who);

  if (request.force) {
    if (request.decision !== 'approve') throw new InvalidInputError('force: only an approval can be forced', { fields: ['force'] });
    if (!canForce(who, session)) {
      throw new ReviewRefusedError(
        `Only members of ${session.rule?.forceApprovalGroups.join(', ') || 'a force-approval group'} can force-approve session ${session.id}.`,
        'not_force_approver',
      );
    }
    if (!reason) throw new InvalidInputError('reason: a forced approval needs a reason', { fields: ['reason'] });
    return { kind: 'force', approval: { ...actor, at, via: request.via, forced: true, reason } };
  }

  if (samePerson(who, session.requester)) {
    throw new ReviewRefusedError('You cannot review your own command; ask another approver.', 'self_review');
  }
  if (!isApprover(who, session)) {
    throw new ReviewRefusedError(
      `Only members of ${session.rule?.approvalGroups.join(', ') ?? 'an approval group'} can review session ${session.id}.`,
      'not_approver',
    );
  }
  if (request.decision === 'deny') {
    if (session.rule?.reasonRequired && !reason) {
      throw new InvalidInputError('reason: this rule requires a reason to deny', { fields: ['reason'] });
    }
    return { kind: 'deny', denial: { ...actor, at, via: request.via, ...(reason ? { reason } : {}) } };
  }
  // One person is one approver: an approval under the same email or the same subject is theirs already.
  if (session.approvals.some((approval) => samePerson(approval, who))) return { kind: 'already_approved' };
  // With approval steps the approval names the one step it counts toward (functions/domain/approval-steps.ts).
  const choice = session.rule?.approvalSteps ? chooseStep(session, who.groups) : undefined;
  if (choice?.kind === 'refused') throw new ConflictError(choice.message, choice.code, { status: session.status });
  const step = choice ? { step: choice.step } : {};
  return { kind: 'approve', approval: { ...actor, at, via: request.via, forced: false, ...(reason ? { reason } : {}), ...step } };
}

/** Whether the requester may cancel now. */
export function assertCancellable(session: Session, who: Identity): void {
  if (who.sub !== session.requester.sub) {
    throw new ForbiddenError('Only the requester can cancel a session.', 'not_requester');
  }
  if (session.status !== 'pending_review') {
    throw new ConflictError(`Session ${session.id} is ${session.status}; only a pending review can be cancelled.`, 'review_closed', {
      status: session.status,
    });
  }
}

/** Seconds left in the review window, never below Step Functions' minimum of one. */
export function reviewSecondsLeft(session: Session, now: Date): number {
  if (!session.expiresAt) return 1;
  return Math.max(1, Math.ceil((Date.parse(session.expiresAt) - now.getTime()) / 1000));
}
