// Starts one sync step at a fixed rate. Each step is self-contained (it reads its progress from the table),
// so a missed or failed tick is simply covered by the next one: no retries, no stale invocations.
import { Duration, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';

export interface SyncScheduleProps {
  syncFunction: IFunction;
  rate: Duration;
}

export class SyncSchedule extends Construct {
  readonly schedule: Schedule;
  /** What EventBridge Scheduler assumes to invoke the sync; it may do nothing else. */
  readonly role: Role;

  constructor(scope: Construct, id: string, props: SyncScheduleProps) {
    super(scope, id);
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Lets EventBridge Scheduler start the bitbucket-governance sync',
    });
    this.schedule = new Schedule(this, 'Schedule', {
      description: 'bitbucket-governance: one budgeted sync step',
      schedule: ScheduleExpression.rate(props.rate),
      target: new LambdaInvoke(props.syncFunction, {
        role: this.role,
        input: ScheduleTargetInput.fromObject({}),
        retryAttempts: 0,
        maxEventAge: Duration.minutes(1),
      }),
    });
    const functionId = Stack.of(this).resolve(
      (props.syncFunction.node.defaultChild as CfnElement).logicalId,
    ) as string;
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${functionId}.Arn>:*]`,
      reason:
        'Added by the LambdaInvoke target (grantInvoke): the versions and aliases of the one sync function; no other function is reachable.',
    });
  }
}
