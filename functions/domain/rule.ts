/**
 * An access request rule: which commands on which resources need whose review.
 */
import { AUTO_APPROVE, GUARDRAILS } from './guardrails';
import { stepGroups, totalApprovals } from './approval-steps';
import { linkProblem, patternProblem } from './reason-format';
import { MAX_FOLLOW_UP_HOURS } from './follow-up';
import * as z from './zod';

const group = z.string().check(z.trim(), z.minLength(1), z.maxLength(128));
/** A whole number from `min` to `max`. */
const count = (min: number, max: number) => z.int().check(z.gte(min), z.lte(max));
export const DEFAULT_REVIEW_TIMEOUT_SECONDS = 3600;
/**
 * A review open for more than a week is no longer just-in-time. The bound also keeps every timer
 * below Node's 24.8-day setTimeout limit, which the local workflow runner relies on, and below the
 * state machine's own 8-day execution timeout.
 */
export const MAX_REVIEW_TIMEOUT_SECONDS = 7 * 24 * 3600;
/**
 * The longest access window a rule may allow. A window's end is a Wait state in the session's own
 * workflow, so the longest review (7 days) plus the longest window must stay inside the state
 * machine's 8-day execution timeout; twelve hours is also as long as "just in time" stretches.
 */
export const MAX_WINDOW_SECONDS = 12 * 3600;

export const ruleNameSchema = z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes (1-63 characters)'));

export const MAX_APPROVAL_STEPS = 5;
const approvalStepSchema = z.strictObject({
  groups: z.array(group).check(z.minLength(1, 'name at least one group for the step'), z.maxLength(20)),
  approvals: count(1, 5),
});

/** Turns a "why it is refused" check into a field refinement with that message. */
const fieldProblem = (problem: (value: string) => string | undefined) => (value: string, ctx: z.core.$RefinementCtx<string>) => {
  const message = problem(value);
  if (message) ctx.addIssue({ code: 'custom', message });
};

/** A rule says who approves either as approvalSteps or as approvalGroups/approvalsRequired, never both. */
function approvalPlanIssues(rule: { approvalGroups?: unknown; approvalsRequired?: unknown; approvalSteps?: unknown; ordered?: unknown }, ctx: z.core.$RefinementCtx<unknown>): void {
  const issue = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
  if (rule.approvalSteps !== undefined) {
    if (rule.approvalGroups !== undefined) issue('approvalGroups', 'give either approvalSteps or approvalGroups, not both');
    if (rule.approvalsRequired !== undefined) issue('approvalsRequired', 'give either approvalSteps or approvalsRequired, not both (each step says its approvals)');
  } else {
    if (rule.approvalGroups === undefined) issue('approvalGroups', 'name at least one approval group (or give approvalSteps)');
    if (rule.ordered !== undefined) issue('ordered', 'applies only to approvalSteps');
  }
}

