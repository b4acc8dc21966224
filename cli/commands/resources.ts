/**
 * `accessgate resources`: the databases the caller may use and, for each, the rule that governs it
 * (who must approve, how many, how long a request waits), so nobody is surprised by a review.
 */
import { parse } from '../lib/args';
import { clientFor } from '../lib/api';
import type { Io } from '../lib/command';
import { EXIT, usageError } from '../lib/errors';
import { formatOption, printGrid } from '../lib/output';

export const help = `Usage: accessgate resources [--format table|json|csv]

Lists the resources you may run commands on, with the rule that governs each: the groups that
approve, how many approvals it takes, who may force-approve, and how long a request waits for review.
A resource without a rule runs commands at once (still recorded).`;

export async function run(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { format: { type: 'string' } });
  if (positionals.length) throw usageError(`resources takes no arguments (got "${positionals[0]}").`);
  const format = formatOption(values.format);
  const resources = await clientFor(values.api, io.env).resources();
  if (!resources.length && format === 'table') {
    io.stderr.write('You may not use any resource. Ask an admin to add one of your groups to a resource.\n');
    return EXIT.done;
  }
  printGrid(
    io.stdout,
    format,
    {
      columns: [{ name: 'id' }, { name: 'type' }, { name: 'database' }, { name: 'rule' }, { name: 'approvers' }, { name: 'approvals' }, { name: 'force' }, { name: 'review window' }],
      rows: resources.map((resource) => [
        resource.id,
        resource.type,
        resource.database,
        resource.rule?.name ?? '(none: runs at once)',
        resource.rule?.approvalGroups.join(', ') ?? '',
        resource.rule ? String(resource.rule.approvalsRequired) : '',
        resource.rule?.forceApprovalGroups.join(', ') ?? '',
        resource.rule ? `${Math.round(resource.rule.reviewTimeoutSeconds / 60)} min${resource.rule.reasonRequired ? ', reason required' : ''}` : '',
      ]),
    },
    resources,
  );
  return EXIT.done;
}
