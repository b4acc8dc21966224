/**
 * The session metrics' dashboard and alarms: they read the namespace, dimension and names the functions
 * emit (functions/adapters/session-metrics.ts), alarm on break-glass use, expiring reviews and slow
 * approvals, notify the alarm topic, and treat an idle stack (no data) as healthy.
 */
import { describe, expect, it } from 'vitest';
import { METRICS_NAMESPACE } from '../../../functions/adapters/session-metrics';
import { EXPIRED_REVIEWS_PER_HOUR, SESSION_COUNTS, SLOW_APPROVAL } from '../../../infra/constructs/session-dashboard';
import { synth } from '../synth';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:oncall';
const { template, json } = synth({ alarmTopicArn: TOPIC });
const dimensions = [{ Name: 'Service', Value: 'accessgate' }];

describe('session alarms', () => {
  it.each([
    ['SessionsForced', 'Sum', 300, 1],
    ['SessionsExpired', 'Sum', 3600, EXPIRED_REVIEWS_PER_HOUR],
  ])('%s: %s over %i s at %i or more', (metricName, statistic, period, threshold) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRICS_NAMESPACE,
      MetricName: metricName,
      Dimensions: dimensions,
      Statistic: statistic,
      Period: period,
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [TOPIC],
    });
  });

  it('ApprovalLatency: p90 over an hour at the slow-approval mark, in milliseconds', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'accessgate',
      MetricName: 'ApprovalLatency',
      Dimensions: dimensions,
      ExtendedStatistic: 'p90',
      Period: 3600,
      Unit: 'Milliseconds',
      Threshold: SLOW_APPROVAL.toMilliseconds(),
      TreatMissingData: 'notBreaching',
      AlarmActions: [TOPIC],
    });
  });
});

describe('the dashboard', () => {
  it('shows every session count and the approval latency, in the functions\' namespace and dimension', () => {
    const dashboards = Object.values(json.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    // No fixed name: dashboard names are unique per account across all regions.
    expect(dashboards[0].Properties!.DashboardName).toBeUndefined();
    // The body is an Fn::Join of JSON text around the region; its text parts name every metric.
    const body = (dashboards[0].Properties!.DashboardBody['Fn::Join'][1] as unknown[]).filter((part) => typeof part === 'string').join('');
    for (const name of [...Object.keys(SESSION_COUNTS), 'ApprovalLatency']) expect(body).toContain(`["accessgate","${name}","Service","accessgate"`);
    expect(Object.keys(SESSION_COUNTS).sort()).toEqual(['SessionsApproved', 'SessionsDenied', 'SessionsExpired', 'SessionsForced', 'SessionsRequested']);
  });
});
