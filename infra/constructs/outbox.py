"""The reply outbox (R5.1): the dispatcher function, its stream trigger and its dead-letter queue.

A `reply` stores a pending outbound message item in the table; the stream (filtered to INSERTed
outbound messages still pending) invokes the dispatcher, which sends it on the customer's
channel and records the result on the message and the inquiry timeline. Failed batches retry
(bisected, per-record failures reported); what still fails goes to an encrypted SQS queue.

Optional context: `desk:mailFrom` (the From address of reply emails; unset: no email replies),
`desk:smsOriginationIdentity` (End User Messaging phone number / pool / sender id; unset: SMS
only through Twilio), `desk:chatCallbackUrl` (the shop's chat backend that receives chat replies).
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, Stack, Token, Validations
from aws_cdk import aws_dynamodb as ddb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct
from inquiry_desk.channels.config import SENDING_SECTIONS
from inquiry_desk.runtime.settings import Env

from infra import names
from infra.constructs.functions import DeskFunction
from infra.constructs.secrets import ChannelSecrets

ACK = "AwsSolutions::AwsSolutions-"
STREAM_RETRIES = 5  # above the dispatcher's own DESK_OUTBOX_MAX_ATTEMPTS (3): it records the failure first


class Outbox(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        layer: lambda_.ILayerVersion,
        environment: dict[str, str],
        table: ddb.Table,
        channels: ChannelSecrets,
        mail_from_identity_arn: str | None,
    ) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        extra: dict[str, str] = {
            key: str(value)
            for key, value in (
                (Env.MAIL_FROM, self.node.try_get_context("desk:mailFrom")),
                (Env.SMS_ORIGINATION, self.node.try_get_context("desk:smsOriginationIdentity")),
                (Env.CHAT_CALLBACK_URL, self.node.try_get_context("desk:chatCallbackUrl")),
            )
            if value
        }
        self.dispatcher = DeskFunction(
            self, names.DISPATCHER, layer, {**environment, **extra, Env.OUTBOX_MAX_ATTEMPTS: "3"}
        )
        fn, role = self.dispatcher.function, self.dispatcher.role

        # the timeline (Query), the message's delivery state (UpdateItem), the delivery event
        # (TransactWriteItems of Puts through InquiryService.record)
        table.grant(fn, "dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:TransactWriteItems")
        table.grant(fn, "dynamodb:PutItem")
        table.grant_stream_read(fn)
        channels.grant(fn, SENDING_SECTIONS)
        identities = (
            [mail_from_identity_arn]
            if mail_from_identity_arn
            else [stack.format_arn(service="ses", resource="identity", resource_name="*")]
        )
        role.add_to_policy(iam.PolicyStatement(actions=["ses:SendRawEmail"], resources=identities))
        sms_resources = [
            stack.format_arn(service="sms-voice", resource=kind, resource_name="*")
            for kind in ("phone-number", "pool", "sender-id")
        ]
        role.add_to_policy(iam.PolicyStatement(actions=["sms-voice:SendTextMessage"], resources=sms_resources))

        self.dead_letters = sqs.Queue(
            self,
            "DeadLetters",
            encryption=sqs.QueueEncryption.KMS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        self.dead_letters.grant_send_messages(fn)
        fn.add_event_source(
            sources.DynamoEventSource(
                table,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,  # a recreated mapping misses no reply
                batch_size=10,
                max_batching_window=Duration.seconds(0),
                retry_attempts=STREAM_RETRIES,
                max_record_age=Duration.hours(6),
                report_batch_item_failures=True,
                bisect_batch_on_error=True,
                on_failure=sources.SqsDlq(self.dead_letters),
                filters=[
                    lambda_.FilterCriteria.filter(
                        {
                            "eventName": lambda_.FilterRule.is_equal("INSERT"),
                            "dynamodb": {
                                "Keys": {"SK": {"S": lambda_.FilterRule.begins_with("MSG#")}},
                                "NewImage": {
                                    "direction": {"S": lambda_.FilterRule.is_equal("outbound")},
                                    "delivery_status": {"S": lambda_.FilterRule.is_equal("pending")},
                                },
                            },
                        }
                    )
                ],
            )
        )
        self._acknowledge(stack, table, mail_from_identity_arn is None)

    def _acknowledge(self, stack: Stack, table: ddb.Table, any_identity: bool) -> None:
        table_id = stack.get_logical_id(table.node.default_child)  # type: ignore[arg-type]
        region, account = _shown(stack.region, "AWS::Region"), _shown(stack.account, "AWS::AccountId")
        sms = f"arn:<AWS::Partition>:sms-voice:{region}:{account}"
        reasons = {
            f"{ACK}IAM5[Resource::*]": "X-Ray PutTraceSegments/PutTelemetryRecords and dynamodb:ListStreams "
            "have no resource-level permissions.",
            f"{ACK}IAM5[Resource::<{table_id}.Arn>/index/*]": "Generated by Table.grant: the dispatcher reads "
            "only the inquiry partition, but the grant covers the table's own GSIs.",
            f"{ACK}IAM5[Resource::{sms}:phone-number/*]": "The SMS origination identity is chosen per "
            "deployment (context desk:smsOriginationIdentity); only SendTextMessage is allowed.",
            f"{ACK}IAM5[Resource::{sms}:pool/*]": "The SMS origination identity may be a pool chosen per "
            "deployment; only SendTextMessage is allowed.",
            f"{ACK}IAM5[Resource::{sms}:sender-id/*]": "The SMS origination identity may be a sender id "
            "chosen per deployment; only SendTextMessage is allowed.",
        }
        if any_identity:
            reasons[f"{ACK}IAM5[Resource::arn:<AWS::Partition>:ses:{region}:{account}:identity/*]"] = (
                "No From identity ARN was given (context desk:mailFromIdentityArn): replies may be sent from "
                "any verified identity of this account and region, SendRawEmail only."
            )
        Validations.of(self.dispatcher.role.node.find_child("DefaultPolicy")).acknowledge(
            *(Acknowledgment(id=k, reason=v) for k, v in reasons.items())
        )
        Validations.of(self.dead_letters).acknowledge(
            Acknowledgment(
                id=f"{ACK}SQS3",
                reason="This queue is itself the dead-letter destination of the dispatcher's stream mapping "
                "(failed batches); it has no consumer to redrive from.",
            )
        )


def _shown(value: str, pseudo: str) -> str:
    """How cdk-nag prints a value in a finding id: a literal, or <AWS::...> for a pseudo parameter."""
    return f"<{pseudo}>" if Token.is_unresolved(value) else value
