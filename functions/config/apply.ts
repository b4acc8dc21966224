/**
 * CloudFormation custom resource: applies the admin's configuration file at deploy (resources upserted,
 * rules created when missing). Deleting the stack keeps the data: rules and the audit trail outlive it.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { applyConfig } from '../app/catalog';
import { parseProductConfig } from '../domain/product-config';
import { deps } from '../wiring';

export async function handler(event: CloudFormationCustomResourceEvent) {
  const physicalResourceId = 'accessgate-config';
  if (event.RequestType === 'Delete') return { PhysicalResourceId: physicalResourceId };
  const config = parseProductConfig(JSON.parse(String(event.ResourceProperties.Config)), 'the deployed configuration');
  await applyConfig(deps(), config, { system: 'cdk deploy' });
  return { PhysicalResourceId: physicalResourceId };
}
