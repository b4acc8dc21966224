/**
 * The session metrics the functions emit in CloudWatch's embedded metric format
 * (functions/adapters/session-metrics.ts: namespace `accessgate`, dimension `Service=accessgate`), on a
 * dashboard, and the alarms built on them: a forced (break-glass) approval, reviews expiring without a
 * decision, and approvals that keep people waiting.
 *
 * The dashboard is named by CloudFormation: dashboard names are unique per account across all regions.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../functions/adapters/session-metrics';
import type { SessionCount } from '../../functions/app/ports';
import type { Operations } from './operations';

/** The one dimension every session metric carries. */
export const SESSION_METRIC_DIMENSIONS = { Service: 'accessgate' } as const;

/** Every session count, with its label on the dashboard (a Record, so a new count cannot be left out). */
export const SESSION_COUNTS: Record<SessionCount, string> = {
  SessionsRequested: 'requested',
  SessionsApproved: 'approved',
  SessionsDenied: 'denied',
  SessionsExpired: 'expired (no decision in the window)',
  SessionsForced: 'forced (break-glass)',
};

/** Approvals slower than this at the 90th percentile over an hour raise ApprovalsSlow. */
export const SLOW_APPROVAL = Duration.minutes(30);
/** Reviews expiring within an hour that raise ReviewsExpiring. */
export const EXPIRED_REVIEWS_PER_HOUR = 3;

export interface SessionDashboardProps {
  readonly operations: Operations;
}

export class SessionDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: SessionDashboardProps) {
    super(scope, id);
    const { operations } = props;
    const metric = (metricName: string, options: cloudwatch.MetricOptions) =>
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { ...SESSION_METRIC_DIMENSIONS }, ...options });
    // Labels only on the dashboard: an alarm on a labelled metric is written as a metric-math alarm.
    const count = (name: SessionCount, period: Duration, label?: string) => metric(name, { statistic: 'Sum', period, label });
    const latency = (statistic: string, label?: string) =>
      metric('ApprovalLatency', { statistic, period: Duration.hours(1), unit: cloudwatch.Unit.MILLISECONDS, label });

    this.alarms = [
      operations.alarm(
        'BreakGlassUsed',
        count('SessionsForced', Duration.minutes(5)),
        1,
        'A session was approved by force (break-glass) within the last five minutes. Check who forced it and why: the session and its events are in the audit trail.',
      ),
      operations.alarm(
        'ReviewsExpiring',
        count('SessionsExpired', Duration.hours(1)),
        EXPIRED_REVIEWS_PER_HOUR,
        `${EXPIRED_REVIEWS_PER_HOUR} or more reviews expired without a decision within an hour: approvers are not being reached (Slack, notifications) or nobody is on duty.`,
      ),
      operations.alarm(
        'ApprovalsSlow',
        latency('p90'),
        SLOW_APPROVAL.toMilliseconds(),
        `One in ten approvals within the last hour took more than ${SLOW_APPROVAL.toMinutes()} minutes from request to approval.`,
      ),
    ];

    this.dashboard = new cloudwatch.Dashboard(this, 'Sessions', {
      defaultInterval: Duration.days(7),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Sessions per hour',
            left: (Object.keys(SESSION_COUNTS) as SessionCount[]).map((name) => count(name, Duration.hours(1), SESSION_COUNTS[name])),
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Time from request to approval',
            left: ['p50', 'p90', 'Maximum'].map((statistic) => latency(statistic, `approval latency ${statistic} (ms)`)),
            leftAnnotations: [{ value: SLOW_APPROVAL.toMilliseconds(), label: 'ApprovalsSlow (p90)' }],
            width: 12,
          }),
        ],
        [new cloudwatch.AlarmStatusWidget({ title: 'Session alarms', alarms: [...this.alarms], width: 24 })],
      ],
    });
  }
}
