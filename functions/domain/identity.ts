/**
 * Who is calling. Built only from a verified token's claims (API Gateway's JWT authorizer on AWS, the
 * local runtime's verifier on a laptop), never from a request body.
 */

export interface Identity {
  readonly sub: string;
  readonly email: string;
  readonly name: string;
  readonly groups: readonly string[];
}

/** Emails compare case-insensitively and without surrounding space, everywhere. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/**
 * The one key that says who a person is, on every path (token, Slack click, CLI): the normalised email.
 * A token's `sub` and a directory entry's `sub` can disagree (a stale entry, a second identity
 * provider), while the email is what both paths resolve the person by. Two approvals with the same key
 * are one person's; an identity without an email has no key and cannot decide anything.
 */
export const personKey = (who: { readonly email: string }): string => normalizeEmail(who.email);

/** Whether two identities are the same person: the same key, or the same subject. */
export const samePerson = (a: { readonly sub: string; readonly email: string }, b: { readonly sub: string; readonly email: string }): boolean =>
  a.sub === b.sub || (personKey(a) !== '' && personKey(a) === personKey(b));

/** Names of the groups with product-wide powers; configurable because customers bring their own IdP. */
export interface RoleGroups {
  readonly admins: string;
  readonly auditors: string;
}

export const isAdmin = (who: Identity, roles: RoleGroups): boolean => who.groups.includes(roles.admins);

export const isAuditor = (who: Identity, roles: RoleGroups): boolean => who.groups.includes(roles.auditors);

/** Admins and auditors read every session and every rule. */
export const canReadEverything = (who: Identity, roles: RoleGroups): boolean =>
  isAdmin(who, roles) || isAuditor(who, roles);

export const inAnyGroup = (who: Identity, groups: readonly string[]): boolean =>
  groups.some((group) => who.groups.includes(group));

/** The slice of an identity recorded on sessions and events. */
export const actorOf = (who: Pick<Identity, 'sub' | 'email' | 'name'>) => ({ sub: who.sub, email: who.email, name: who.name });
export type Actor = ReturnType<typeof actorOf>;

/** Who an audit event names: a person, or a part of the system acting on its own. */
export type EventActor = Actor | { readonly system: string };

/** The actor of what accessgate records on its own: a task's outcome, a notification. */
export const SYSTEM: EventActor = { system: 'accessgate' };
