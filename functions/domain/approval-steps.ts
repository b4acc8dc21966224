/**
 * Approval steps: a rule may ask for approvals from several groups at once (AND across groups), e.g.
 * one from dba-approvers and one from sre. Each step is met by its own distinct people; one person
 * counts toward one step only, and never toward their own command (decideReview refuses that first).
 *
 * Which step a person's approval counts toward: the first step, in the rule's order, that they
 * qualify for (in one of its groups) and that is not yet met. The step is chosen when the approval is
 * decided and recorded on it (`approval.step`, the step's index), and the store counts it with a
 * conditional write on that step's own count, so two approvals racing for a one-approval step cannot
 * both count: the loser is decided again against the session as it now is.
 *
 * With `ordered`, only the first unmet step is open: a person who qualifies only for a later step is
 * refused (409 `step_not_open`) until the earlier ones are met.
 *
 * Pure and free of zod and node imports, so the web UI and the CLI show progress with the same code.
 */

export interface ApprovalStep {
  readonly groups: readonly string[];
  readonly approvals: number;
}

export interface StepProgress extends ApprovalStep {
  readonly given: number;
  readonly met: boolean;
}

/** The parts of a session step progress is computed from (the API's session shape has them too). */
export interface StepSession {
  readonly rule?: { readonly approvalSteps?: readonly ApprovalStep[]; readonly ordered?: boolean } | null;
  readonly approvals: readonly { readonly step?: number; readonly forced?: boolean }[];
}

/** Each step with the approvals counted toward it; empty for a session whose rule has no steps. */
export function stepProgress(session: StepSession): StepProgress[] {
  return (session.rule?.approvalSteps ?? []).map((step, index) => {
    const given = session.approvals.filter((approval) => approval.step === index && !approval.forced).length;
    return { ...step, given, met: given >= step.approvals };
  });
}

/** "dba-approvers 1/1 · sre 0/1"; a step open to several groups names them "a or b". Empty without steps. */
export function stepProgressText(session: StepSession): string {
  return stepProgress(session)
    .map((step) => `${step.groups.join(' or ')} ${step.given}/${step.approvals}`)
    .join(' · ');
}

/** The 409 codes of an approval no step can take now; the review itself stays open. */
export const STEP_REFUSALS: readonly string[] = ['step_met', 'step_not_open'];

export type StepChoice =
  | { readonly kind: 'step'; readonly step: number }
  | { readonly kind: 'refused'; readonly code: 'step_met' | 'step_not_open'; readonly message: string };

/**
 * The step `groups` (the approver's groups) count toward, or why none can take their approval now.
 * The caller has already checked that the person is an approver of the session and not its requester.
 */
export function chooseStep(session: StepSession, groups: readonly string[]): StepChoice {
  const progress = stepProgress(session);
  const qualifies = (step: ApprovalStep) => step.groups.some((group) => groups.includes(group));
  const open = progress.findIndex((step) => !step.met && qualifies(step));
  const firstUnmet = progress.findIndex((step) => !step.met);
  if (open >= 0 && (!session.rule?.ordered || open === firstUnmet)) return { kind: 'step', step: open };
  if (open >= 0) {
    return {
      kind: 'refused',
      code: 'step_not_open',
      message: `Steps are approved in order: ${describe(progress[firstUnmet])} must approve first (${stepProgressText(session)}).`,
    };
  }
  return {
    kind: 'refused',
    code: 'step_met',
    message: `Every step you can approve for already has its approvals; ${firstUnmet >= 0 ? `waiting for ${describe(progress[firstUnmet])}` : 'nothing is left to approve'} (${stepProgressText(session)}).`,
  };
}

const describe = (step: StepProgress) => `${step.groups.join(' or ')} (${step.given}/${step.approvals})`;

/** The approvals a plan of steps needs in all: one per step member, since nobody counts twice. */
export const totalApprovals = (steps: readonly ApprovalStep[]): number => steps.reduce((sum, step) => sum + step.approvals, 0);

/** Every group that can approve in some step, in order, once each. */
export const stepGroups = (steps: readonly ApprovalStep[]): string[] => [...new Set(steps.flatMap((step) => step.groups))];
