/**
 * The directory admins maintain when it is the mapping table (not a Cognito user pool): email → the
 * person's subject in the identity provider, name and groups, which is how a Slack click becomes the
 * same identity as that person's token. Admins write, admins and auditors read; every change is a
 * CONFIG event with before and after, like a rule change.
 */
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors';
import { actorOf, type Identity } from '../domain/identity';
import { assertAdmin, assertReader } from './access';
import { recordConfigEvent } from './audit-trail';
import type { Deps, DirectoryTable } from './ports';

function table(deps: Deps): DirectoryTable {
  if (!deps.directoryTable) {
    throw new ConflictError('The directory is the Cognito user pool: manage people and groups there.', 'directory_external');
  }
  return deps.directoryTable;
}

export async function listDirectory(deps: Deps, who: Identity): Promise<Identity[]> {
  assertReader(deps, who, 'the directory');
  return (await table(deps).list()).sort((a, b) => a.email.localeCompare(b.email));
}

export async function readDirectoryEntry(deps: Deps, who: Identity, email: string): Promise<Identity> {
  assertReader(deps, who, 'the directory');
  const entry = await table(deps).lookup(email);
  if (!entry) throw new NotFoundError(`${email} is not in the directory.`);
  return entry;
}

export interface DirectoryEntryInput {
  readonly sub: string;
  readonly name: string;
  readonly groups: readonly string[];
}

export async function putDirectoryEntry(deps: Deps, who: Identity, email: string, input: DirectoryEntryInput): Promise<{ entry: Identity; created: boolean }> {
  assertAdmin(deps, who, 'the directory');
  const entry: Identity = { email: email.toLowerCase(), sub: input.sub, name: input.name, groups: [...new Set(input.groups)] };
  // One subject is one person: a second email pointing at someone's sub would let one person count twice.
  const holder = (await table(deps).list()).find((other) => other.sub === entry.sub && other.email !== entry.email);
  if (holder) throw new InvalidInputError(`sub: ${entry.sub} already belongs to ${holder.email}`, { fields: ['sub'] });
  const before = await table(deps).put(entry);
  await recordConfigEvent(deps, before ? 'directory.user_updated' : 'directory.user_created', actorOf(who), { email: entry.email, before: before ?? null, after: entry });
  return { entry, created: !before };
}

export async function deleteDirectoryEntry(deps: Deps, who: Identity, email: string): Promise<void> {
  assertAdmin(deps, who, 'the directory');
  const before = await table(deps).remove(email);
  if (!before) throw new NotFoundError(`${email} is not in the directory.`);
  await recordConfigEvent(deps, 'directory.user_deleted', actorOf(who), { email: before.email, before, after: null });
}

/** Seeds entries that do not exist yet (the local runtime's demo users); existing ones are left as admins made them. */
export async function seedDirectory(deps: Deps, entries: readonly Identity[], actor: { system: string }): Promise<void> {
  const directory = table(deps);
  for (const entry of entries) {
    if (await directory.lookup(entry.email)) continue;
    await directory.put(entry);
    await recordConfigEvent(deps, 'directory.user_created', actor, { email: entry.email, before: null, after: entry });
  }
}
