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
import { z } from 'zod';
import { chooseStep } from './approval-steps';
import type { FollowUp } from './follow-up';
import { canonicalJson } from './audit-chain';
import { ConflictError, ForbiddenError, InvalidInputError } from './errors';
import { type Actor, actorOf, type Identity, inAnyGroup, samePerson } from './identity';
import type { ResourceSummary } from './resource';
import type { Preview } from './preview';
import type { RuleSnapshot } from './rule';

export const SESSION_STATUSES = [
  'pending_review',
  'approved',
  'running',
  'done',
  'failed',
  'denied',
  'expired',
  'cancelled',
  'active',
  'ended',
  'revoked',
] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const FINAL_STATUSES: readonly SessionStatus[] = ['done', 'failed', 'denied', 'expired', 'cancelled', 'ended', 'revoked'];
export const isFinal = (status: SessionStatus): boolean => FINAL_STATUSES.includes(status);

/** States that need nobody's action: a caller waiting on a session can stop waiting here. */
export const isSettled = (status: SessionStatus): boolean => status === 'pending_review' || status === 'active' || isFinal(status);

export const MAX_COMMAND_BYTES = 64 * 1024;
export const MAX_PARAMETERS = 1000;

/**
 * A bound parameter in the RDS Data API's own shape (`:name` in the command, one typed value member,
 * an optional typeHint), so the executor hands it to ExecuteStatement unchanged. Integers stay within
 * JavaScript's safe range because JSON carries them as doubles: larger ones travel as a DECIMAL string.
 */
const parameterValueSchema = z.union([
  z.object({ isNull: z.literal(true) }).strict(),
  z.object({ stringValue: z.string() }).strict(),
  z.object({ longValue: z.number().int().refine(Number.isSafeInteger, 'must be a safe integer; send larger ones as stringValue with typeHint DECIMAL') }).strict(),
  z.object({ doubleValue: z.number().finite() }).strict(),
  z.object({ booleanValue: z.boolean() }).strict(),
  z.object({ blobValue: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64') }).strict(),
]);

export const sqlParameterSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be a placeholder name (letters, digits, underscore)'),
    value: parameterValueSchema,
    typeHint: z.enum(['DATE', 'DECIMAL', 'JSON', 'TIME', 'TIMESTAMP', 'UUID']).optional(),
  })
  .strict();

export const sqlParametersSchema = z
  .array(sqlParameterSchema)
  .max(MAX_PARAMETERS, `at most ${MAX_PARAMETERS} parameters`)
  .refine((list) => new Set(list.map((p) => p.name)).size === list.length, 'parameter names must be unique');

export type SqlParameter = z.output<typeof sqlParameterSchema>;

export type ReviewChannel = 'web' | 'slack' | 'api';

export interface Approval extends Actor {
  readonly at: string;
  readonly via: ReviewChannel;
  readonly forced: boolean;
  readonly reason?: string;
  /** The approval step (index into the rule's approvalSteps) this approval counts toward; absent without steps. */
  readonly step?: number;
}

export interface Denial extends Actor {
  readonly at: string;
  readonly via: ReviewChannel;
  readonly reason?: string;
}

export interface ResultSummary {
  readonly rowCount: number;
  readonly durationMs: number;
  readonly truncated: boolean;
  readonly recordsUpdated?: number;
}

export interface SessionError {
  readonly code: string;
  readonly message: string;
}

export interface Session {
  readonly id: string;
  readonly status: SessionStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly requester: Actor & { readonly groups: readonly string[] };
  readonly resource: ResourceSummary;
  readonly command: string;
  /** Values bound to the command's `:name` placeholders; approvers see them and the digest covers them. */
  readonly parameters?: readonly SqlParameter[];
  readonly commandSha256: string;
  readonly reason?: string;
  readonly rule?: RuleSnapshot;
  /** What the command will do, worked out at submission, and the row ceiling its approval carries (functions/domain/preview.ts). */
  readonly preview?: Preview;
  readonly approvalsRequired: number;
  readonly approvals: readonly Approval[];
  readonly forced: boolean;
  readonly denial?: Denial;
  readonly expiresAt?: string;
  readonly decidedAt?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly result?: ResultSummary;
  readonly error?: SessionError;
  /** Opened by a forced approval; closed by another approver (functions/domain/follow-up.ts). */
  readonly followUp?: FollowUp;
  /** Where the review request was posted (e.g. Slack channel and message ts), so any process can update it. */
  readonly notification?: Readonly<Record<string, string>>;
  /** `window`: an access window, whose `command` is empty (functions/domain/window.ts); absent: one command. */
  readonly kind?: 'window';
  /** A window's length, counted from the moment it opens. */
  readonly durationSeconds?: number;
  /** When an active window closes; commands submitted at or after it wait for review again. */
  readonly windowEndsAt?: string;
  /** Who revoked a window, and when. */
  readonly revokedBy?: Actor & { readonly at: string };
  /** On a command run without review: the id of the active window session that granted it. */
  readonly grant?: string;
}

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
