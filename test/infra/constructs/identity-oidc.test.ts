/**
 * The identity construct with jwtIssuer/jwtAudience: the API trusts the organisation's own OIDC provider,
 * no user pool is created, and the handlers read the groups claim that provider uses.
 */
import { describe, expect, it } from 'vitest';
import { synth } from '../synth';

const { stack, template, json } = synth({
  jwtIssuer: 'https://login.example.com/oauth2/default',
  jwtAudience: 'accessgate-web,accessgate-cli',
  groupsClaim: 'groups',
});

describe('with an external OIDC issuer', () => {
  it('the JWT authorizer trusts that issuer for the given audiences', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://login.example.com/oauth2/default', Audience: ['accessgate-web', 'accessgate-cli'] },
    });
  });

  it('creates no Cognito resources', () => {
    expect(Object.values(json.Resources).filter((r) => r.Type.startsWith('AWS::Cognito::'))).toEqual([]);
    expect(stack.identity.userPool).toBeUndefined();
    expect(Object.keys(json.Outputs!)).not.toContain('UserPoolId');
  });

  it('tells every handler which claim carries the groups', () => {
    const functions = Object.values(json.Resources).filter(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Properties!.Environment?.Variables?.SESSIONS_TABLE,
    );
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) expect(fn.Properties!.Environment.Variables.GROUPS_CLAIM).toBe('groups');
  });
});
