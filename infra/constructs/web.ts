/**
 * The web UI on AWS: the esbuild bundle in a private S3 bucket, served through CloudFront together with
 * the HTTP API under one origin, so the page calls the API without CORS and tokens never cross origins.
 *
 *   /*        → the bucket, through Origin Access Control (the bucket blocks every public access; its
 *               policy admits only this distribution); `/auth/callback` is rewritten to index.html
 *   /api/*    → the HTTP API; a CloudFront Function strips `/api`, so `/api/sessions` reaches the route
 *               `GET /sessions` unchanged; nothing is cached and every viewer header but Host is
 *               forwarded (Authorization included, which CloudFront allows only with caching disabled)
 *
 * One `/api/*` behavior rather than one per route: routes added later (Slack, audit) are served without
 * touching the distribution, and no page path can ever shadow an API path. Both behaviors add the same
 * security headers (web/security-headers.ts: CSP, HSTS, frame-ancestors 'none', nosniff, no referrer)
 * through a response headers policy.
 *
 * The bundle is built by web/build.ts during synthesis (CDK local bundling) and written by a custom
 * resource whose role can put exactly the bundle's fixed object keys, plus config.json telling the page
 * how to sign in (OIDC authorization code + PKCE against the Cognito hosted UI, or the organisation's
 * own provider). That part is a construct of its own, WebContent, because its handler takes the stack's
 * function defaults, which themselves name this distribution's URL (WEB_URL, for links in notifications).
 */
import { AssetHashType, BundlingOutput, CustomResource, DockerImage, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packWebBundleSync, WEB_CONFIG_KEY, WEB_DIR, WEB_FILES } from '../../web/build';
import { contentSecurityPolicy, HSTS_MAX_AGE_SECONDS, securityHeaders } from '../../web/security-headers';
import { AccessgateFunction, type FunctionDefaults } from './accessgate-function';
import { CustomResourceProvider } from './custom-resource-provider';
import type { AuthSettings, Identity } from './identity';

/** How the page signs people in; what the stack knows of the identity provider. */
export interface WebSignIn {
  readonly issuer: string;
  /**
   * Origins the page calls besides its own, for the CSP's connect-src: the hosted UI's, or with the
   * organisation's provider, those its discovery document names at deploy time (OidcDiscovery).
   */
  readonly connectSources: readonly string[];
  /** The public OAuth client the page uses (authorization code + PKCE, no secret). */
  readonly clientId: string;
  /** Cognito's hosted sign-in base URL: its OAuth endpoints and /logout live under it. */
  readonly hostedUiBaseUrl?: string;
  /** The Cognito app client, to which the distribution's callback and sign-out URLs are added. */
  readonly cognitoClient?: {
    readonly client: cognito.UserPoolClient;
    readonly callbackUrls: readonly string[];
    readonly logoutUrls: readonly string[];
  };
}

/**
 * The page's sign-in settings from the stack's identity: the Cognito pool's app client and hosted UI, or,
 * with the organisation's own provider (`jwtIssuer`), that issuer and the first `jwtAudience` entry as
 * the page's client id (the page then reads the provider's endpoints from its discovery document, and
 * `discoveredSources` are the origins the deploy read from that same document).
 */
export function webSignInOf(auth: AuthSettings, identity: Identity, discoveredSources?: string): WebSignIn {
  if (auth.kind === 'jwt') {
    if (!discoveredSources) throw new Error('accessgate: the web UI needs the origins from the OIDC discovery document of ' + auth.issuer);
    return { issuer: auth.issuer, clientId: auth.audience[0], connectSources: [discoveredSources] };
  }
  if (!identity.client || !identity.domain) throw new Error('accessgate: the Cognito identity has no app client or hosted domain for the web UI');
  return {
    issuer: identity.issuer,
    clientId: identity.client.userPoolClientId,
    hostedUiBaseUrl: identity.domain.baseUrl(),
    connectSources: [identity.domain.baseUrl()],
    cognitoClient: { client: identity.client, callbackUrls: auth.callbackUrls, logoutUrls: auth.logoutUrls },
  };
}

export interface WebUiProps {
  readonly httpApi: apigwv2.IHttpApi;
  readonly signIn: WebSignIn;
  /** The WebSocket API's origin (wss://…) the page waits on sessions through; the CSP must allow it. */
  readonly socketOrigin?: string;
}

/** The page's redirect target after sign-in (web/src/auth.ts CALLBACK_PATH). */
export const CALLBACK_PATH = '/auth/callback';
/** Where the API lives under the distribution's origin (the page's `apiBase`). */
export const API_PREFIX = '/api';

/** CloudFront Functions (cloudfront-js-2.0), exported so tests run the very code that is deployed. */
export const STRIP_API_PREFIX_CODE = `function handler(event) {
  var request = event.request;
  request.uri = request.uri.replace(/^\\/api(?=\\/|$)/, '') || '/';
  return request;
}`;
export const PAGE_ROUTES_CODE = `function handler(event) {
  var request = event.request;
  if (request.uri === '${CALLBACK_PATH}') request.uri = '/index.html';
  return request;
}`;