export const ruleSchema = z.pipe(
  z
    .strictObject({
      name: ruleNameSchema,
      description: z._default(z.string().check(z.maxLength(1000)), ''),
      mode: z._default(z.literal('command'), 'command'),
      resources: z.array(z.string().check(z.minLength(1))).check(z.minLength(1, 'bind the rule to at least one resource')),
      requesterGroups: z._default(z.array(group), []),
      approvalGroups: z.optional(z.array(group).check(z.minLength(1, 'name at least one approval group'))),
      /** One when absent, unless the rule has approvalSteps. */
      approvalsRequired: z.optional(count(1, 5)),
      approvalSteps: z.optional(
        z.array(approvalStepSchema).check(z.minLength(1, 'name at least one step'), z.maxLength(MAX_APPROVAL_STEPS, `at most ${MAX_APPROVAL_STEPS} steps`)),
      ),
      ordered: z.optional(z.boolean()),
      /** A regular expression the whole reason must match; makes a reason required (functions/domain/reason-format.ts). */
      reasonPattern: z.optional(z.string().check(z.minLength(1), z.superRefine(fieldProblem(patternProblem)))),
      /** `https://tracker.example.com/browse/{reason}`: the reason as a link for reviewers; needs reasonPattern. */
      reasonLink: z.optional(z.string().check(z.maxLength(500), z.superRefine(fieldProblem(linkProblem)))),
      forceApprovalGroups: z._default(z.array(group), []),
      /** Hours until a forced approval's follow-up is due; 48 when absent (functions/domain/follow-up.ts). */
      followUpHours: z.optional(count(1, MAX_FOLLOW_UP_HOURS)),
      reviewTimeoutSeconds: z._default(count(60, MAX_REVIEW_TIMEOUT_SECONDS), DEFAULT_REVIEW_TIMEOUT_SECONDS),
      reasonRequired: z._default(z.boolean(), false),
      slackChannel: z.optional(z.string().check(z.minLength(1), z.maxLength(80))),
      /** Commands refused at submission, whoever would review them (functions/domain/guardrails.ts). */
      guardrails: z.optional(z.strictObject({ deny: z.array(z.enum(GUARDRAILS)).check(z.maxLength(GUARDRAILS.length)) })),
      /** `read-only`: commands the parser proves read-only run without review. */
      autoApprove: z.optional(z.enum(AUTO_APPROVE)),
      /** Present: requesters this rule covers may ask for an access window of at most this many seconds. */
      maxWindowSeconds: z.optional(count(60, MAX_WINDOW_SECONDS)),
      /** The most rows an approved command may change; unset, the ceiling is the previewed count plus 10 %. */
      maxRowsAffected: z.optional(z.int().check(z.gte(0))),
    })
    .check(
      z.superRefine(approvalPlanIssues),
      z.superRefine((rule, ctx) => {
        if (rule.reasonLink !== undefined && rule.reasonPattern === undefined) {
          ctx.addIssue({ code: 'custom', path: ['reasonLink'], message: 'needs reasonPattern, so the reason it links is checked' });
        }
        if (rule.followUpHours !== undefined && rule.forceApprovalGroups.length === 0) {
          ctx.addIssue({ code: 'custom', path: ['followUpHours'], message: 'needs forceApprovalGroups: only a forced approval opens a follow-up' });
        }
      }),
    ),
  // The default of one approval applies only without steps, so a rule sent with steps never holds both.
  z.transform((rule) => (rule.approvalSteps ? rule : { ...rule, approvalsRequired: rule.approvalsRequired ?? 1 })),
);

export type Rule = z.output<typeof ruleSchema>;
export type RuleInput = z.input<typeof ruleSchema>;

/** What a person who may use a resource is told of the rule that governs it (GET /resources): who approves, how long a review waits. */
export const ruleSummary = (rule: Rule) => ({
  name: rule.name,
  approvalGroups: approverGroupsOf(rule),
  forceApprovalGroups: rule.forceApprovalGroups,
  approvalsRequired: approvalsRequiredOf(rule),
  ...(rule.approvalSteps ? { approvalSteps: rule.approvalSteps, ordered: rule.ordered ?? false } : {}),
  reviewTimeoutSeconds: rule.reviewTimeoutSeconds,
  reasonRequired: rule.reasonRequired,
  ...(rule.maxWindowSeconds ? { maxWindowSeconds: rule.maxWindowSeconds } : {}),
});
export type RuleSummary = ReturnType<typeof ruleSummary>;

/** The part of a rule frozen onto a session at submission, so later rule edits cannot change a review in flight. */
export const ruleSnapshot = (rule: Rule) => ({
  ...ruleSummary(rule),
  slackChannel: rule.slackChannel,
  ...(rule.reasonPattern ? { reasonPattern: rule.reasonPattern } : {}),
  ...(rule.reasonLink ? { reasonLink: rule.reasonLink } : {}),
  ...(rule.maxRowsAffected !== undefined ? { maxRowsAffected: rule.maxRowsAffected } : {}),
  ...(rule.followUpHours ? { followUpHours: rule.followUpHours } : {}),
});
export type RuleSnapshot = ReturnType<typeof ruleSnapshot>;

/** Every group whose members may approve under the rule (with steps: the groups of all its steps). */
export const approverGroupsOf = (rule: Rule): string[] => (rule.approvalSteps ? stepGroups(rule.approvalSteps) : (rule.approvalGroups ?? []));

/** How many distinct approvals a command under the rule needs in all. */
export const approvalsRequiredOf = (rule: Rule): number => (rule.approvalSteps ? totalApprovals(rule.approvalSteps) : (rule.approvalsRequired ?? 1));
