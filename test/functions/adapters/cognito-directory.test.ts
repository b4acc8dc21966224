import { AdminListGroupsForUserCommand, CognitoIdentityProviderClient, ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CognitoDirectory } from '../../../functions/adapters/cognito-directory';

const cognito = mockClient(CognitoIdentityProviderClient);
const POOL = 'eu-west-1_AbCdEfGhI';
const directory = new CognitoDirectory(new CognitoIdentityProviderClient({ region: 'eu-west-1' }), POOL);
const bob = {
  Username: 'bob',
  Enabled: true,
  Attributes: [
    { Name: 'sub', Value: '22222222-2222-4222-a222-222222222222' },
    { Name: 'email', Value: 'bob@example.com' },
    { Name: 'email_verified', Value: 'true' },
    { Name: 'name', Value: 'Bob Brown' },
  ],
};

beforeEach(() => cognito.reset());

describe('the Cognito directory', () => {
  it('finds the user by email, then every group, page by page', async () => {
    cognito.on(ListUsersCommand).resolves({ Users: [bob] });
    cognito.on(AdminListGroupsForUserCommand).resolvesOnce({ Groups: [{ GroupName: 'dba-approvers' }], NextToken: 'page-2' }).resolves({ Groups: [{ GroupName: 'sre' }] });

    expect(await directory.lookup('Bob@Example.com')).toEqual({ sub: '22222222-2222-4222-a222-222222222222', email: 'bob@example.com', name: 'Bob Brown', groups: ['dba-approvers', 'sre'] });
    expect(cognito.commandCalls(ListUsersCommand)[0].args[0].input).toEqual({ UserPoolId: POOL, Filter: 'email = "bob@example.com"', Limit: 2 });
    expect(cognito.commandCalls(AdminListGroupsForUserCommand).map((call) => call.args[0].input)).toEqual([
      { UserPoolId: POOL, Username: 'bob', NextToken: undefined },
      { UserPoolId: POOL, Username: 'bob', NextToken: 'page-2' },
    ]);
  });

  it('quotes the email inside the filter', async () => {
    cognito.on(ListUsersCommand).resolves({ Users: [] });
    await directory.lookup('a"b\\c@example.com');
    expect(cognito.commandCalls(ListUsersCommand)[0].args[0].input.Filter).toBe('email = "a\\"b\\\\c@example.com"');
  });

  it.each([
    ['nobody has the email', []],
    ['two users share it', [bob, { ...bob, Username: 'bob2' }]],
    ['the user is disabled', [{ ...bob, Enabled: false }]],
    ['the email is not verified', [{ ...bob, Attributes: bob.Attributes.map((a) => (a.Name === 'email_verified' ? { ...a, Value: 'false' } : a)) }]],
  ])('knows nobody when %s', async (_, users) => {
    cognito.on(ListUsersCommand).resolves({ Users: users });
    expect(await directory.lookup('bob@example.com')).toBeUndefined();
    expect(cognito.commandCalls(AdminListGroupsForUserCommand)).toHaveLength(0);
  });
});
