/**
 * The web UI construct: a private bucket readable only by the distribution; CloudFront serving the page
 * and the HTTP API under one origin (`/api/*`, prefix stripped by the very function code deployed); the
 * security headers of web/security-headers.ts on both behaviors; the Cognito client accepting the
 * distribution's callback; config.json telling the page how to sign in; a deploy role that can write
 * exactly the bundle's objects. With an external OIDC issuer, the page is pointed at that issuer.
 */
import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import {
  accountWideName,
  API_PREFIX,
  CALLBACK_PATH,
  ORIGIN_ACCESS_CONTROL_NAME_MAX,
  PAGE_ROUTES_CODE,
  RESPONSE_HEADERS_POLICY_NAME_MAX,
  STRIP_API_PREFIX_CODE,
} from '../../../infra/constructs/web';
import { WEB_CONFIG_KEY, WEB_FILES } from '../../../web/build';
import { HSTS_MAX_AGE_SECONDS } from '../../../web/security-headers';
import { asArray, logicalId, normalized, refersTo, statementsOf, synth } from '../synth';

const { stack, template, json } = synth();
const web = stack.web;
const bucketId = logicalId(web.bucket);
const distributionId = logicalId(web.distribution);
const distribution = json.Resources[distributionId].Properties!.DistributionConfig;
const headersId = logicalId(web.headers);
const headers = json.Resources[headersId].Properties!.ResponseHeadersPolicyConfig;
const apiBehavior = distribution.CacheBehaviors.find((behavior: { PathPattern: string }) => behavior.PathPattern === `${API_PREFIX}/*`);

/** Runs CloudFront Function code (cloudfront-js-2.0 is plain JavaScript here) on a viewer request. */
function viewerRequest(code: string, uri: string): string {
  const handler = new Function(`${code}; return handler;`)() as (event: { request: { uri: string } }) => { uri: string };
  return handler({ request: { uri } }).uri;
}

describe('the web bucket', () => {
  it('blocks every public access, encrypts, and refuses plain HTTP', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    const policy = Object.values(json.Resources).find((r) => r.Type === 'AWS::S3::BucketPolicy' && refersTo(r.Properties!.Bucket, bucketId))!;
    const statements = policy.Properties!.PolicyDocument.Statement as Array<Record<string, any>>;
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    const allows = statements.filter((s) => s.Effect === 'Allow');
    // Only this distribution, through Origin Access Control, and only to read.
    expect(allows).toHaveLength(1);
    expect(allows[0].Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
    expect(asArray(allows[0].Action)).toEqual(['s3:GetObject']);
    expect(JSON.stringify(allows[0].Condition)).toContain(distributionId);
  });
});

