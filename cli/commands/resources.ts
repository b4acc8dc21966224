/**
 * `accessgate resources`: the databases the caller may use and, for each, the rule that governs it
 * (who must approve, how many, how long a request waits), so nobody is surprised by a review.
 */
import { parseOptionsOnly } from '../lib/args';
import { clientFor } from '../lib/api';
import type { Io } from '../lib/command';
import { EXIT } from '../lib/errors';
import { formatOption, printListing } from '../lib/output';

export const help = `Usage: accessgate resources [--format table|json|csv]

Lists the resources you may run commands on, with the rule that governs each: the groups that
approve, how many approvals it takes, who may force-approve, and how long a request waits for review.
A resource without a rule runs commands at once (still recorded).`;

export async function run(args: readonly string[], io: Io): Promise<number> {
  const values = parseOptionsOnly(args, { format: { type: 'string' } }, 'resources');
  const format = formatOption(values.format);
  const resources = await clientFor(values.api, io.env).resources();
  printListing(io, format, resources, {
    columns: [{ name: 'id' }, { name: 'type' }, { name: 'database' }, { name: 'rule' }, { name: 'approvers' }, { name: 'approvals' }, { name: 'force' }, { name: 'review window' }],
    row: (resource) => [
      resource.id,
      resource.type,
      resource.database,
      resource.rule?.name ?? '(none: runs at once)',
      resource.rule?.approvalGroups.join(', ') ?? '',
      resource.rule ? String(resource.rule.approvalsRequired) : '',
      resource.rule?.forceApprovalGroups.join(', ') ?? '',
      resource.rule ? `${Math.round(resource.rule.reviewTimeoutSeconds / 60)} min${resource.rule.reasonRequired ? ', reason required' : ''}` : '',
    ],
    none: 'You may not use any resource. Ask an admin to add one of your groups to a resource.',
  });
  return EXIT.done;
}
