/**
 * Session metrics in CloudWatch's embedded metric format, through Powertools for AWS Lambda's Metrics:
 * namespace `accessgate`, one dimension `Service=accessgate`, and the names the stack's alarms and
 * dashboard are built on. Each metric is written as its own EMF line at once, not buffered until the
 * end of the invocation, so no handler needs a flush and invocations running side by side (the local
 * runtime) cannot mix their metrics. POWERTOOLS_METRICS_DISABLED (or POWERTOOLS_DEV) turns them off.
 */
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { SessionCount, SessionMetrics } from '../app/ports';

export const METRICS_NAMESPACE = 'accessgate';

export function emfSessionMetrics(): SessionMetrics {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'accessgate' });
  // Exactly one dimension, spelled as the dashboard expects (Powertools would add its own `service`).
  metrics.clearDefaultDimensions();
  metrics.setDefaultDimensions({ Service: 'accessgate' });
  const emit = (name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number) => {
    metrics.addMetric(name, unit, value);
    metrics.publishStoredMetrics();
  };
  return {
    count: (metric: SessionCount) => emit(metric, MetricUnit.Count, 1),
    approvalLatency: (ms: number) => emit('ApprovalLatency', MetricUnit.Milliseconds, ms),
  };
}