describe('the distribution', () => {
  it('serves the bucket through Origin Access Control, HTTPS only, with index.html at /', () => {
    expect(distribution.DefaultRootObject).toBe('index.html');
    const s3Origin = distribution.Origins.find((origin: Record<string, any>) => origin.S3OriginConfig);
    expect(refersTo(s3Origin.DomainName, bucketId)).toBe(true);
    expect(s3Origin.OriginAccessControlId).toBeDefined();
    expect(distribution.DefaultCacheBehavior).toMatchObject({ TargetOriginId: s3Origin.Id, ViewerProtocolPolicy: 'redirect-to-https', Compress: true });
  });

  it('sends /api/* to the HTTP API uncached, with the viewer\'s headers (Authorization) but not Host', () => {
    const apiOrigin = distribution.Origins.find((origin: Record<string, any>) => origin.Id === apiBehavior.TargetOriginId);
    expect(JSON.stringify(apiOrigin.DomainName)).toContain(logicalId(stack.api.httpApi));
    expect(JSON.stringify(apiOrigin.DomainName)).toContain('.execute-api.');
    expect(apiOrigin.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'], OriginReadTimeout: 30 });
    expect(apiBehavior).toMatchObject({
      ViewerProtocolPolicy: 'https-only',
      AllowedMethods: expect.arrayContaining(['GET', 'POST', 'PUT', 'DELETE']),
      // The managed CachingDisabled and AllViewerExceptHostHeader policies.
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
    });
  });

  it('strips /api before the API sees the path, and serves the page at the sign-in callback', () => {
    const functionCode = (id: string) => json.Resources[id].Properties!.FunctionCode as string;
    const stripId = apiBehavior.FunctionAssociations[0].FunctionARN['Fn::GetAtt'][0];
    const pageId = distribution.DefaultCacheBehavior.FunctionAssociations[0].FunctionARN['Fn::GetAtt'][0];
    expect(functionCode(stripId)).toBe(STRIP_API_PREFIX_CODE);
    expect(functionCode(pageId)).toBe(PAGE_ROUTES_CODE);
    expect(viewerRequest(STRIP_API_PREFIX_CODE, '/api/sessions/7e0f8d4c-8f43-4d2f-9c55-3b0e8f1a2b3c')).toBe('/sessions/7e0f8d4c-8f43-4d2f-9c55-3b0e8f1a2b3c');
    expect(viewerRequest(STRIP_API_PREFIX_CODE, '/api/me')).toBe('/me');
    expect(viewerRequest(STRIP_API_PREFIX_CODE, '/api')).toBe('/');
    expect(viewerRequest(STRIP_API_PREFIX_CODE, '/apiary')).toBe('/apiary');
    expect(viewerRequest(PAGE_ROUTES_CODE, CALLBACK_PATH)).toBe('/index.html');
    expect(viewerRequest(PAGE_ROUTES_CODE, '/assets/app.js')).toBe('/assets/app.js');
  });

  it('keys cached assets by their ?v= content hash only', () => {
    const cachePolicy = json.Resources[distribution.DefaultCacheBehavior.CachePolicyId.Ref].Properties!.CachePolicyConfig;
    expect(cachePolicy.MinTTL).toBe(0);
    expect(cachePolicy.ParametersInCacheKeyAndForwardedToOrigin).toMatchObject({
      QueryStringsConfig: { QueryStringBehavior: 'whitelist', QueryStrings: ['v'] },
      HeadersConfig: { HeaderBehavior: 'none' },
      CookiesConfig: { CookieBehavior: 'none' },
    });
  });
});

describe('account-wide CloudFront names', () => {
  const regionName = (purpose: string) => ({ 'Fn::Join': ['', [`${stack.stackName}-`, { Ref: 'AWS::Region' }, `-${purpose}`]] });

  it('carry the stack name and the region, so a second stage or region of one account does not collide', () => {
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', { ResponseHeadersPolicyConfig: { Name: regionName('security-headers') } });
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', { OriginAccessControlConfig: { Name: regionName('web') } });
    // The distribution reads the bucket through that very origin access control.
    const oacId = Object.entries(json.Resources).find(([, r]) => r.Type === 'AWS::CloudFront::OriginAccessControl')![0];
    const s3Origin = distribution.Origins.find((origin: Record<string, any>) => origin.S3OriginConfig);
    expect(s3Origin.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [oacId, 'Id'] });
  });

  it('differ between regions and between stacks, and stay within CloudFront\'s limits for any stack name', () => {
    const app = new App();
    const at = (name: string, region: string) => new Stack(app, `${name}-${region}`, { stackName: name, env: { region } });
    expect(accountWideName(at('Accessgate', 'eu-west-1'), 'web', 64)).toBe('Accessgate-eu-west-1-web');
    expect(accountWideName(at('Accessgate', 'us-east-1'), 'web', 64)).toBe('Accessgate-us-east-1-web');
    const long = 'A'.repeat(120);
    const names = ['x', 'y'].map((last) => accountWideName(at(`${long}${last}`, 'ap-southeast-5'), 'web', ORIGIN_ACCESS_CONTROL_NAME_MAX));
    expect(names[0]).not.toBe(names[1]);
    for (const name of names) expect(name.length).toBeLessThanOrEqual(ORIGIN_ACCESS_CONTROL_NAME_MAX);
    expect(names[0]).toMatch(/^A+-[0-9a-f]{8}-ap-southeast-5-web$/);
    const policy = accountWideName(at(`${long}x`, 'cn-northwest-1'), 'security-headers', RESPONSE_HEADERS_POLICY_NAME_MAX);
    expect(policy.length).toBeLessThanOrEqual(RESPONSE_HEADERS_POLICY_NAME_MAX);
    expect(policy).toMatch(/^[\w-]+$/);
  });
});

