/**
 * The config seed: one custom resource carries the validated config file to functions/config/apply.ts
 * through a Provider whose framework function is held to the stack's own standards.
 */
import { describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG, loadProductConfig } from '../../../infra/app';
import { asArray, logicalId, statementsOf, synth } from '../synth';

const { stack, json } = synth();
const seed = stack.configSeed;
const custom = json.Resources[logicalId(seed.resource)];
const frameworkId = custom.Properties!.ServiceToken['Fn::GetAtt'][0] as string;
const framework = json.Resources[frameworkId].Properties!;

describe('the config custom resource', () => {
  it('carries the validated config file as one JSON string property', () => {
    expect(custom.Type).toBe('Custom::AccessgateConfig');
    expect(JSON.parse(custom.Properties!.Config)).toEqual(loadProductConfig(EXAMPLE_CONFIG));
  });

  it('is served by a Provider framework that invokes only the apply handler', () => {
    expect(framework.Environment.Variables.USER_ON_EVENT_FUNCTION_ARN).toEqual({ 'Fn::GetAtt': [logicalId(seed.handler), 'Arn'] });
    const invoke = statementsOf(json, framework.Role['Fn::GetAtt'][0]).filter((s) => asArray(s.Action).includes('lambda:InvokeFunction'));
    for (const statement of invoke) {
      for (const resource of asArray(statement.Resource)) expect(JSON.stringify(resource)).toContain(logicalId(seed.handler));
    }
  });

  it('gives the framework its own role without AWS managed policies, a retained log group and the dead-letter queue', () => {
    const role = json.Resources[framework.Role['Fn::GetAtt'][0]].Properties!;
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(json.Resources[framework.LoggingConfig.LogGroup.Ref]).toMatchObject({ DeletionPolicy: 'Retain', Properties: { RetentionInDays: 365 } });
    const invokeConfig = Object.values(json.Resources).find(
      (r) => r.Type === 'AWS::Lambda::EventInvokeConfig' && r.Properties!.FunctionName.Ref === frameworkId,
    );
    expect(invokeConfig?.Properties!.DestinationConfig.OnFailure.Destination).toEqual({
      'Fn::GetAtt': [logicalId(stack.operations.deadLetterQueue), 'Arn'],
    });
  });

  it('runs the handler with a minute to write the sessions table and append events', () => {
    expect(json.Resources[logicalId(seed.handler)].Properties).toMatchObject({ Timeout: 60 });
    const actions = statementsOf(json, logicalId(seed.handler.role!)).flatMap((s) => asArray(s.Action));
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query']));
  });
});