/** The longest AWS region code today ("ap-southeast-5", "cn-northwest-1"). */
const REGION_MAX_LENGTH = 14;

/**
 * A name for a CloudFront resource whose name is unique per account across all regions (response headers
 * policies, origin access controls): `<stack>-<region>-<purpose>`, so a second stage or a second region
 * of one account does not fail with AlreadyExists. A stack name too long for `maxLength` is cut and
 * followed by a hash of the whole name, so two long names that share a beginning still differ.
 */
export function accountWideName(stack: Stack, purpose: string, maxLength: number): string {
  const room = maxLength - REGION_MAX_LENGTH - purpose.length - 2;
  const name = stack.stackName;
  const stackPart = name.length <= room ? name : `${name.slice(0, room - 9)}-${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
  return `${stackPart}-${stack.region}-${purpose}`;
}

/** CloudFront's limits on those names. */
export const RESPONSE_HEADERS_POLICY_NAME_MAX = 128;
export const ORIGIN_ACCESS_CONTROL_NAME_MAX = 64;

const NAG_REASONS: Record<string, string> = {
  'AwsSolutions-CFR1':
    'Who may use accessgate is decided by the identity provider and the groups in its tokens, not by country; a geo restriction would lock out travelling on-call engineers at the moment break-glass access matters most.',
  'AwsSolutions-CFR2':
    'AWS WAF costs a monthly fee per web ACL, which breaks the product promise of $0 while idle. Every API route but /health and the Slack endpoint (which checks Slack signatures) requires a valid JWT, the HTTP API stage is throttled, and the bucket behind /* holds only the public page bundle. Organisations that require WAF attach their web ACL to this distribution.',
  'AwsSolutions-CFR3':
    'The only dynamic traffic is /api/*, which API Gateway already logs per request (who, route, status) into the access log group with retention, and every state change is in the hash-chained event log; the rest is the public static bundle. CloudFront standard logging (v2, through CloudWatch Logs delivery, which needs no ACL-enabled bucket) would record the same API requests again and page downloads of public files, at a per-GB charge; deployments that want it can add a delivery to this distribution.',
  'AwsSolutions-CFR4':
    'Without a custom domain the distribution uses the default *.cloudfront.net certificate, for which CloudFront does not let the minimum viewer TLS version be set; modern browsers negotiate TLS 1.2 or 1.3. Deployments with their own domain and ACM certificate set TLSv1.2_2021.',
  'AwsSolutions-S1':
    'The bucket holds only the web UI bundle, written by the stack on deploy and readable only by this distribution through Origin Access Control; reads are CloudFront requests, and writes happen only through CloudFormation, which CloudTrail records.',
};

export class WebUi extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly headers: cloudfront.ResponseHeadersPolicy;
  /** `https://<distribution domain>`, no trailing slash. */
  readonly url: string;
  /** What config.json tells the page. */
  readonly pageConfig: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: WebUiProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { signIn } = props;

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // Only the rebuildable bundle lives here; the deployment handler empties it on stack deletion.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const custom = securityHeaders();
    this.headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      responseHeadersPolicyName: accountWideName(stack, 'security-headers', RESPONSE_HEADERS_POLICY_NAME_MAX),
      comment: 'accessgate: CSP, HSTS, no framing, nosniff, no referrer (web/security-headers.ts)',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: contentSecurityPolicy({ connectSources: [...signIn.connectSources, ...(props.socketOrigin ? [props.socketOrigin] : [])] }), override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.seconds(HSTS_MAX_AGE_SECONDS), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
      customHeadersBehavior: {
        customHeaders: ['permissions-policy', 'cross-origin-opener-policy', 'cross-origin-resource-policy'].map((header) => ({
          header,
          value: custom[header],
          override: true,
        })),
      },
    });

    // index.html and config.json say no-cache (revalidated every time); assets are named by ?v=<hash>.
    const staticCache = new cloudfront.CachePolicy(this, 'StaticCache', {
      comment: 'accessgate web UI: assets keyed by their ?v= content hash; pages revalidated',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.days(1),
      maxTtl: Duration.days(365),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.allowList('v'),
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });

    const apiOrigin = new origins.HttpOrigin(`${props.httpApi.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`, {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
      // Long-polls hold up to 25 s; API Gateway itself stops at 30 s.
      readTimeout: Duration.seconds(30),
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'accessgate: web UI and HTTP API under one origin',
      defaultRootObject: 'index.html',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket, {
          originAccessControl: new cloudfront.S3OriginAccessControl(this, 'OriginAccess', {
            originAccessControlName: accountWideName(stack, 'web', ORIGIN_ACCESS_CONTROL_NAME_MAX),
            description: 'accessgate: the web UI distribution reads the web bucket',
          }),
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: staticCache,
        responseHeadersPolicy: this.headers,
        compress: true,
        functionAssociations: [
          {
            eventType: cloudfront.FunctionEventType.VIEWER_REQUEST,
            function: new cloudfront.Function(this, 'PageRoutes', {
              runtime: cloudfront.FunctionRuntime.JS_2_0,
              comment: 'Serves index.html at the sign-in callback path',
              code: cloudfront.FunctionCode.fromInline(PAGE_ROUTES_CODE),
            }),
          },
        ],
      },
      additionalBehaviors: {
        [`${API_PREFIX}/*`]: {
          origin: apiOrigin,
          // A POST must not be turned into a redirect (browsers would replay it as GET).
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: this.headers,
          functionAssociations: [
            {
              eventType: cloudfront.FunctionEventType.VIEWER_REQUEST,
              function: new cloudfront.Function(this, 'StripApiPrefix', {
                runtime: cloudfront.FunctionRuntime.JS_2_0,
                comment: 'Strips /api so /api/sessions reaches the HTTP API as /sessions',
                code: cloudfront.FunctionCode.fromInline(STRIP_API_PREFIX_CODE),
              }),
            },
          ],
        },
      },
    });
    for (const [rule, reason] of Object.entries(NAG_REASONS)) {
      Validations.of(rule.endsWith('S1') ? this.bucket : this.distribution).acknowledge({ id: rule, reason });
    }

    this.url = `https://${this.distribution.distributionDomainName}`;

    if (signIn.cognitoClient) {
      // The app client must accept the distribution's own URLs besides those given in context.
      const { client, callbackUrls, logoutUrls } = signIn.cognitoClient;
      const cfn = client.node.defaultChild as cognito.CfnUserPoolClient;
      cfn.addPropertyOverride('CallbackURLs', [...callbackUrls, `${this.url}${CALLBACK_PATH}`]);
      cfn.addPropertyOverride('LogoutURLs', [...logoutUrls, `${this.url}/`]);
    }

    const hosted = signIn.hostedUiBaseUrl;
    this.pageConfig = {
      mode: 'oidc',
      apiBase: API_PREFIX,
      oidc: {
        issuer: signIn.issuer,
        clientId: signIn.clientId,
        scope: 'openid email profile',
        ...(hosted
          ? {
              authorizationEndpoint: `${hosted}/oauth2/authorize`,
              tokenEndpoint: `${hosted}/oauth2/token`,
              endSessionEndpoint: `${hosted}/logout`,
              logoutStyle: 'cognito',
            }
          : {}),
      },
    };
  }
}

