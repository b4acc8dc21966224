/**
 * The run's real PostgreSQL server, for test files: `await postgresDatabase('gateway')` gives a URL to
 * a fresh, empty database of this file's own, so files running side by side never see each other's
 * tables. With ACCESSGATE_TEST_PG_URL set it gives that URL as it is (that database is shared).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import './provided';

export async function postgresDatabase(label: string): Promise<string> {
  const { url, external } = inject('postgres');
  if (external) return url;
  const name = `${label}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  const database = new URL(url);
  database.pathname = `/${name}`;
  return database.toString();
}
