/**
 * Puts the admin's config file into the sessions table on every deploy: a custom resource whose one
 * property is the validated configuration as JSON, handled by functions/config/apply.ts. That handler
 * upserts the protected resources and creates the initial rules that do not exist yet, so rules an admin
 * edited through the API survive a redeploy; every change it makes is also appended to the event log.
 */
import { CustomResource, Duration, Stack } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ProductConfig } from '../../functions/domain/product-config';
import { AccessgateFunction, type FunctionDefaults } from './accessgate-function';
import { CustomResourceProvider } from './custom-resource-provider';
import type { AccessgateTables } from './tables';

export interface ConfigSeedProps {
  readonly defaults: FunctionDefaults;
  readonly tables: AccessgateTables;
  /** The validated configuration; ARNs may be tokens (the demo database's). */
  readonly config: ProductConfig;
  readonly logRetention: logs.RetentionDays;
}

export class ConfigSeed extends Construct {
  readonly handler: AccessgateFunction;
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: ConfigSeedProps) {
    super(scope, id);
    this.handler = new AccessgateFunction(this, 'ApplyConfig', {
      entry: 'functions/config/apply.ts',
      description: 'Deploy time: upsert the protected resources and create the initial rules from the config file',
      timeout: Duration.seconds(60),
      defaults: props.defaults,
    }).bindSessionWriter(props.tables);

    const provider = new CustomResourceProvider(this, 'Provider', {
      onEvent: this.handler,
      operations: props.defaults.operations,
      logRetention: props.logRetention,
    });
    this.resource = new CustomResource(this, 'Config', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::AccessgateConfig',
      properties: { Config: Stack.of(this).toJsonString(props.config) },
    });
  }
}
