/**
 * The Cognito directory: the user pool the API's JWT authorizer trusts is the identity source, so a
 * Slack click is checked against the very groups a token would carry. ListUsers finds the user by
 * email (only a verified, enabled, unambiguous one counts), AdminListGroupsForUser gives the groups.
 * Groups are read on every click, never cached: removing someone from a group takes effect at once.
 */
import {
  AdminListGroupsForUserCommand,
  type AttributeType,
  type CognitoIdentityProviderClient,
  ListUsersCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Directory } from '../app/ports';
import type { Identity } from '../domain/identity';

const attribute = (attributes: AttributeType[] | undefined, name: string) => attributes?.find((a) => a.Name === name)?.Value;

export class CognitoDirectory implements Directory {
  constructor(
    private readonly client: CognitoIdentityProviderClient,
    private readonly userPoolId: string,
  ) {}

  async lookup(email: string): Promise<Identity | undefined> {
    const wanted = email.trim().toLowerCase();
    // The filter language quotes with double quotes and escapes with a backslash.
    const quoted = wanted.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
    const { Users = [] } = await this.client.send(new ListUsersCommand({ UserPoolId: this.userPoolId, Filter: `email = "${quoted}"`, Limit: 2 }));
    // Two users with one email cannot be told apart; an unverified email could be anyone's.
    if (Users.length !== 1) return undefined;
    const [user] = Users;
    const attributes = user.Attributes;
    const sub = attribute(attributes, 'sub');
    if (!user.Enabled || !sub || !user.Username || attribute(attributes, 'email_verified') !== 'true') return undefined;
    if (attribute(attributes, 'email')?.toLowerCase() !== wanted) return undefined;

    const groups: string[] = [];
    let next: string | undefined;
    do {
      const page = await this.client.send(new AdminListGroupsForUserCommand({ UserPoolId: this.userPoolId, Username: user.Username, NextToken: next }));
      for (const group of page.Groups ?? []) if (group.GroupName) groups.push(group.GroupName);
      next = page.NextToken;
    } while (next);

    const name = attribute(attributes, 'name') ?? ([attribute(attributes, 'given_name'), attribute(attributes, 'family_name')].filter(Boolean).join(' ') || wanted);
    return { sub, email: wanted, name, groups };
  }
}
