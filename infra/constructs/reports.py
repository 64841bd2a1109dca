"""Reports and live monitoring (R3.4, R9): the metrics stream consumer and the minute monitor.

`metrics` reads the table's stream, filtered to INSERTed timeline events, and counts each once
(its transactions carry a conditional "counted" marker); failed batches retry, bisected, then go to
an encrypted dead-letter queue. `monitor` runs on a `rate(1 minute)` rule: queue alerts, response
time rises to the notifications topic. Each team's daily report: one EventBridge Scheduler cron
schedule per team (in its own group), made here from the policy files (reports.daily.daily_schedules:
the team calendar's end of day, in its time zone, less the policy's minutes), invokes `monitor`,
which mails the team's supervisors (Cognito groups) through SES.
"""

from __future__ import annotations

import json

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_dynamodb as ddb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.aws_cognito import IUserPool
from constructs import Construct
from inquiry_desk.deadlines.policy import load_policy, shipped_policy_path
from inquiry_desk.reports.daily import daily_schedules
from inquiry_desk.reports.settings import load_report_policy
from inquiry_desk.runtime.settings import Env

from infra import names
from infra.constructs.functions import DeskFunction
from infra.constructs.outbox import _shown

ACK = "AwsSolutions::AwsSolutions-"
# what counting needs: the timeline (Query), the customer's previous inquiry (GSI2), the counters,
# drill-down and live queue (one transaction of Put/Update/Delete with a condition check)
COUNTER_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:TransactWriteItems",
    "dynamodb:ConditionCheckItem",
)