describe('the security headers', () => {
  it('apply to the page and to the API alike', () => {
    expect(distribution.DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual({ Ref: headersId });
    expect(apiBehavior.ResponseHeadersPolicyId).toEqual({ Ref: headersId });
  });

  it('forbid framing, inline and foreign scripts, and allow calls only to us and the sign-in domain', () => {
    const security = headers.SecurityHeadersConfig;
    const csp = JSON.stringify(security.ContentSecurityPolicy.ContentSecurityPolicy);
    for (const directive of ["default-src 'none'", "script-src 'self';", "style-src 'self';", "frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'", "require-trusted-types-for 'script'"]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toMatch(/connect-src 'self' https:\/\//);
    expect(csp).toContain(logicalId(stack.identity.domain!));
    expect(security).toMatchObject({
      StrictTransportSecurity: { AccessControlMaxAgeSec: HSTS_MAX_AGE_SECONDS, IncludeSubdomains: true, Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ContentTypeOptions: { Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
    });
    const custom = Object.fromEntries(headers.CustomHeadersConfig.Items.map((item: { Header: string; Value: string }) => [item.Header, item.Value]));
    expect(custom).toMatchObject({ 'cross-origin-opener-policy': 'same-origin', 'permissions-policy': expect.stringContaining('camera=()') });
  });
});

describe('sign-in', () => {
  it('lets the Cognito app client redirect back to the distribution, besides the configured URLs', () => {
    const client = json.Resources[logicalId(stack.identity.client!)].Properties!;
    const callbacks = JSON.stringify(client.CallbackURLs);
    expect(callbacks).toContain('http://localhost:8787/auth/callback');
    expect(callbacks).toContain(distributionId);
    expect(callbacks).toContain(CALLBACK_PATH);
    expect(JSON.stringify(client.LogoutURLs)).toContain(distributionId);
    expect(client.AllowedOAuthFlows).toEqual(['code']);
  });

  it('writes config.json for the OIDC code + PKCE flow against the hosted UI, with the API under /api', () => {
    const site = json.Resources[logicalId(stack.webContent.site)].Properties!;
    expect(site.ConfigKey).toBe(WEB_CONFIG_KEY);
    const config = JSON.stringify(site.Config);
    for (const text of ['\\"mode\\":\\"oidc\\"', '\\"apiBase\\":\\"/api\\"', '/oauth2/authorize', '/oauth2/token', '/logout', '\\"logoutStyle\\":\\"cognito\\"']) {
      expect(config).toContain(text);
    }
    expect(config).toContain(logicalId(stack.identity.client!));
  });

  it('gives handlers the distribution as the web UI\'s URL, for links in notifications', () => {
    const sessions = json.Resources[logicalId(stack.functions.sessions)].Properties!;
    expect(JSON.stringify(sessions.Environment.Variables.WEB_URL)).toContain(distributionId);
    expect(JSON.stringify(json.Outputs!.WebUrl.Value)).toContain(distributionId);
  });
});

describe('the deployment of the bundle', () => {
  it('writes the files the build produces and nothing else', () => {
    const site = json.Resources[logicalId(stack.webContent.site)].Properties!;
    expect(site.Keys).toEqual(WEB_FILES.map((file) => file.key));
    expect(refersTo(site.Bucket, bucketId)).toBe(true);
  });

  it('may read only its bundle and write only those objects, one ARN each', () => {
    const statements = statementsOf(json, logicalId(stack.webContent.deployHandler.role!)).map(normalized);
    const s3 = statements.filter((statement) => statement.actions.some((action) => action.startsWith('s3:')));
    expect(s3.map((statement) => statement.actions)).toEqual([['s3:GetObject'], ['s3:DeleteObject', 's3:PutObject']]);
    expect(s3[0].resources).toHaveLength(1);
    expect(JSON.stringify(s3[0].resources)).toContain('cdk-hnb659fds-assets');
    expect(s3[1].resources).toHaveLength(WEB_FILES.length + 1);
    for (const key of [...WEB_FILES.map((file) => file.key), WEB_CONFIG_KEY]) {
      expect(s3[1].resources.some((resource) => JSON.stringify(resource).includes(`/${key}"`) && refersTo(resource, bucketId))).toBe(true);
    }
    expect(JSON.stringify(s3)).not.toContain('*');
  });
});

describe('with an external OIDC issuer', () => {
  // With cdk-nag: the discovery function and its provider must pass the checks too.
  const external = synth({ jwtIssuer: 'https://login.example.com/oauth2/default', jwtAudience: 'accessgate-web,accessgate-cli' }, { nag: true });

  it('points the page at that issuer and its first audience', () => {
    const site = Object.values(external.json.Resources).find((r) => r.Type === 'Custom::AccessgateWebUi')!.Properties!;
    const config = JSON.parse(site.Config as string) as { mode: string; oidc: Record<string, unknown> };
    expect(config).toEqual({ mode: 'oidc', apiBase: '/api', oidc: { issuer: 'https://login.example.com/oauth2/default', clientId: 'accessgate-web', scope: 'openid email profile' } });
  });

  it('lets the page call the origins the issuer\'s discovery document names, read at deploy time', () => {
    const [discoveryId, discovery] = Object.entries(external.json.Resources).find(([, r]) => r.Type === 'Custom::AccessgateOidcDiscovery')!;
    expect(discovery.Properties!.Issuer).toBe('https://login.example.com/oauth2/default');
    const policy = Object.values(external.json.Resources).find((r) => r.Type === 'AWS::CloudFront::ResponseHeadersPolicy')!.Properties!;
    const csp = policy.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy;
    expect(csp['Fn::Join'][1].slice(0, 3)).toEqual([expect.stringMatching(/connect-src 'self' $/), { 'Fn::GetAtt': [discoveryId, 'ConnectSources'] }, ' wss://']);
    expect(csp['Fn::Join'][1].at(-1)).toEqual(expect.stringMatching(/^; manifest-src/));
    // The discovery handler gets no product settings: they name the distribution, whose headers depend on it.
    const handler = Object.values(external.json.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties!.Description?.includes('discovery document'))!;
    expect(handler.Properties!.Environment.Variables).toEqual({ NODE_OPTIONS: '--enable-source-maps' });
  });
});