export interface WebContentProps {
  readonly web: WebUi;
  readonly defaults: FunctionDefaults;
  readonly logRetention: logs.RetentionDays;
}

/**
 * The web UI's files: builds the bundle during synthesis and adds the custom resource that writes it and
 * config.json into the web bucket on every deploy that changes either.
 */
export class WebContent extends Construct {
  readonly site: CustomResource;
  readonly deployHandler: AccessgateFunction;

  constructor(scope: Construct, id: string, props: WebContentProps) {
    super(scope, id);
    const { web, defaults, logRetention } = props;
    const bundle = new s3assets.Asset(this, 'Bundle', {
      path: WEB_DIR,
      exclude: ['dist'],
      // The deployed bytes decide the version, whatever changed them (sources or dependencies).
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        // Required by the type, never pulled: local bundling always succeeds or throws (esbuild is a
        // devDependency, present wherever `npm ci` ran), so synthesis needs no Docker.
        image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22-alpine'),
        outputType: BundlingOutput.SINGLE_FILE,
        local: {
          tryBundle(outputDir: string): boolean {
            const work = mkdtempSync(join(tmpdir(), 'accessgate-web-'));
            try {
              writeFileSync(join(outputDir, 'web-bundle.json'), packWebBundleSync(work));
            } finally {
              rmSync(work, { recursive: true, force: true });
            }
            return true;
          },
        },
      },
    });

    const keys = WEB_FILES.map((file) => file.key);
    this.deployHandler = new AccessgateFunction(this, 'Deploy', {
      entry: 'infra/constructs/web-deploy-handler.ts',
      description: 'Deploy time: writes the web UI bundle and its config.json into the web bucket',
      timeout: Duration.minutes(2),
      defaults,
    });
    this.deployHandler.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'ReadBundle', actions: ['s3:GetObject'], resources: [bundle.bucket.arnForObjects(bundle.s3ObjectKey)] }),
    );
    this.deployHandler.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'WriteSite',
        actions: ['s3:PutObject', 's3:DeleteObject'],
        resources: [...keys, WEB_CONFIG_KEY].map((key) => web.bucket.arnForObjects(key)),
      }),
    );

    const provider = new CustomResourceProvider(this, 'Provider', {
      onEvent: this.deployHandler,
      operations: defaults.operations,
      logRetention,
    });
    this.site = new CustomResource(this, 'Site', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::AccessgateWebUi',
      properties: {
        Bucket: web.bucket.bucketName,
        BundleBucket: bundle.s3BucketName,
        BundleKey: bundle.s3ObjectKey,
        Keys: keys,
        ConfigKey: WEB_CONFIG_KEY,
        Config: Stack.of(this).toJsonString(web.pageConfig),
      },
    });
  }
}