class Reports(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        layer: lambda_.ILayerVersion,
        environment: dict[str, str],
        table: ddb.Table,
        topic: sns.ITopic,
        user_pool: IUserPool,
        mail_from: str | None = None,
        mail_from_identity_arn: str | None = None,
        console_url: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        self.counter = DeskFunction(self, names.METRICS, layer, environment)
        self.bucket = self._reports_bucket()
        monitor_env = {
            **environment,
            Env.USER_POOL_ID: user_pool.user_pool_id,
            Env.REPORTS_BUCKET: self.bucket.bucket_name,
        }
        if mail_from:
            monitor_env[Env.MAIL_FROM] = mail_from
        if console_url:
            monitor_env[Env.CONSOLE_URL] = console_url
        self.monitor = DeskFunction(self, names.MONITOR, layer, monitor_env)
        table.grant(self.counter.function, *COUNTER_ACTIONS)
        table.grant_stream_read(self.counter.function)
        table.grant(
            self.monitor.function, "dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem"
        )
        topic.grant_publish(self.monitor.function)
        self._grant_objects(self.monitor.role, "mailed/*")

        self.dead_letters = sqs.Queue(
            self,
            "DeadLetters",
            encryption=sqs.QueueEncryption.KMS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        self.dead_letters.grant_send_messages(self.counter.function)
        self.counter.function.add_event_source(
            sources.DynamoEventSource(
                table,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,  # a new mapping counts what is kept
                batch_size=100,
                max_batching_window=Duration.seconds(1),
                retry_attempts=10,
                max_record_age=Duration.hours(24),
                report_batch_item_failures=True,
                bisect_batch_on_error=True,
                on_failure=sources.SqsDlq(self.dead_letters),
                filters=[
                    lambda_.FilterCriteria.filter(
                        {
                            "eventName": lambda_.FilterRule.is_equal("INSERT"),
                            "dynamodb": {"Keys": {"SK": {"S": lambda_.FilterRule.begins_with("EVT#")}}},
                        }
                    )
                ],
            )
        )
        self.rule = events.Rule(
            self,
            "EveryMinute",
            description="Live monitoring: queue alerts, response-time rises, the daily report (R3.4)",
            schedule=events.Schedule.rate(Duration.minutes(1)),
            targets=[
                targets.LambdaFunction(
                    self.monitor.function, event=events.RuleTargetInput.from_object({"monitor": "tick"})
                )
            ],
        )
        self._daily_reports(stack, user_pool, mail_from_identity_arn)
        table_id = stack.get_logical_id(table.node.default_child)  # type: ignore[arg-type]
        for fn in (self.counter, self.monitor):
            Validations.of(fn.role.node.find_child("DefaultPolicy")).acknowledge(
                Acknowledgment(
                    id=f"{ACK}IAM5[Resource::*]",
                    reason="X-Ray PutTraceSegments/PutTelemetryRecords and dynamodb:ListStreams have no "
                    "resource-level permissions.",
                ),
                Acknowledgment(
                    id=f"{ACK}IAM5[Resource::<{table_id}.Arn>/index/*]",
                    reason="Counting looks up the customer's previous inquiry on GSI2 and the monitor reads team "
                    "queues on GSI1; Table.grant covers the table's own indexes.",
                ),
                Acknowledgment(
                    id=f"{ACK}IAM5[Action::kms:ReEncrypt*]",
                    reason="Generated by Key grants for the table's and topic's KMS key; limited to that key.",
                ),
                Acknowledgment(
                    id=f"{ACK}IAM5[Action::kms:GenerateDataKey*]",
                    reason="Generated by Key grants for the table's and topic's KMS key; limited to that key.",
                ),
            )
        Validations.of(self.dead_letters).acknowledge(
            Acknowledgment(
                id=f"{ACK}SQS3",
                reason="This queue is itself the dead-letter destination of the metrics stream mapping (failed "
                "batches); an operator redrives with desk report --backfill, not from a queue.",
            )
        )

    def _daily_reports(self, stack: Stack, user_pool: IUserPool, identity_arn: str | None) -> None:
        """One schedule per team, before the end of the team's day in its time zone (R9.2)."""
        self.schedule_group = scheduler.CfnScheduleGroup(self, "DailyGroup", name=f"{stack.stack_name}-reports")
        self.scheduler_role = iam.Role(
            self,
            "DailyRole",
            assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com"),
            description="EventBridge Scheduler invokes monitor with each team's daily report",
        )
        self.monitor.function.grant_invoke(self.scheduler_role)
        monitor_id = stack.get_logical_id(self.monitor.function.node.default_child)  # type: ignore[arg-type]
        Validations.of(self.scheduler_role.node.find_child("DefaultPolicy")).acknowledge(
            Acknowledgment(
                id=f"{ACK}IAM5[Resource::<{monitor_id}.Arn>:*]",
                reason="Function.grantInvoke covers the monitor function's versions and aliases (ARN:*).",
            )
        )
        self.schedules: dict[str, scheduler.CfnSchedule] = {}
        sla, policy = load_policy(shipped_policy_path()), load_report_policy()
        for plan in daily_schedules(names.policy_teams(), sla, policy):
            schedule = scheduler.CfnSchedule(
                self,
                f"Daily-{plan.team}",
                name=plan.name,
                group_name=self.schedule_group.name,
                description=f"{plan.team}'s daily report, before the end of its day ({plan.calendar})",
                schedule_expression=plan.expression,
                schedule_expression_timezone=plan.time_zone,
                flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
                target=scheduler.CfnSchedule.TargetProperty(
                    arn=self.monitor.function.function_arn,
                    role_arn=self.scheduler_role.role_arn,
                    input=json.dumps(plan.payload),
                    retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                        maximum_retry_attempts=3, maximum_event_age_in_seconds=3600
                    ),
                ),
            )
            schedule.node.add_dependency(self.schedule_group)
            self.schedules[plan.team] = schedule
        user_pool.grant(self.monitor.function, "cognito-idp:ListUsersInGroup")
        identities = (
            [identity_arn]
            if identity_arn
            else [stack.format_arn(service="ses", resource="identity", resource_name="*")]
        )
        self.monitor.role.add_to_policy(iam.PolicyStatement(actions=["ses:SendRawEmail"], resources=identities))
        if not identity_arn:
            region, account = _shown(stack.region, "AWS::Region"), _shown(stack.account, "AWS::AccountId")
            Validations.of(self.monitor.role.node.find_child("DefaultPolicy")).acknowledge(
                Acknowledgment(
                    id=f"{ACK}IAM5[Resource::arn:<AWS::Partition>:ses:{region}:{account}:identity/*]",
                    reason="No From identity ARN was given (context desk:mailFromIdentityArn): the daily reports "
                    "may be sent from any verified identity of this account and region, SendRawEmail only.",
                )
            )

    def _reports_bucket(self) -> s3.Bucket:
        """Built reports of finished periods and the mailed daily reports (reports.stored); counts
        only, no personal data. Lifecycle from reports.json stored_reports."""
        rules = load_report_policy().stored_reports
        return s3.Bucket(
            self,
            "Stored",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="infrequent-then-gone",
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                            transition_after=Duration.days(rules.infrequent_access_after_days),
                        )
                    ],
                    expiration=Duration.days(rules.keep_days),
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )

    def grant_reports(self, fn: lambda_.Function, role: iam.Role) -> None:
        """A reader of reports (the console API): the stored ones, and storing finished periods."""
        fn.add_environment(Env.REPORTS_BUCKET.value, self.bucket.bucket_name)
        self._grant_objects(role, "reports/*")

    def _grant_objects(self, role: iam.Role, prefix: str) -> None:
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject", "s3:PutObject"], resources=[self.bucket.arn_for_objects(prefix)]
            )
        )
        bucket_id = Stack.of(self).get_logical_id(self.bucket.node.default_child)  # type: ignore[arg-type]
        Validations.of(role.node.find_child("DefaultPolicy")).acknowledge(
            Acknowledgment(
                id=f"{ACK}IAM5[Resource::<{bucket_id}.Arn>/{prefix}]",
                reason="One object per stored report under this prefix of the reports bucket (counts only); "
                "GetObject and PutObject only.",
            )
        )
