// Starts one function at a fixed rate (the sync step, the expiry of time-boxed grants). Each run reads what
// it has to do from the table, so a missed or failed tick is simply covered by the next one: no retries,
// no stale invocations.
import { Duration, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';

export interface FunctionScheduleProps {
  target: IFunction;
  rate: Duration;
  /** What one run does, for the schedule's and the role's descriptions, e.g. `one budgeted sync step`. */
  purpose: string;
}

export class FunctionSchedule extends Construct {
  readonly schedule: Schedule;
  /** What EventBridge Scheduler assumes to invoke the target; it may do nothing else. */
  readonly role: Role;

  constructor(scope: Construct, id: string, props: FunctionScheduleProps) {
    super(scope, id);
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: `Lets EventBridge Scheduler start bitbucket-governance: ${props.purpose}`,
    });
    this.schedule = new Schedule(this, 'Schedule', {
      description: `bitbucket-governance: ${props.purpose}`,
      schedule: ScheduleExpression.rate(props.rate),
      target: new LambdaInvoke(props.target, {
        role: this.role,
        input: ScheduleTargetInput.fromObject({}),
        retryAttempts: 0,
        maxEventAge: Duration.minutes(1),
      }),
    });
    const functionId = Stack.of(this).resolve(
      (props.target.node.defaultChild as CfnElement).logicalId,
    ) as string;
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${functionId}.Arn>:*]`,
      reason:
        'Added by the LambdaInvoke target (grantInvoke): the versions and aliases of the one target function; no other function is reachable.',
    });
  }
}
