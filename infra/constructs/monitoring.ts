// Alarms on what would leave the access picture wrong or stale, a topic they notify, and one dashboard.
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  METRIC_DIMENSIONS,
  METRIC_NAMES,
  METRICS_NAMESPACE,
  SERVICE_NAME,
  type MetricName,
} from '../../lib/observability/metric-names.js';
import type { GovernanceFunction } from './governance-function.js';

export interface MonitoringProps {
  functions: Record<'sync' | 'webhook' | 'applyEvents' | 'api' | 'grantExpiry', GovernanceFunction>;
  queue: Queue;
  deadLetterQueue: Queue;
  httpApi: HttpApi;
  /** The freshness alarm fires when the oldest scope is older than this. */
  oldestScopeAgeAlarm: Duration;
  alarmEmail?: string;
}

/** A custom metric as the functions publish it: namespace and `service` dimension fixed. */
export function governanceMetric(name: MetricName, statistic: string, period = Duration.minutes(5)): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { [METRIC_DIMENSIONS.service]: SERVICE_NAME },
    statistic,
    period,
  });
}

export class Monitoring extends Construct {
  /** Every alarm notifies it; subscribe chat or paging endpoints here as well as the optional e-mail. */
  readonly topic: Topic;
  readonly alarms: Record<string, Alarm> = {};
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.topic = new Topic(this, 'AlarmTopic', {
      displayName: 'bitbucket-governance alarms',
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const notify = new SnsAction(this.topic);

    const alarm = (name: string, metric: IMetric, options: AlarmOptions) => {
      const created = new Alarm(this, name, {
        metric,
        threshold: options.threshold,
        comparisonOperator: options.comparison ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: options.evaluationPeriods ?? 1,
        datapointsToAlarm: options.datapointsToAlarm ?? options.evaluationPeriods ?? 1,
        treatMissingData: options.treatMissingData ?? TreatMissingData.NOT_BREACHING,
        alarmDescription: options.description,
      });
      created.addAlarmAction(notify);
      created.addOkAction(notify);
      this.alarms[name] = created;
    };

    alarm(
      'DeadLetterQueueNotEmpty',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        statistic: 'Maximum',
        period: Duration.minutes(5),
      }),
      {
        threshold: 1,
        description:
          'Webhook events failed five times and were parked in the dead-letter queue: the resources they name may be stale until the next full pass.',
      },
    );
    alarm('SyncErrors', governanceMetric(METRIC_NAMES.SyncErrors, 'Sum', Duration.minutes(15)), {
      threshold: 1,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      description: 'Sync steps or webhook refreshes keep failing (two of the last three 15-minute periods).',
    });
    alarm(
      'OldestScopeTooOld',
      governanceMetric(METRIC_NAMES.OldestScopeAgeSeconds, 'Maximum', Duration.minutes(15)),
      {
        threshold: props.oldestScopeAgeAlarm.toSeconds(),
        comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
        // No freshness figure means the sync is not running at all: that is stale, not fine.
        treatMissingData: TreatMissingData.BREACHING,
        description: `Part of the access picture has not been refreshed for more than ${props.oldestScopeAgeAlarm.toHumanString()} (or the sync reports nothing).`,
      },
    );
    alarm(
      'ApiServerErrors',
      props.httpApi.metricServerError({ statistic: 'Sum', period: Duration.minutes(5) }),
      {
        threshold: 1,
        description: 'The HTTP API answered 5xx: a failing grant, revocation or read.',
      },
    );
    alarm(
      'GrantExpiryFailures',
      governanceMetric(METRIC_NAMES.GrantExpiryFailures, 'Sum', Duration.minutes(5)),
      {
        threshold: 1,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        description:
          'Time-boxed grants are past their end and the expiry job keeps failing to revoke them (15 minutes): access outlives what was approved.',
      },
    );
    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(`${capitalise(name)}FunctionErrors`, fn.function.metricErrors({ period: Duration.minutes(5) }), {
        threshold: 1,
        description: `The ${name} function failed (including crashes before it could report a metric, such as invalid configuration).`,
      });
    }

    this.dashboard = this.createDashboard(props);
  }

  private createDashboard(props: MonitoringProps): Dashboard {
    const dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(1) });
    const count = (name: MetricName) => governanceMetric(name, 'Sum');
    const hours = Duration.hours(1);
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Sync progress',
        left: [
          count(METRIC_NAMES.ScopesRefreshed),
          count(METRIC_NAMES.ChangesApplied),
          count(METRIC_NAMES.SyncErrors),
        ],
        // Gaps are a level (scopes the credential may not read), not a flow: the maximum, not the sum.
        right: [
          count(METRIC_NAMES.PassCompleted),
          governanceMetric(METRIC_NAMES.SyncCapabilityGaps, 'Maximum'),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'Bitbucket requests spent per hour',
        left: [governanceMetric(METRIC_NAMES.RequestsSpent, 'Sum', hours)],
        width: 6,
      }),
      new GraphWidget({
        title: 'Oldest scope age (seconds)',
        left: [governanceMetric(METRIC_NAMES.OldestScopeAgeSeconds, 'Maximum')],
        leftAnnotations: [{ value: props.oldestScopeAgeAlarm.toSeconds(), label: 'alarm' }],
        width: 6,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Webhooks',
        left: [
          count(METRIC_NAMES.WebhookAccepted),
          count(METRIC_NAMES.WebhookRejected),
          count(METRIC_NAMES.WebhookDuplicate),
          count(METRIC_NAMES.WebhookActivitySkipped),
          count(METRIC_NAMES.WebhookTimeClamped),
          count(METRIC_NAMES.WebhookUnsigned),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Webhook events applied',
        left: [
          count(METRIC_NAMES.WebhookEventsApplied),
          count(METRIC_NAMES.WebhookEventsDeferred),
          count(METRIC_NAMES.WebhookEventsDropped),
        ],
        right: [count(METRIC_NAMES.WebhookRefreshes), count(METRIC_NAMES.WebhookRequests)],
        width: 8,
      }),
      new GraphWidget({
        title: 'Event queue',
        left: [
          props.queue.metricApproximateNumberOfMessagesVisible({ label: 'queued' }),
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'dead letters' }),
        ],
        right: [props.queue.metricApproximateAgeOfOldestMessage({ label: 'oldest (s)' })],
        width: 8,
      }),
      new GraphWidget({
        title: 'HTTP API',
        left: [
          props.httpApi.metricCount({ statistic: 'Sum', label: 'requests' }),
          props.httpApi.metricClientError({ statistic: 'Sum', label: '4xx' }),
          props.httpApi.metricServerError({ statistic: 'Sum', label: '5xx' }),
        ],
        right: [props.httpApi.metricLatency({ statistic: 'p90', label: 'latency p90' })],
        width: 8,
      }),
      new GraphWidget({
        title: 'API answers',
        left: [
          count(METRIC_NAMES.ApiSuccess),
          count(METRIC_NAMES.ApiError),
          count(METRIC_NAMES.ApiRateLimited),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Time-boxed grants',
        left: [count(METRIC_NAMES.GrantsExpired), count(METRIC_NAMES.GrantExpiryFailures)],
        width: 8,
      }),
    );
    const functions = Object.entries(props.functions);
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Function errors',
        left: functions.map(([name, fn]) => fn.function.metricErrors({ label: name })),
        width: 12,
      }),
      new GraphWidget({
        title: 'Function duration p90 (ms)',
        left: functions.map(([name, fn]) => fn.function.metricDuration({ statistic: 'p90', label: name })),
        width: 12,
      }),
    );
    return dashboard;
  }
}

interface AlarmOptions {
  threshold: number;
  description: string;
  comparison?: ComparisonOperator;
  evaluationPeriods?: number;
  datapointsToAlarm?: number;
  treatMissingData?: TreatMissingData;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
