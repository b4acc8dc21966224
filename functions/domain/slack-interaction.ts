/**
 * The interactivity payloads accessgate acts on, as Slack posts them: a form-encoded body whose
 * `payload` field holds JSON. Only the fields we use are checked; Slack adds fields freely, so the
 * schemas are loose. Anything else (a closed modal, a shortcut) parses as `ignored` and is just
 * acknowledged. Pure: no I/O.
 */
import { InvalidInputError } from './errors';
import { type Identity, samePerson } from './identity';
import { canForce, isApprover, type Session } from './session';
import type { ClickRefusal } from './slack-message';
import { describeIssues } from './validation';
import * as z from './zod';

const text = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max));
const user = z.looseObject({ id: text(1, 64) });

const blockActions = z.looseObject({
  type: z.literal('block_actions'),
  user,
  trigger_id: text(1, 256),
  response_url: z.optional(z.url()),
  channel: z.optional(z.looseObject({ id: z.string() })),
  message: z.optional(z.looseObject({ ts: z.string() })),
  actions: z
    .array(z.looseObject({ action_id: z.string().check(z.maxLength(255)), value: z.optional(z.string().check(z.maxLength(2000))) }))
    .check(z.minLength(1)),
});

const viewSubmission = z.looseObject({
  type: z.literal('view_submission'),
  user,
  view: z.looseObject({
    id: z.optional(z.string()),
    callback_id: z.string().check(z.maxLength(255)),
    private_metadata: z._default(z.string().check(z.maxLength(3000)), ''),
    state: z._default(z.looseObject({ values: z.record(z.string(), z.record(z.string(), z.looseObject({ value: z.nullish(z.string()) }))) }), { values: {} }),
  }),
});

export type BlockActions = z.output<typeof blockActions>;
export type ViewSubmission = z.output<typeof viewSubmission>;
export type Interaction = BlockActions | ViewSubmission | { readonly type: 'ignored'; readonly slackType: string };

/** Parses the raw (already base64-decoded) form body Slack posted. */
export function parseInteraction(formBody: string): Interaction {
  const payload = new URLSearchParams(formBody).get('payload');
  if (!payload) throw new InvalidInputError('payload: the form field Slack sends is missing');
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch (error) {
    throw new InvalidInputError(`payload: not valid JSON (${(error as Error).message})`);
  }
  const type = (json as { type?: unknown } | null)?.type;
  const schema = type === 'block_actions' ? blockActions : type === 'view_submission' ? viewSubmission : undefined;
  if (!schema) return { type: 'ignored', slackType: String(type) };
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new InvalidInputError(`Invalid Slack ${String(type)} payload: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** The text typed into a modal's input, or undefined when it was left empty. */
export function viewInput(view: ViewSubmission['view'], blockId: string, actionId: string): string | undefined {
  const value = view.state.values[blockId]?.[actionId]?.value;
  return value?.trim() ? value : undefined;
}

/** What a click on Approve or Deny leads to, decided before anything is written. */
export type ClickDecision =
  | { readonly kind: 'approve' }
  | { readonly kind: 'open_force_modal' }
  | { readonly kind: 'open_deny_modal' }
  | { readonly kind: 'refuse'; readonly refusal: ClickRefusal };

/**
 * Decides a click the way decideReview would decide the request it becomes, so that a click that
 * would be refused is answered privately and nothing is written to the session (anyone in the channel
 * can click). A `self_review` or `not_approver` refusal is what the API would answer 403, and the
 * caller records it as a security event; a closed review or an approval already counted is only a
 * misclick. The same person is recognised by sub or by email, so an entry in the directory with a
 * stale sub can never let a requester approve their own command.
 */
export function decideClick(session: Session, who: Identity, action: 'approve' | 'deny'): ClickDecision {
  if (session.status !== 'pending_review') return { kind: 'refuse', refusal: { kind: 'review_closed', status: session.status } };
  const own = samePerson(who, session.requester);
  const approver = isApprover(who, session) && !own;
  if (action === 'deny') {
    if (approver) return { kind: 'open_deny_modal' };
    return { kind: 'refuse', refusal: own ? { kind: 'self_review' } : { kind: 'not_approver', groups: session.rule?.approvalGroups ?? [] } };
  }
  if (approver) {
    const mine = session.approvals.some((a) => samePerson(a, who));
    if (mine) return { kind: 'refuse', refusal: { kind: 'already_approved', approvals: session.approvals.length, required: session.approvalsRequired } };
    return { kind: 'approve' };
  }
  if (canForce(who, session)) return { kind: 'open_force_modal' };
  return { kind: 'refuse', refusal: own ? { kind: 'self_review' } : { kind: 'not_approver', groups: session.rule?.approvalGroups ?? [] } };
}
