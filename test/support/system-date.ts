/**
 * The system date for the calling test file, moved by hand: only Date is faked, timers stay real (dynalite
 * and the SDK need them). The date starts at `start` and only moves when a case advances it; each case
 * starts where the one before left it.
 */
import { afterAll, beforeAll, beforeEach, vi } from 'vitest';

export interface MovedDate {
  /** The faked date, in epoch milliseconds. */
  now(): number;
  /** Moves the date `ms` forward, at once. */
  advance(ms: number): void;
}

export function systemDatePerFile(start: string): MovedDate {
  let at = Date.parse(start);
  const apply = () => void vi.setSystemTime(at);
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
  });
  beforeEach(apply);
  afterAll(() => {
    vi.useRealTimers();
  });
  return {
    now: () => at,
    advance(ms) {
      at += ms;
      apply();
    },
  };
}
