/**
 * An access request rule: which commands on which resources need whose review.
 */
import { z } from 'zod';
import { AUTO_APPROVE, GUARDRAILS } from './guardrails';

const group = z.string().trim().min(1).max(128);
export const DEFAULT_REVIEW_TIMEOUT_SECONDS = 3600;
/**
 * A review open for more than a week is no longer just-in-time. The bound also keeps every timer
 * below Node's 24.8-day setTimeout limit, which the local workflow runner relies on, and below the
 * state machine's own 8-day execution timeout.
 */
export const MAX_REVIEW_TIMEOUT_SECONDS = 7 * 24 * 3600;

export const ruleNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes (1-63 characters)');

export const ruleSchema = z
  .object({
    name: ruleNameSchema,
    description: z.string().max(1000).default(''),
    mode: z.literal('command').default('command'),
    resources: z.array(z.string().min(1)).min(1, 'bind the rule to at least one resource'),
    requesterGroups: z.array(group).default([]),
    approvalGroups: z.array(group).min(1, 'name at least one approval group'),
    approvalsRequired: z.number().int().min(1).max(5).default(1),
    forceApprovalGroups: z.array(group).default([]),
    reviewTimeoutSeconds: z.number().int().min(60).max(MAX_REVIEW_TIMEOUT_SECONDS).default(DEFAULT_REVIEW_TIMEOUT_SECONDS),
    reasonRequired: z.boolean().default(false),
    slackChannel: z.string().min(1).max(80).optional(),
    /** Commands refused at submission, whoever would review them (functions/domain/guardrails.ts). */
    guardrails: z.object({ deny: z.array(z.enum(GUARDRAILS)).max(GUARDRAILS.length) }).strict().optional(),
    /** `read-only`: commands the parser proves read-only run without review. */
    autoApprove: z.enum(AUTO_APPROVE).optional(),
  })
  .strict();

export type Rule = z.output<typeof ruleSchema>;
export type RuleInput = z.input<typeof ruleSchema>;

/** The part of a rule frozen onto a session at submission, so later rule edits cannot change a review in flight. */
export const ruleSnapshot = (rule: Rule) => ({
  name: rule.name,
  approvalGroups: rule.approvalGroups,
  forceApprovalGroups: rule.forceApprovalGroups,
  approvalsRequired: rule.approvalsRequired,
  reviewTimeoutSeconds: rule.reviewTimeoutSeconds,
  reasonRequired: rule.reasonRequired,
  slackChannel: rule.slackChannel,
});
export type RuleSnapshot = ReturnType<typeof ruleSnapshot>;
