/**
 * Who the API trusts. With `jwtIssuer` and `jwtAudience` in context the HTTP API accepts tokens from the
 * organisation's own OIDC provider; without them the stack brings a Cognito user pool holding the product's
 * groups, with one public app client (authorization code + PKCE, no secret) shared by the web UI and the
 * CLI. Either way the result is a JWT authorizer the API construct attaches to every protected route.
 *
 * Handlers read identity only from the verified claims: `sub`, `email`, `name` and the groups claim
 * (GROUPS_CLAIM). With Cognito those are in the ID token, so clients send the ID token as the bearer.
 */
import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

export type AuthSettings =
  | { readonly kind: 'jwt'; readonly issuer: string; readonly audience: readonly string[] }
  | {
      readonly kind: 'cognito';
      readonly callbackUrls: readonly string[];
      readonly logoutUrls: readonly string[];
      /** Hosted sign-in domain prefix; unique per region across all AWS accounts. */
      readonly domainPrefix?: string;
    };

export interface IdentityProps {
  readonly auth: AuthSettings;
  /** Groups the user pool must hold (ignored for an external issuer, whose groups live in that IdP). */
  readonly groups: readonly string[];
}

/** Cognito's GroupName pattern: printable, no whitespace, 1-128 characters. */
const COGNITO_GROUP_NAME = /^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u;

export class Identity extends Construct {
  readonly authorizer: HttpJwtAuthorizer;
  readonly issuer: string;
  /** The `aud` (or `client_id`) values the authorizer accepts; the WebSocket authorizer checks the same. */
  readonly audience: readonly string[];
  readonly userPool?: cognito.UserPool;
  readonly client?: cognito.UserPoolClient;
  readonly domain?: cognito.UserPoolDomain;

  constructor(scope: Construct, id: string, props: IdentityProps) {
    super(scope, id);
    const { auth } = props;
    if (auth.kind === 'jwt') {
      this.issuer = auth.issuer;
      this.audience = [...auth.audience];
      this.authorizer = new HttpJwtAuthorizer('Jwt', auth.issuer, { jwtAudience: [...this.audience] });
      return;
    }

    const userPool = new cognito.UserPool(this, 'UserPool', {
      // Access to production data: administrators create the accounts, nobody signs themselves up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: {
        email: { required: true, mutable: true },
        fullname: { required: false, mutable: true },
      },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      // The audit trail names people by their `sub`; deleting the pool would orphan those ids.
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        'The Plus feature plan (threat protection) is charged per monthly active user, which breaks the product promise of $0 while idle. The pool requires TOTP MFA and 14-character complex passwords, has self sign-up disabled, and organisations that need risk-based sign-in point the stack at their own IdP with the jwtIssuer/jwtAudience context instead.',
    });

    for (const group of props.groups) {
      if (!COGNITO_GROUP_NAME.test(group)) {
        throw new Error(
          `accessgate: group "${group}" cannot be a Cognito group name (1-128 printable characters, no spaces); rename it in the config file or use your own identity provider (jwtIssuer/jwtAudience)`,
        );
      }
      // The construct id is derived from the name so adding a group never replaces (and empties) another.
      // Retained: deleting a group deletes its memberships, so `cdk destroy`, or a group dropped from the
      // config file, would silently take approvers' and admins' rights away; the retained pool keeps them.
      new cognito.UserPoolGroup(this, `Group-${group.replaceAll('/', '_')}`, {
        userPool,
        groupName: group,
        description: `accessgate group ${group}`,
      }).applyRemovalPolicy(RemovalPolicy.RETAIN);
    }

    const client = userPool.addClient('AppClient', {
      // A public client: the web UI and the CLI cannot keep a secret, so they use PKCE.
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: [...auth.callbackUrls],
        logoutUrls: [...auth.logoutUrls],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
      readAttributes: new cognito.ClientAttributes().withStandardAttributes({ email: true, emailVerified: true, fullname: true }),
      // email and name become the identity in the audit trail, so users must not edit them; Cognito
      // reads an absent list as "all writable", hence two harmless ones are named.
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ locale: true, timezone: true }),
    });

    // Unique per region across all accounts: the stack name keeps two stages of one account apart.
    const domainPrefix = auth.domainPrefix ?? `${Stack.of(this).stackName.toLowerCase()}-${Aws.ACCOUNT_ID}`;
    const domain = userPool.addDomain('Domain', { cognitoDomain: { domainPrefix } });

    this.userPool = userPool;
    this.client = client;
    this.domain = domain;
    // The issuer ("iss") Cognito writes into its tokens, spelled as API Gateway compares it.
    this.issuer = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${userPool.userPoolId}`;
    this.audience = [client.userPoolClientId];
    this.authorizer = new HttpJwtAuthorizer('Cognito', this.issuer, {
      jwtAudience: [...this.audience],
    });
  }
}
