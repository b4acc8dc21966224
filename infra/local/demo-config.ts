/**
 * The demo configuration `npm start` applies: the same file format an admin gives `cdk deploy`
 * (functions/domain/product-config.ts), with placeholder ARNs that the local Data API server answers.
 */
import { parseProductConfig, type ProductConfig } from '../../functions/domain/product-config';
import { demoRule } from '../demo-rule';

const LOCAL_ACCOUNT = '000000000000';
export const localClusterArn = (id: string) => `arn:aws:rds:us-east-1:${LOCAL_ACCOUNT}:cluster:${id}`;
export const localSecretArn = (id: string) => `arn:aws:secretsmanager:us-east-1:${LOCAL_ACCOUNT}:secret:${id}-local`;

/**
 * `mysqlDatabase` adds the MySQL resource, on that database of the configured server.
 * `postgresDatabase` is the database the postgres resources name (default `postgres`): the one the
 * demo schema is seeded into, since the Data API's `database` parameter selects the database queried.
 */
export function demoConfig(options: { mysqlDatabase?: string; postgresDatabase?: string }): ProductConfig {
  const postgresDatabase = options.postgresDatabase ?? 'postgres';
  const resource = (id: string, name: string, type: 'postgres' | 'mysql', database: string) => ({
    id,
    name,
    type,
    database,
    clusterArn: localClusterArn(id),
    secretArn: localSecretArn(id),
    allowedGroups: ['dba', 'sre'],
  });
  return parseProductConfig(
    {
      resources: [
        resource('postgres-demo', 'Orders (production)', 'postgres', postgresDatabase),
        resource('postgres-staging', 'Orders (staging)', 'postgres', postgresDatabase),
        ...(options.mysqlDatabase ? [resource('mysql-rds', 'Orders (MySQL)', 'mysql', options.mysqlDatabase)] : []),
      ],
      rules: [demoRule(['postgres-demo', ...(options.mysqlDatabase ? ['mysql-rds'] : [])])],
    },
    'the demo configuration',
  );
}
