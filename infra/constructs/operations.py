"""Operations: the operators' topic, CloudWatch alarms on everything that can silently go wrong,
and one dashboard. The README (Operations) says what each alarm means and what to do.

Alarms (all to the operators' topic):
- <queue>DeadLetters: a dead-letter queue holds a message (a stream batch failed for good);
- <function>Errors: a function failed an invocation in 5 minutes;
- <function>Throttles: a function was throttled (concurrency exhausted);
- <function>IteratorAge: a stream consumer is behind the table by more than the policy's age;
- BreachesPerHour: more deadlines breached in an hour than the report policy's threshold.
"""

from __future__ import annotations

import json

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import names


def _policy() -> dict[str, int]:
    return dict(json.loads(names.REPORT_POLICY.read_text(encoding="utf-8"))["operations"])


class Operations(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        key: kms.IKey,
        functions: dict[str, lambda_.IFunction],
        stream_consumers: list[str],
        dead_letters: dict[str, sqs.IQueue],
    ) -> None:
        super().__init__(scope, id)
        policy = _policy()
        self.topic = sns.Topic(self, "Operators", display_name="Inquiry Desk operators", master_key=key)
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={"Bool": {"aws:SecureTransport": "false"}},
            )
        )
        key.grant_encrypt_decrypt(iam.ServicePrincipal("cloudwatch.amazonaws.com"))
        self.alarms: list[cw.Alarm] = []
        notify = actions.SnsAction(self.topic)

        def alarm(
            name: str,
            metric: cw.IMetric,
            threshold: float,
            what: str,
            op: cw.ComparisonOperator = cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        ) -> None:
            made = cw.Alarm(
                self,
                name,
                metric=metric,
                threshold=threshold,
                evaluation_periods=1,
                comparison_operator=op,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
                alarm_description=what,
            )
            made.add_alarm_action(notify)
            self.alarms.append(made)

        for queue_name, queue in dead_letters.items():
            alarm(
                f"{queue_name}DeadLetters",
                queue.metric_approximate_number_of_messages_visible(period=Duration.minutes(5), statistic="Maximum"),
                0,
                f"{queue_name}: a stream batch failed for good and waits in its dead-letter queue (README: Operations)",
            )
        for fn_name, fn in functions.items():
            alarm(
                f"{fn_name}Errors",
                fn.metric_errors(period=Duration.minutes(5), statistic="Sum"),
                0,
                f"{fn_name} failed invocations in the last 5 minutes (README: Operations)",
            )
            alarm(
                f"{fn_name}Throttles",
                fn.metric_throttles(period=Duration.minutes(5), statistic="Sum"),
                0,
                f"{fn_name} was throttled: concurrency exhausted (README: Operations)",
            )
            if fn_name in stream_consumers:
                age = cw.Metric(
                    namespace="AWS/Lambda",
                    metric_name="IteratorAge",
                    dimensions_map={"FunctionName": fn.function_name},
                    period=Duration.minutes(5),
                    statistic="Maximum",
                )
                alarm(
                    f"{fn_name}IteratorAge",
                    age,
                    policy["iterator_age_alarm_seconds"] * 1000,
                    f"{fn_name} is behind the table's stream (README: Operations)",
                )
        breaches = cw.Metric(
            namespace=names.METRICS_NAMESPACE,
            metric_name="DeadlinesBreached",
            dimensions_map={"service": f"{names.SERVICE}-{names.METRICS.name}"},
            period=Duration.hours(1),
            statistic="Sum",
        )
        alarm(
            "BreachesPerHour",
            breaches,
            policy["breaches_per_hour_alarm"],
            "More deadlines breached in an hour than the report policy allows (README: Operations)",
        )

        opened = cw.Metric(
            namespace=names.METRICS_NAMESPACE,
            metric_name="InquiriesOpened",
            dimensions_map={"service": f"{names.SERVICE}-{names.METRICS.name}"},
            period=Duration.minutes(5),
            statistic="Sum",
        )
        self.dashboard = cw.Dashboard(self, "Dashboard", dashboard_name=None)
        self.dashboard.add_widgets(
            cw.GraphWidget(title="Inquiries opened / deadlines breached", left=[opened], right=[breaches], width=12),
            cw.TextWidget(
                markdown="**Alarms** go to the operators' topic (output OperatorsTopicArn). What each means and "
                "what to do: README, *Operations*. Dead letters: `desk report --backfill`; stream behind: see "
                "the iterator-age graph below.",
                width=12,
                height=6,
            ),
        )
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="Errors", left=[f.metric_errors(period=Duration.minutes(5)) for f in functions.values()], width=8
            ),
            cw.GraphWidget(
                title="Throttles",
                left=[f.metric_throttles(period=Duration.minutes(5)) for f in functions.values()],
                width=8,
            ),
            cw.GraphWidget(
                title="Duration p90",
                left=[f.metric_duration(period=Duration.minutes(5), statistic="p90") for f in functions.values()],
                width=8,
            ),
        )
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="Stream consumers behind (iterator age, ms)",
                left=[
                    cw.Metric(
                        namespace="AWS/Lambda",
                        metric_name="IteratorAge",
                        dimensions_map={"FunctionName": functions[n].function_name},
                        statistic="Maximum",
                        period=Duration.minutes(5),
                    )
                    for n in stream_consumers
                ],
                width=12,
            ),
            cw.GraphWidget(
                title="Dead-letter queues",
                left=[q.metric_approximate_number_of_messages_visible() for q in dead_letters.values()],
                width=12,
            ),
        )
