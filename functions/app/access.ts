/**
 * Who may administer and who may read the configuration (rules, resources, the directory): admins
 * change it, admins and auditors read it. `what` names the thing refused, in the person's words.
 */
import { ForbiddenError } from '../domain/errors';
import { canReadEverything, type Identity, isAdmin } from '../domain/identity';
import type { Deps } from './ports';

export function assertAdmin(deps: Pick<Deps, 'roles'>, who: Identity, what: string): void {
  if (!isAdmin(who, deps.roles)) throw new ForbiddenError(`Only admins can change ${what}.`, 'admin_only');
}

export function assertReader(deps: Pick<Deps, 'roles'>, who: Identity, what: string): void {
  if (!canReadEverything(who, deps.roles)) throw new ForbiddenError(`Only admins and auditors can read ${what}.`, 'admin_or_auditor_only');
}
