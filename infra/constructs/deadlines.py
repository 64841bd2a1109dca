"""Deadline enforcement: the timer queue (SQS message timers, second precision, the last 15 minutes
of every instant), the Scheduler group and its role (instants further away), the escalation
ladder state machine, the stream trigger that arms each inquiry's one timer, and the reconciler."""

from __future__ import annotations

from aws_cdk import Acknowledgment, ArnFormat, Duration, Stack, Token, Validations
from aws_cdk import aws_dynamodb as ddb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct
from inquiry_desk.runtime.settings import Env


class Deadlines(Construct):
    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        self.group = scheduler.CfnScheduleGroup(self, "Group", name=f"{stack.stack_name}-deadlines")
        self.scheduler_role = iam.Role(
            self,
            "SchedulerRole",
            assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com"),
            description="EventBridge Scheduler invokes sla_timer when a deadline timer is due",
        )
        self.timer_dead_letters = sqs.Queue(
            self,
            "TimerDeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        # Message timers (DelaySeconds <= 900) delivered to sla_timer by an event source mapping.
        self.timer_queue = sqs.Queue(
            self,
            "Timers",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=Duration.seconds(6 * 60),  # >= 6 x the function timeout, as Lambda advises
            retention_period=Duration.days(1),
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=5, queue=self.timer_dead_letters),
        )
        # A fixed name, so sla_timer can be told the ARN without a reference cycle
        # (the state machine invokes sla_timer; sla_timer starts the state machine).
        self.state_machine_name = f"{stack.stack_name}-escalation"
        self.state_machine_arn = stack.format_arn(
            service="states",
            resource="stateMachine",
            resource_name=self.state_machine_name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )

    def environment(self) -> dict[str, str]:
        return {
            Env.SCHEDULE_GROUP: self.group.name or "",
            Env.SCHEDULER_ROLE_ARN: self.scheduler_role.role_arn,
            Env.ESCALATION_STATE_MACHINE_ARN: self.state_machine_arn,
            Env.TIMER_QUEUE_URL: self.timer_queue.queue_url,
        }

    def wire(self, timer: lambda_.Function, role: iam.Role, table: ddb.Table) -> None:
        stack = Stack.of(self)
        timer.grant_invoke(self.scheduler_role)
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"],
                resources=[
                    stack.format_arn(service="scheduler", resource="schedule", resource_name=f"{self.group.name}/*")
                ],
            )
        )
        self.timer_queue.grant_send_messages(timer)
        timer.add_event_source(
            sources.SqsEventSource(
                self.timer_queue,
                batch_size=10,
                max_batching_window=Duration.seconds(0),  # a timer is delivered as soon as it is due
                report_batch_item_failures=True,
            )
        )
        role.add_to_policy(iam.PolicyStatement(actions=["iam:PassRole"], resources=[self.scheduler_role.role_arn]))
        role.add_to_policy(iam.PolicyStatement(actions=["states:StartExecution"], resources=[self.state_machine_arn]))

        step = tasks.LambdaInvoke(
            self,
            "Escalate",
            lambda_function=timer,
            payload=sfn.TaskInput.from_object({"escalation": sfn.JsonPath.entire_payload}),
            payload_response_only=True,
            retry_on_service_exceptions=True,
        )
        wait = sfn.Wait(self, "WaitForNextStep", time=sfn.WaitTime.seconds_path("$.wait_seconds"))
        handled = sfn.Choice(self, "HandledOrFinished")
        handled.when(sfn.Condition.boolean_equals("$.done", True), sfn.Succeed(self, "Stop"))
        handled.otherwise(wait.next(step))
        self.state_machine = sfn.StateMachine(
            self,
            "Ladder",
            state_machine_name=self.state_machine_name,
            state_machine_type=sfn.StateMachineType.STANDARD,  # waits of hours: Express stops at 5 min
            definition_body=sfn.DefinitionBody.from_chainable(step.next(handled)),
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=logs.LogGroup(self, "LadderLogs", retention=logs.RetentionDays.SIX_MONTHS),
                level=sfn.LogLevel.ALL,
                include_execution_data=False,  # inputs carry inquiry ids only, but keep logs lean
            ),
            timeout=Duration.days(30),
        )
        ack = "AwsSolutions::AwsSolutions-IAM5"
        invoke = f"{ack}[Resource::<{stack.get_logical_id(timer.node.default_child)}.Arn>:*]"  # type: ignore[arg-type]
        Validations.of(self.scheduler_role.node.find_child("DefaultPolicy")).acknowledge(
            Acknowledgment(
                id=invoke, reason="Generated by Function.grant_invoke: the function and its versions/aliases only."
            )
        )
        Validations.of(self.state_machine.role.node.find_child("DefaultPolicy")).acknowledge(
            Acknowledgment(id=invoke, reason="Generated by LambdaInvoke: sla_timer and its versions/aliases only."),
            Acknowledgment(
                id=f"{ack}[Resource::*]",
                reason="X-Ray tracing for the state machine: the X-Ray "
                "segment APIs have no resource-level permissions.",
            ),
        )
        Validations.of(role.node.find_child("DefaultPolicy")).acknowledge(
            Acknowledgment(
                id=f"{ack}[Resource::arn:<AWS::Partition>:scheduler:{_shown(stack.region, 'AWS::Region')}:"
                f"{_shown(stack.account, 'AWS::AccountId')}:schedule/{self.group.name}/*]",
                reason="sla_timer manages the one-time schedules of its own group only (one per open inquiry).",
            ),
        )

        timer.add_event_source(
            sources.DynamoEventSource(
                table,
                starting_position=lambda_.StartingPosition.LATEST,
                batch_size=100,
                max_batching_window=Duration.seconds(1),
                retry_attempts=5,
                report_batch_item_failures=True,
                bisect_batch_on_error=True,
                filters=[lambda_.FilterCriteria.filter({"dynamodb": {"Keys": {"SK": {"S": ["META"]}}}})],
            )
        )
        events.Rule(
            self,
            "Reconciler",
            description="Fire any overdue deadline whose timer never fired",
            schedule=events.Schedule.rate(Duration.minutes(5)),
            targets=[targets.LambdaFunction(timer, event=events.RuleTargetInput.from_object({"reconcile": True}))],
        )


def _shown(value: str, pseudo: str) -> str:
    """How cdk-nag prints a value in a finding id: a literal, or <AWS::...> for a pseudo parameter."""
    return f"<{pseudo}>" if Token.is_unresolved(value) else value
