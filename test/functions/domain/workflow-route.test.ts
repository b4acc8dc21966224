import { describe, expect, it } from 'vitest';
import { machineFor } from '../../../functions/domain/workflow-route';

describe('machineFor', () => {
  it('starts a command waiting for its review on the command-review machine', () => {
    expect(machineFor({ next: 'review', reviewSeconds: 3600 })).toBe('command-review');
  });

  it('starts every other route, and a re-drive without one, on the session machine', () => {
    expect(machineFor({ next: 'review', reviewSeconds: 3600, window: true })).toBe('session');
    for (const next of ['execute', 'window', 'record'] as const) expect(machineFor({ next })).toBe('session');
    expect(machineFor(undefined)).toBe('session');
  });
});
