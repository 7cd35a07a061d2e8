// Starts the expiry of time-boxed grants every minute. Each run reads what is due from the table and is
// safe to repeat, so a missed or failed tick is simply covered by the next one: no retries.
import { Duration, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';

export interface GrantExpiryScheduleProps {
  expiryFunction: IFunction;
  rate: Duration;
}

export class GrantExpirySchedule extends Construct {
  readonly schedule: Schedule;
  /** What EventBridge Scheduler assumes to invoke the expiry; it may do nothing else. */
  readonly role: Role;

  constructor(scope: Construct, id: string, props: GrantExpiryScheduleProps) {
    super(scope, id);
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Lets EventBridge Scheduler start the bitbucket-governance grant expiry',
    });
    this.schedule = new Schedule(this, 'Schedule', {
      description: 'bitbucket-governance: end the time-boxed grants that expired',
      schedule: ScheduleExpression.rate(props.rate),
      target: new LambdaInvoke(props.expiryFunction, {
        role: this.role,
        input: ScheduleTargetInput.fromObject({}),
        retryAttempts: 0,
        maxEventAge: Duration.minutes(1),
      }),
    });
    const functionId = Stack.of(this).resolve(
      (props.expiryFunction.node.defaultChild as CfnElement).logicalId,
    ) as string;
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${functionId}.Arn>:*]`,
      reason:
        'Added by the LambdaInvoke target (grantInvoke): the versions and aliases of the one expiry function; no other function is reachable.',
    });
  }
}
