// The queue between the webhook receiver and the applier, with its dead-letter queue. Both encrypted and
// reachable over TLS only.
import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface EventQueueProps {
  /** The applier's timeout: the visibility timeout must exceed it several times over. */
  consumerTimeout: Duration;
}

/** AWS's advice for Lambda consumers: visibility at least six times the function timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;
/** Receives before a message is parked in the DLQ: enough to ride out a Bitbucket outage or throttling. */
export const MAX_RECEIVE_COUNT = 5;

export class EventQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: EventQueueProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
  }
}
