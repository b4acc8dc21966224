/**
 * `accessgate whoami`: the identity the API sees for the current token (from the verified claims,
 * exactly what reviews and policy use), and which API that is.
 */
import { parseOptionsOnly } from '../lib/args';
import { clientFor } from '../lib/api';
import type { Io } from '../lib/command';
import { EXIT } from '../lib/errors';
import { formatOption, printGrid } from '../lib/output';

export const help = `Usage: accessgate whoami [--format table|json|csv]

Shows who the API sees you as: name, email, groups, and whether you are an admin or auditor.`;

export async function run(args: readonly string[], io: Io): Promise<number> {
  const values = parseOptionsOnly(args, { format: { type: 'string' } }, 'whoami');
  const format = formatOption(values.format);
  const client = clientFor(values.api, io.env);
  const me = await client.me();
  const role = me.isAdmin ? 'admin' : me.isAuditor ? 'auditor' : '';
  printGrid(
    io.stdout,
    format,
    { columns: [{ name: 'name' }, { name: 'email' }, { name: 'groups' }, { name: 'role' }, { name: 'api' }], rows: [[me.name, me.email, me.groups.join(', '), role, client.api]] },
    { ...me, api: client.api },
    false,
  );
  return EXIT.done;
}
