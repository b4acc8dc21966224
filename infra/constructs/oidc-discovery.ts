/**
 * With the organisation's own OIDC provider (`jwtIssuer`), the origins the web UI may call are read from
 * the provider's discovery document at deploy time (oidc-discovery-handler.ts), so `cdk synth` and the
 * tests stay offline and a provider whose token endpoint lives on another host can still sign people in.
 *
 * The document is read again whenever the issuer changes. If the provider moves its token endpoint to
 * another host without changing its issuer, the next deploy does not notice: see docs/deploy.md.
 *
 * The handler gets no product settings: the web UI's response headers policy depends on it, and the
 * product settings name the web UI's own URL, which would make a cycle.
 */
import { CustomResource, Duration } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AccessgateFunction } from './accessgate-function';
import { CustomResourceProvider } from './custom-resource-provider';
import type { Operations } from './operations';

export interface OidcDiscoveryProps {
  readonly issuer: string;
  readonly operations: Operations;
  readonly deadLetterQueue: sqs.IQueue;
  readonly logRetention: logs.RetentionDays;
}

export class OidcDiscovery extends Construct {
  readonly handler: AccessgateFunction;
  readonly resource: CustomResource;
  /** Space-separated origins for the CSP's connect-src, resolved by CloudFormation at deploy time. */
  readonly connectSources: string;

  constructor(scope: Construct, id: string, props: OidcDiscoveryProps) {
    super(scope, id);
    const { operations, logRetention } = props;
    this.handler = new AccessgateFunction(this, 'Read', {
      entry: 'infra/constructs/oidc-discovery-handler.ts',
      description: 'Deploy time: reads the OIDC provider\'s discovery document for the web UI\'s CSP',
      timeout: Duration.seconds(30),
      defaults: { environment: {}, tables: [], deadLetterQueue: props.deadLetterQueue, logRetention, operations },
    });
    const provider = new CustomResourceProvider(this, 'Provider', { onEvent: this.handler, operations, logRetention });
    this.resource = new CustomResource(this, 'Document', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::AccessgateOidcDiscovery',
      properties: { Issuer: props.issuer },
    });
    this.connectSources = this.resource.getAttString('ConnectSources');
  }
}
