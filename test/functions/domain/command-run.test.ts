import { describe, expect, it } from 'vitest';
import { claimMayBeHeld, closerMayBeAtWork, RUN_CLAIM_SECONDS, RUN_TIMEOUT_SECONDS } from '../../../functions/domain/command-run';

const startedAt = '2026-11-30T10:00:00.000Z';
const after = (seconds: number) => new Date(Date.parse(startedAt) + seconds * 1000);

describe('claimMayBeHeld', () => {
  it('holds a running session\'s claim for the claim\'s length, which outlasts the run function\'s timeout', () => {
    expect(RUN_CLAIM_SECONDS).toBeGreaterThan(RUN_TIMEOUT_SECONDS);
    expect(claimMayBeHeld({ status: 'running', startedAt }, after(0), 100)).toBe(true);
    expect(claimMayBeHeld({ status: 'running', startedAt }, after(99.9), 100)).toBe(true);
    expect(claimMayBeHeld({ status: 'running', startedAt }, after(100), 100)).toBe(false);
  });

  it('holds no claim on a session that is not running', () => {
    for (const status of ['approved', 'done', 'failed'] as const) expect(claimMayBeHeld({ status, startedAt }, after(1), 100)).toBe(false);
    expect(claimMayBeHeld({ status: 'running' }, after(1), 100)).toBe(false);
  });
});

describe('closerMayBeAtWork', () => {
  it('counts the claim\'s length from when the session was closed, and nothing for a session still open', () => {
    const finishedAt = startedAt;
    expect(closerMayBeAtWork({ finishedAt }, after(99.9), 100)).toBe(true);
    expect(closerMayBeAtWork({ finishedAt }, after(100), 100)).toBe(false);
    expect(closerMayBeAtWork({}, after(1), 100)).toBe(false);
  });
});
