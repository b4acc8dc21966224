/**
 * The demo seed handler: its SQL is one statement (the Data API runs one per call) that builds the same
 * schema as the local demo and can run twice; the handler waits out a resuming cluster, fails fast on
 * anything else, and does nothing on Delete.
 */
import { ExecuteStatementCommand, RDSDataClient } from '@aws-sdk/client-rds-data';
import { PGlite } from '@electric-sql/pglite';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_CUSTOMERS, DEMO_ORDERS, DEMO_SEED_SQL, seed } from '../../../infra/constructs/demo-seed-handler';

const properties = {
  ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:framework',
  ClusterArn: 'arn:aws:rds:eu-west-1:123456789012:cluster:demo',
  SecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:demo-AbCdEf',
  Database: 'demo',
};
const base = {
  ServiceToken: properties.ServiceToken,
  ResponseURL: 'https://example.com/response',
  StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Accessgate/1',
  RequestId: 'request-1',
  LogicalResourceId: 'DemoSeed',
  ResourceType: 'Custom::AccessgateDemoSeed',
  ResourceProperties: properties,
};
const create = { ...base, RequestType: 'Create' } as CloudFormationCustomResourceEvent;

describe('DEMO_SEED_SQL on PostgreSQL', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = new PGlite();
    await db.waitReady;
  });
  afterAll(async () => db.close());

  it('creates customers and orders with the local demo\'s columns, and may run again', async () => {
    // Prepare: one statement, as the Data API requires.
    expect(DEMO_SEED_SQL.trim()).toMatch(/^DO \$seed\$[\s\S]*\$seed\$$/);

    // Act
    await db.exec(DEMO_SEED_SQL);
    await db.exec(DEMO_SEED_SQL);

    // Assess
    const count = async (table: string) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
    expect(await count('customers')).toBe(DEMO_CUSTOMERS);
    expect(await count('orders')).toBe(DEMO_ORDERS);
    const columns = await db.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_name IN ('customers', 'orders') ORDER BY table_name, ordinal_position`,
    );
    expect(columns.rows.map((r) => `${r.table_name}.${r.column_name}`)).toEqual([
      'customers.id', 'customers.name', 'customers.email', 'customers.country', 'customers.created_at',
      'orders.id', 'orders.customer_id', 'orders.status', 'orders.total', 'orders.created_at',
    ]);
    const orphans = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM orders o LEFT JOIN customers c ON c.id = o.customer_id WHERE c.id IS NULL');
    expect(orphans.rows[0].n).toBe(0);
    // The identity sequences moved past the seeded ids, so an engineer's INSERT works.
    const inserted = await db.query<{ id: number }>(`INSERT INTO customers (name, email, country, created_at) VALUES ('New', 'new@example.com', 'DE', now()) RETURNING id`);
    expect(inserted.rows[0].id).toBe(DEMO_CUSTOMERS + 1);
  });
});

describe('seed', () => {
  const rds = mockClient(RDSDataClient);
  const sleeps: number[] = [];
  const deps = (remainingMs = 600_000) => ({
    client: new RDSDataClient({ region: 'eu-west-1' }),
    sleep: async (ms: number) => {
      sleeps.push(ms);
    },
    remainingMs: () => remainingMs,
  });
  const failure = (name: string) => Object.assign(new Error(name), { name });

  beforeEach(() => {
    rds.reset();
    sleeps.length = 0;
  });

  it('runs the seed statement on the cluster with its secret', async () => {
    // Prepare
    rds.on(ExecuteStatementCommand).resolves({});

    // Act
    const result = await seed(create, deps());

    // Assess
    expect(result).toEqual({ PhysicalResourceId: 'demo-seed-demo' });
    expect(rds.commandCalls(ExecuteStatementCommand).map((call) => call.args[0].input)).toEqual([
      { resourceArn: properties.ClusterArn, secretArn: properties.SecretArn, database: 'demo', sql: DEMO_SEED_SQL },
    ]);
  });

  it('waits for a resuming cluster with growing pauses', async () => {
    rds
      .on(ExecuteStatementCommand)
      .rejectsOnce(failure('DatabaseResumingException'))
      .rejectsOnce(failure('HttpEndpointNotEnabledException'))
      .resolves({});

    await seed(create, deps());

    expect(rds.commandCalls(ExecuteStatementCommand)).toHaveLength(3);
    expect(sleeps).toEqual([2_000, 4_000]);
  });

  it('fails at once on an error waiting cannot fix', async () => {
    rds.on(ExecuteStatementCommand).rejects(failure('BadRequestException'));

    await expect(seed(create, deps())).rejects.toThrow('BadRequestException');
    expect(rds.commandCalls(ExecuteStatementCommand)).toHaveLength(1);
  });

  it('gives up while there is still time to tell CloudFormation', async () => {
    rds.on(ExecuteStatementCommand).rejects(failure('DatabaseResumingException'));

    await expect(seed(create, deps(30_000))).rejects.toThrow('DatabaseResumingException');
    expect(sleeps).toEqual([]);
  });

  it('does nothing on Delete: the cluster goes away with the stack', async () => {
    const event = { ...base, RequestType: 'Delete', PhysicalResourceId: 'demo-seed-demo' } as CloudFormationCustomResourceEvent;

    expect(await seed(event, deps())).toEqual({ PhysicalResourceId: 'demo-seed-demo' });
    expect(rds.commandCalls(ExecuteStatementCommand)).toHaveLength(0);
  });
});
