/**
 * Fails the run when ACCESSGATE_TEST_NO_SKIP=1 and any test was skipped or left as a todo, whatever
 * skipped it (`it.skip`, `skipIf`, `ctx.skip()`): a green CI run then means every test ran.
 */
import type { Reporter, TestModule } from 'vitest/node';
import { NO_SKIP } from './skip-policy';

export default class NoSkipReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    if (!NO_SKIP) return;
    const skipped: string[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        if (test.result().state === 'skipped') skipped.push(`${module.moduleId.replace(`${process.cwd()}/`, '')} > ${test.fullName}`);
      }
    }
    if (!skipped.length) return;
    console.error(`ACCESSGATE_TEST_NO_SKIP=1: ${skipped.length} test(s) skipped, which fails this run:\n  ${skipped.join('\n  ')}`);
    process.exitCode = 1;
  }
}
