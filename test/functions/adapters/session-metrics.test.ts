/**
 * The EMF lines CloudWatch turns into the session metrics: namespace, the one dimension and the names
 * the dashboard and alarms are built on, with their units.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { emfSessionMetrics } from '../../../functions/adapters/session-metrics';

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('session metrics', () => {
  it('writes each metric at once as an EMF line in namespace accessgate with dimension Service=accessgate', () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const metrics = emfSessionMetrics();

    metrics.count('SessionsRequested');
    metrics.count('SessionsForced');
    metrics.approvalLatency(1500);

    const emf = lines.flatMap((line) => line.split('\n')).filter(Boolean).map((line) => JSON.parse(line));
    expect(emf).toHaveLength(3);
    for (const entry of emf) {
      expect(entry._aws.CloudWatchMetrics).toEqual([{ Namespace: 'accessgate', Dimensions: [['Service']], Metrics: [expect.any(Object)] }]);
      expect(entry.Service).toBe('accessgate');
      expect(entry).not.toHaveProperty('service');
    }
    expect(emf.map((entry) => entry._aws.CloudWatchMetrics[0].Metrics[0])).toEqual([
      { Name: 'SessionsRequested', Unit: 'Count' },
      { Name: 'SessionsForced', Unit: 'Count' },
      { Name: 'ApprovalLatency', Unit: 'Milliseconds' },
    ]);
    expect(emf.map((entry) => entry.SessionsRequested ?? entry.SessionsForced ?? entry.ApprovalLatency)).toEqual([1, 1, 1500]);
  });
});
