/**
 * The database backends of the local RDS Data API server (server.ts), one module per engine:
 * pglite.ts (embedded, the default), postgres.ts (a real PostgreSQL server), mysql.ts (MySQL/MariaDB).
 */
export * from './sql-backend';
export * from './errors';
export { PGliteBackend, type PGliteBackendOptions } from './pglite';
export { PostgresBackend, type PostgresBackendOptions } from './postgres';
export { MysqlBackend, type MysqlBackendOptions } from './mysql';
export { parsePgArray } from './pg-values';
