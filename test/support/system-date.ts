/**
 * The system date for the calling test file, moved by hand: only Date is faked, timers stay real (dynalite
 * and the SDK need them). Each case starts at `now()`; the returned function moves the date to `now()`
 * again after a case has changed what it returns.
 */
import { afterAll, beforeAll, beforeEach, vi } from 'vitest';

export function systemDatePerFile(now: () => number): () => void {
  const tick = () => void vi.setSystemTime(now());
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
  });
  beforeEach(tick);
  afterAll(() => {
    vi.useRealTimers();
  });
  return tick;
}
