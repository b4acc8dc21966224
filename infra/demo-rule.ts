/**
 * The demo's rule, shared by the local runtime's demo (infra/local/demo-config.ts) and the optional demo
 * database on AWS (infra/stack.ts), so a first deploy governs commands exactly as `npm start` does.
 */
import type { RuleInput } from '../functions/domain/rule';

export const DEMO_RULE_NAME = 'dba-by-command';

export const demoRule = (resources: string[]): RuleInput => ({
  name: DEMO_RULE_NAME,
  description: 'Every command on these resources needs one approval from dba-approvers; sre may force-approve with a reason.',
  mode: 'command',
  resources,
  requesterGroups: [],
  approvalGroups: ['dba-approvers'],
  approvalsRequired: 1,
  forceApprovalGroups: ['sre'],
  reviewTimeoutSeconds: 3600,
  reasonRequired: false,
});
