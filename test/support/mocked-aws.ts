/**
 * A handler's test file with mocked AWS clients at a fixed date: before each case the date is `now`
 * (Date only; timers stay real) and every mock has forgotten its scripted answers and the calls it saw.
 * Call it before the file's own beforeEach, which then scripts the mocks afresh.
 */
import { beforeEach, vi } from 'vitest';

export function freshMocksPerCase(now: Date, ...mocks: Array<{ reset(): unknown }>): void {
  beforeEach(() => {
    vi.useFakeTimers({ now, toFake: ['Date'] });
    for (const mock of mocks) mock.reset();
  });
}
