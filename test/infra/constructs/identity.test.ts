/**
 * The identity construct without jwtIssuer/jwtAudience: a Cognito user pool holding the product's groups
 * and those named in the config, one public PKCE app client, and the API's JWT authorizer trusting them.
 */
import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { Identity } from '../../../infra/constructs/identity';
import { logicalId, synth } from '../synth';

const { stack, template, json } = synth({ callbackUrls: 'https://accessgate.example.com/auth/callback,http://localhost:8787/auth/callback' });
const identity = stack.identity;
const poolId = logicalId(identity.userPool!);
const clientId = logicalId(identity.client!);

describe('the user pool', () => {
  const pool = json.Resources[poolId];

  it('is invitation-only with required TOTP MFA and a strong password policy', () => {
    expect(pool.Properties).toMatchObject({
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: {
        PasswordPolicy: { MinimumLength: 14, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true },
      },
      UsernameAttributes: ['email'],
    });
  });

  it('outlives the stack (the audit trail names people by their sub)', () => {
    expect(pool.Properties!.DeletionProtection).toBe('ACTIVE');
    expect(pool.DeletionPolicy).toBe('Retain');
  });

  it('holds the product groups and every group the config file names', () => {
    const groups = Object.values(json.Resources)
      .filter((r) => r.Type === 'AWS::Cognito::UserPoolGroup')
      .map((r) => r.Properties!.GroupName)
      .sort();
    // finance-approvers comes from a rule in accessgate.config.example.json.
    expect(groups).toEqual(['admins', 'auditors', 'dba', 'dba-approvers', 'finance-approvers', 'sre']);
  });

  it('keeps its groups, and so their memberships, when the stack or a group leaves the template', () => {
    const groups = Object.values(json.Resources).filter((r) => r.Type === 'AWS::Cognito::UserPoolGroup');
    expect(groups.length).toBeGreaterThan(0);
    for (const group of groups) expect([group.Properties!.GroupName, group.DeletionPolicy, group.UpdateReplacePolicy]).toEqual([group.Properties!.GroupName, 'Retain', 'Retain']);
  });
});

describe('the app client', () => {
  const client = json.Resources[clientId].Properties!;

  it('is public and uses the authorization code flow (with PKCE) for the web UI and the CLI', () => {
    expect(client.GenerateSecret).toBe(false);
    expect(client).toMatchObject({
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      // The configured URLs, then the web UI's own (infra/constructs/web.ts adds its distribution's).
      CallbackURLs: [
        'https://accessgate.example.com/auth/callback',
        'http://localhost:8787/auth/callback',
        { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(stack.web.distribution), 'DomainName'] }, '/auth/callback']] },
      ],
      SupportedIdentityProviders: ['COGNITO'],
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
    });
  });

  it('cannot change the claims that become identity in the audit trail', () => {
    expect(client.WriteAttributes).not.toContain('email');
    expect(client.WriteAttributes).not.toContain('name');
    expect(client.WriteAttributes.length).toBeGreaterThan(0);
    expect(client.ReadAttributes).toEqual(expect.arrayContaining(['email', 'name']));
  });
});

describe('the API authorizer', () => {
  it('accepts only tokens the pool issued for the app client', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [{ Ref: clientId }],
        Issuer: { 'Fn::Join': ['', ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/', { Ref: poolId }]] },
      },
    });
  });

  it('is matched by the groups claim the handlers read', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: { GROUPS_CLAIM: 'cognito:groups' } } });
  });
});

describe('the hosted sign-in domain', () => {
  it('is named after the stack and the account, so two stages of one account do not collide', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: { 'Fn::Join': ['', ['accessgate-', { Ref: 'AWS::AccountId' }]] },
      UserPoolId: { Ref: poolId },
    });
  });
});

describe('outputs', () => {
  it('name the pool, the client, the sign-in domain and the issuer', () => {
    expect(Object.keys(json.Outputs!)).toEqual(expect.arrayContaining(['UserPoolId', 'UserPoolClientId', 'SignInUrl', 'JwtIssuer']));
    expect(json.Outputs!.UserPoolId.Value).toEqual({ Ref: poolId });
  });
});

describe('group names', () => {
  it('that Cognito cannot hold fail synthesis naming the group', () => {
    const scope = new Stack(new App(), 'Scratch');
    expect(
      () => new Identity(scope, 'Identity', { auth: { kind: 'cognito', callbackUrls: ['http://localhost/'], logoutUrls: ['http://localhost/'] }, groups: ['db admins'] }),
    ).toThrow('group "db admins" cannot be a Cognito group name');
  });
});
