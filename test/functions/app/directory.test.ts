import { describe, expect, it } from 'vitest';
import { CONFIG_STREAM } from '../../../functions/app/audit-trail';
import { deleteDirectoryEntry, listDirectory, putDirectoryEntry, seedDirectory } from '../../../functions/app/directory';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../../../functions/domain/errors';
import { fakeDeps } from './fakes';
import { alice, bob, dana, erin } from './people';

describe('the directory', () => {
  it('lets an admin map an email to a subject, change and remove it, each a CONFIG event', async () => {
    const deps = fakeDeps();

    expect(await putDirectoryEntry(deps, dana, 'Bob@Example.com', { sub: bob.sub, name: 'Bob', groups: ['dba-approvers', 'dba-approvers'] })).toEqual({
      entry: { email: 'bob@example.com', sub: bob.sub, name: 'Bob', groups: ['dba-approvers'] },
      created: true,
    });
    expect((await putDirectoryEntry(deps, dana, 'bob@example.com', { sub: bob.sub, name: 'Bob B.', groups: [] })).created).toBe(false);
    await deleteDirectoryEntry(deps, dana, 'bob@example.com');

    expect(deps.events.types(CONFIG_STREAM)).toEqual(['directory.user_created', 'directory.user_updated', 'directory.user_deleted']);
    expect(await deps.directory.list()).toEqual([]);
    await expect(deleteDirectoryEntry(deps, dana, 'bob@example.com')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses a second email for a subject already mapped: one person must not count twice', async () => {
    const deps = fakeDeps({ people: [bob] });
    await expect(putDirectoryEntry(deps, dana, 'bobby@example.com', { sub: bob.sub, name: 'Bobby', groups: ['dba-approvers'] })).rejects.toBeInstanceOf(InvalidInputError);
    expect(await deps.directory.list()).toEqual([bob]);
    expect(deps.events.all()).toEqual([]);
  });

  it('is written by admins only and read by admins and auditors', async () => {
    const deps = fakeDeps({ people: [bob, alice] });
    await expect(putDirectoryEntry(deps, erin, 'x@example.com', { sub: 's', name: 'X', groups: [] })).rejects.toBeInstanceOf(ForbiddenError);
    expect((await listDirectory(deps, erin)).map((entry) => entry.email)).toEqual(['alice@example.com', 'bob@example.com']);
    await expect(listDirectory(deps, alice)).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('is managed in the user pool when Cognito is the directory', async () => {
    const deps = fakeDeps({ cognito: true });
    await expect(listDirectory(deps, dana)).rejects.toBeInstanceOf(ConflictError);
  });

  it('seeds only people not there yet, leaving entries admins changed', async () => {
    const deps = fakeDeps({ people: [{ ...bob, groups: ['sre'] }] });
    await seedDirectory(deps, [bob, alice], { system: 'npm start' });
    expect((await deps.directory.lookup(bob.email))?.groups).toEqual(['sre']);
    expect(deps.events.all().map((event) => event.details.email)).toEqual(['alice@example.com']);
  });
});
