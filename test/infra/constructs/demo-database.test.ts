/**
 * The optional demo database (`-c demoDatabase=true`): an Aurora Serverless v2 PostgreSQL cluster that
 * pauses when idle, reachable only through the Data API, seeded through a custom resource, added to the
 * config as "postgres-demo" and to the executor's grants; the variant passes cdk-nag too.
 */
import { describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG, loadProductConfig } from '../../../infra/app';
import { DEMO_RESOURCE_ID, DEMO_RULE_NAME, withDemoDatabase } from '../../../infra/stack';
import { asArray, leastPrivilegeViolations, logicalId, statementsOf, synth } from '../synth';

// With cdk-nag: synthesis throws on any unacknowledged finding.
const { stack, template, json } = synth({ demoDatabase: 'true' }, { nag: true });
const demo = stack.demoDatabase!;
const clusterId = logicalId(demo.cluster);
const resourcesOf = (type: string) => Object.values(json.Resources).filter((r) => r.Type === type);

describe('the demo cluster', () => {
  it('is Aurora PostgreSQL Serverless v2 with the Data API, scaling to zero when idle', () => {
    expect(json.Resources[clusterId].Properties).toMatchObject({
      Engine: 'aurora-postgresql',
      EnableHttpEndpoint: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 2, SecondsUntilAutoPause: 300 },
      StorageEncrypted: true,
      EnableIAMDatabaseAuthentication: true,
      DatabaseName: 'demo',
    });
    template.hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.serverless', PubliclyAccessible: false });
  });

  it('cannot be reached over the network: isolated subnets, no gateways, no ingress', () => {
    expect(resourcesOf('AWS::EC2::InternetGateway')).toEqual([]);
    expect(resourcesOf('AWS::EC2::NatGateway')).toEqual([]);
    expect(resourcesOf('AWS::EC2::SecurityGroupIngress')).toEqual([]);
    for (const group of resourcesOf('AWS::EC2::SecurityGroup')) expect(group.Properties!.SecurityGroupIngress).toBeUndefined();
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT' });
  });

  it('is seeded through the Data API once the writer instance exists', () => {
    const seed = json.Resources[logicalId(demo.seed)] as { Properties: Record<string, unknown>; DependsOn?: string[] };
    expect(seed.Properties).toMatchObject({
      ClusterArn: { 'Fn::Join': expect.anything() },
      Database: 'demo',
    });
    expect(seed.DependsOn).toEqual(expect.arrayContaining([clusterId]));
    expect(JSON.stringify(seed.DependsOn)).toMatch(/Writer/);
  });
});

describe('the demo resource', () => {
  const config = JSON.parse(json.Resources[logicalId(stack.configSeed.resource)].Properties!.Config['Fn::Join'][1].map((p: unknown) => (typeof p === 'string' ? p : 'TOKEN')).join(''));

  it('joins the config file\'s resources and rules as "postgres-demo" and "dba-by-command"', () => {
    const example = loadProductConfig(EXAMPLE_CONFIG);
    expect(config.resources.map((r: { id: string }) => r.id)).toEqual([...example.resources.map((r) => r.id), DEMO_RESOURCE_ID]);
    expect(config.rules.map((r: { name: string }) => r.name)).toEqual([...example.rules.map((r) => r.name), DEMO_RULE_NAME]);
  });

  it('is reachable by the executor, and only by it and the seed function', () => {
    const clusterArn = JSON.stringify(stack.resolve(demo.cluster.clusterArn));
    const executor = statementsOf(json, logicalId(stack.workflow.execute.role!)).filter((s) => asArray(s.Action).includes('rds-data:ExecuteStatement'));
    expect(JSON.stringify(executor)).toContain(clusterArn);
    for (const fn of Object.values(stack.functions)) {
      expect(JSON.stringify(statementsOf(json, logicalId(fn.role!)))).not.toContain(clusterArn);
    }
  });

  it('adds no grant broader than its job', () => {
    expect(leastPrivilegeViolations(json, logicalId(stack.tables.events.table))).toEqual([]);
  });

  it('may not clash with an id or rule name in the config file', () => {
    const example = loadProductConfig(EXAMPLE_CONFIG);
    const clashing = { ...example, resources: [...example.resources, { ...example.resources[0], id: DEMO_RESOURCE_ID }] };
    expect(() => withDemoDatabase(clashing, 'my.json', { clusterArn: 'x', secretArn: 'y' })).toThrow(
      `my.json together with the demo database (-c demoDatabase=true) is not a valid accessgate configuration: resources[3].id: duplicate resource id "${DEMO_RESOURCE_ID}"`,
    );
  });
});
