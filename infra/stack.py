"""The one stack: data, layer, functions, API, sign-in, notifications, deadlines."""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, CfnOutput, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct, IConstruct
from inquiry_desk.channels.config import SURVEY_SECTIONS, WEBHOOK_SECTIONS
from inquiry_desk.runtime.settings import Env

from infra import names
from infra.constructs.api import Api
from infra.constructs.auth import Auth
from infra.constructs.console import Console
from infra.constructs.corrections import Corrections
from infra.constructs.data import Data
from infra.constructs.deadlines import Deadlines
from infra.constructs.edge import DEFAULT_RATE_LIMIT, Edge
from infra.constructs.functions import DeskFunction
from infra.constructs.layer import CoreLayer
from infra.constructs.mail import Mail
from infra.constructs.notifications import Notifications
from infra.constructs.operations import Operations
from infra.constructs.outbox import Outbox
from infra.constructs.reports import Reports
from infra.constructs.retention import ARCHIVE_PREFIX, Retention
from infra.constructs.secrets import ChannelSecrets

# What every function that reads and writes inquiries may do on the table (no Scan, no DeleteItem).
TABLE_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:TransactWriteItems",
    "dynamodb:ConditionCheckItem",
)


class InquiryDeskStack(Stack):
    def __init__(self, scope: Construct, id: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        data = Data(self, "Data")
        layer = CoreLayer(self, "Core").layer
        channels = ChannelSecrets(self, "ChannelsSecrets", stack_name=self.stack_name, key=data.key)
        notifications = Notifications(self, "Notifications", data.key)
        auth = Auth(
            self,
            "Auth",
            callback_urls=self.node.try_get_context("desk:consoleCallbackUrls") or [],
            teams=names.policy_teams(),
        )
        deadlines = Deadlines(self, "Deadlines")
        schedule_group = deadlines.group

        common: dict[str, str] = {
            Env.TABLE_NAME: data.table.table_name,
            Env.IDEMPOTENCY_TABLE_NAME: data.idempotency.table_name,
            Env.CHANNELS_SECRETS_PREFIX: names.channels_secrets_prefix(self.stack_name),
            Env.NOTIFICATIONS_TOPIC_ARN: notifications.topic.topic_arn,
        }
        intake = DeskFunction(self, names.INTAKE, layer, common)
        data.table.grant(intake.function, *TABLE_ACTIONS)
        data.idempotency.grant_read_write_data(intake.function)
        channels.grant(intake.function, WEBHOOK_SECTIONS)

        mail = Mail(self, "Mail", recipients=self.node.try_get_context("desk:mailRecipients") or [])
        intake_email = DeskFunction(
            self,
            names.INTAKE_EMAIL,
            layer,
            {**common, Env.MAIL_BUCKET: mail.bucket.bucket_name, Env.MAIL_PREFIX: names.MAIL_PREFIX},
        )
        intake_email.role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"], resources=[mail.bucket.arn_for_objects(f"{names.MAIL_PREFIX}*")]
            )
        )
        intake_email.role.add_to_policy(
            iam.PolicyStatement(actions=["s3:PutObject"], resources=[mail.bucket.arn_for_objects("attachments/*")])
        )
        data.table.grant(intake_email.function, *TABLE_ACTIONS)
        data.idempotency.grant_read_write_data(intake_email.function)
        mail.route_to(intake_email.function)

        # The hosted console (S3 + CloudFront). The local system leaves it out (desk:hostConsole=false):
        # there the HTTP front serves the same build.
        console = Console(self, "Console", region=self.region) if _context_flag(self, "desk:hostConsole") else None
        console_env: dict[str, str] = {Env.CONSOLE_ORIGIN: console.origin} if console else {}
        console_api = DeskFunction(
            self,
            names.CONSOLE_API,
            layer,
            {
                **common,
                Env.USER_POOL_ID: auth.user_pool.user_pool_id,
                Env.MAIL_BUCKET: mail.bucket.bucket_name,
                Env.MAIL_PREFIX: names.MAIL_PREFIX,
                **console_env,
            },
        )
        data.table.grant(console_api.function, *TABLE_ACTIONS)
        # erasure on request (admins only, checked in the API): identity links go, mail objects go
        data.table.grant(console_api.function, "dynamodb:DeleteItem")
        console_api.role.add_to_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[mail.bucket.bucket_arn])
        )
        console_api.role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:DeleteObject"],
                resources=[
                    mail.bucket.arn_for_objects(f"{names.MAIL_PREFIX}*"),
                    mail.bucket.arn_for_objects("attachments/*"),
                ],
            )
        )
        retention = Retention(self, "Retention", data.key)
        archiver = DeskFunction(
            self, names.ARCHIVER, layer, {**common, Env.ARCHIVE_BUCKET: retention.bucket.bucket_name}
        )
        data.table.grant(archiver.function, *TABLE_ACTIONS, "dynamodb:BatchWriteItem")
        retention.schedule(archiver)
        # erasure reaches archived inquiries too
        console_api.function.add_environment(Env.ARCHIVE_BUCKET.value, retention.bucket.bucket_name)
        for fn in (archiver, console_api):
            fn.role.add_to_policy(
                iam.PolicyStatement(
                    actions=["s3:GetObject", "s3:PutObject"],
                    resources=[retention.bucket.arn_for_objects(f"{ARCHIVE_PREFIX}*")],
                )
            )
            data.key.grant_encrypt_decrypt(fn.function)

        # the agent directory: callers still enabled, assignment targets exist and are in the team
        auth.user_pool.grant(console_api.function, "cognito-idp:AdminGetUser", "cognito-idp:AdminListGroupsForUser")

        inbound_sms = sns.Topic(self, "InboundSms", display_name="Two-way SMS inbound", master_key=data.key)
        intake_sms = DeskFunction(self, names.INTAKE_SMS, layer, common)
        data.table.grant(intake_sms.function, *TABLE_ACTIONS)
        data.idempotency.grant_read_write_data(intake_sms.function)
        inbound_sms.add_subscription(subscriptions.LambdaSubscription(intake_sms.function))
        # End User Messaging publishes to the topic: it needs the key to encrypt
        data.key.grant_encrypt_decrypt(iam.ServicePrincipal("sms-voice.amazonaws.com"))
        inbound_sms.grant_publish(iam.ServicePrincipal("sms-voice.amazonaws.com"))

        sla_timer = DeskFunction(self, names.SLA_TIMER, layer, {**common, **deadlines.environment()})
        data.table.grant(sla_timer.function, *TABLE_ACTIONS)
        data.table.grant_stream_read(sla_timer.function)
        notifications.topic.grant_publish(sla_timer.function)
        deadlines.wire(sla_timer.function, sla_timer.role, data.table)

        survey = DeskFunction(self, names.SURVEY, layer, common)
        data.table.grant(survey.function, *TABLE_ACTIONS)
        channels.grant(survey.function, SURVEY_SECTIONS)  # the survey links' signing key
        survey.function.grant_invoke(deadlines.scheduler_role)  # the closing-loop timers invoke it
        sla_timer.function.add_environment(Env.SURVEY_FUNCTION_ARN.value, survey.function.function_arn)

        corrections_fn = DeskFunction(self, names.CORRECTIONS, layer, common)
        data.table.grant(corrections_fn.function, *TABLE_ACTIONS)
        notifications.topic.grant_publish(corrections_fn.function)
        corrections = Corrections(self, "Corrections", corrections_fn.function)
        console_api.function.add_environment(Env.CORRECTIONS_STATE_MACHINE_ARN.value, corrections.state_machine_arn)
        console_api.role.add_to_policy(
            iam.PolicyStatement(actions=["states:StartExecution"], resources=[corrections.state_machine_arn])
        )

        outbox = Outbox(
            self,
            "Outbox",
            layer=layer,
            environment=common,
            table=data.table,
            channels=channels,
            mail_from_identity_arn=self.node.try_get_context("desk:mailFromIdentityArn"),
        )

        api = Api(
            self,
            "Http",
            intake.function,
            console_api.function,
            auth.user_pool,
            survey=survey.function,
            console_origin=console.origin if console else None,
        )
        if console:
            console.publish(names.CONSOLE_BUILD_DIR, _console_config(self.region, api, auth))
            CfnOutput(self, names.OUT_CONSOLE_URL, value=console.origin + "/")
        Edge(
            self,
            "Edge",
            api.rest_api.deployment_stage,
            rate_limit=int(self.node.try_get_context("desk:wafRateLimit") or DEFAULT_RATE_LIMIT),
        )

        reports = Reports(
            self,
            "Reports",
            layer=layer,
            environment=common,
            table=data.table,
            topic=notifications.topic,
            user_pool=auth.user_pool,
            mail_from=self.node.try_get_context("desk:mailFrom"),
            mail_from_identity_arn=self.node.try_get_context("desk:mailFromIdentityArn"),
            console_url=console.origin + "/" if console else None,
        )
        reports.grant_reports(console_api.function, console_api.role)
        functions: dict[str, lambda_.IFunction] = {
            f.function.node.scope.node.id: f.function  # type: ignore[union-attr]
            for f in (
                intake,
                intake_email,
                intake_sms,
                console_api,
                sla_timer,
                outbox.dispatcher,
                reports.counter,
                reports.monitor,
                archiver,
                survey,
                corrections_fn,
            )
        }
        operations = Operations(
            self,
            "Operations",
            key=data.key,
            functions=functions,
            stream_consumers=[names.SLA_TIMER.name, names.DISPATCHER.name, names.METRICS.name],
            dead_letters={
                "Outbox": outbox.dead_letters,
                "Metrics": reports.dead_letters,
                "Timers": deadlines.timer_dead_letters,
            },
        )

        for key, value in {
            names.OUT_TABLE: data.table.table_name,
            names.OUT_IDEMPOTENCY_TABLE: data.idempotency.table_name,
            names.OUT_API_URL: api.rest_api.url,
            names.OUT_USER_POOL_ID: auth.user_pool.user_pool_id,
            names.OUT_USER_POOL_CLIENT_ID: auth.client.user_pool_client_id,
            names.OUT_TOPIC: notifications.topic.topic_arn,
            names.OUT_CHANNELS_SECRETS_PREFIX: names.channels_secrets_prefix(self.stack_name),
            names.OUT_SCHEDULE_GROUP: schedule_group.name or "",
            names.OUT_MAIL_BUCKET: mail.bucket.bucket_name,
            names.OUT_INBOUND_SMS_TOPIC: inbound_sms.topic_arn,
            names.OUT_ARCHIVE_BUCKET: retention.bucket.bucket_name,
            names.OUT_OPERATORS_TOPIC: operations.topic.topic_arn,
            names.OUT_DASHBOARD: operations.dashboard.dashboard_name,
            names.OUT_REPORTS_BUCKET: reports.bucket.bucket_name,
        }.items():
            CfnOutput(self, key, value=value)

        self._suppress(
            [intake, intake_email, console_api, sla_timer, intake_sms, archiver, survey, corrections_fn], api, mail
        )
        for method in api.survey_methods:
            _acknowledge(
                method,
                {
                    "AwsSolutions::AwsSolutions-APIG4": "Customers answering a survey have no account: the "
                    "HMAC-signed, expiring link token is verified in the handler before any read or write.",
                    "AwsSolutions::AwsSolutions-COG4": "Not an agent route (see APIG4); every /api route uses "
                    "the Cognito user pool authorizer.",
                },
            )
        _acknowledge(
            deadlines.scheduler_role.node.find_child("DefaultPolicy"),
            {
                "AwsSolutions::AwsSolutions-IAM5[Resource::<"
                + self.get_logical_id(survey.function.node.default_child)  # type: ignore[arg-type]
                + ".Arn>:*]": "Generated by Function.grant_invoke: the survey function and its versions only.",
            },
        )
        if console:
            self._suppress_console(console)

    def _suppress(self, functions: list[DeskFunction], api: Api, mail: Mail) -> None:
        """Every cdk-nag finding we accept, each acknowledged on its construct with its reason."""
        ack = "AwsSolutions::AwsSolutions-"
        for fn in functions:
            role_policy = fn.role.node.find_child("DefaultPolicy")
            _acknowledge(
                role_policy,
                {
                    f"{ack}IAM5[Resource::*]": "X-Ray PutTraceSegments/PutTelemetryRecords have no "
                    "resource-level permissions; this is the only statement with Resource '*'.",
                    f"{ack}IAM5[Resource::<DataInquiries98414E0C.Arn>/index/*]": "Queries on the table's own "
                    "GSIs (team queue, customer history, by day); granted by Table.grant.",
                    f"{ack}IAM5[Action::kms:ReEncrypt*]": "Generated by Key grants for the table's KMS key; "
                    "limited to that one key.",
                    f"{ack}IAM5[Action::kms:GenerateDataKey*]": "Generated by Key grants for the table's KMS "
                    "key; limited to that one key.",
                },
            )
        _acknowledge(
            self.node.find_child("Retention").node.find_child("Archive"),
            {
                f"{ack}S1": "The archive is written only by the archiver and read by operators' CLI; object "
                "access is audited with CloudTrail data events where an operator enables them.",
            },
        )
        _acknowledge(
            self.node.find_child("Reports").node.find_child("Stored"),
            {
                f"{ack}S1": "The reports bucket holds counts only (no personal data), written and read by the "
                "monitor and the console API; object access is audited with CloudTrail data events where an "
                "operator enables them.",
            },
        )
        _acknowledge(
            mail.bucket,
            {
                f"{ack}S1": "Raw inbound mail is written only by SES and read only by intake_email; object-level "
                "access is audited with CloudTrail data events where an operator enables them.",
            },
        )
        _acknowledge(
            functions[1].role.node.find_child("DefaultPolicy"),
            {
                f"{ack}IAM5[Resource::<MailRawA7895CE5.Arn>/inbound/*]": "SES names each raw mail object by its "
                "message id under inbound/; intake_email may only read there.",
                f"{ack}IAM5[Resource::<MailRawA7895CE5.Arn>/attachments/*]": "Attachments are kept under "
                "attachments/<mail id>/; intake_email may only write there.",
            },
        )
        for fn in (functions[2], functions[5]):
            _acknowledge(
                fn.role.node.find_child("DefaultPolicy"),
                {
                    f"{ack}IAM5[Resource::<RetentionArchiveDC60FF6F.Arn>/inquiries/*]": "One archive object per "
                    "inquiry, named by its id under inquiries/: the archiver writes them, erasure rewrites them.",
                },
            )
        _acknowledge(
            functions[2].role.node.find_child("DefaultPolicy"),
            {
                f"{ack}IAM5[Resource::<MailRawA7895CE5.Arn>/inbound/*]": "Erasure on a customer's request "
                "deletes that customer's raw mails, named by SES message id under inbound/ (admins only).",
                f"{ack}IAM5[Resource::<MailRawA7895CE5.Arn>/attachments/*]": "Erasure deletes the attachments "
                "kept under attachments/<mail id>/ of the customer's mails (admins only).",
            },
        )
        for secret in self.node.find_child("ChannelsSecrets").node.children:
            _acknowledge(
                secret,
                {
                    f"{ack}SMG4": "Channel credentials are issued by each provider (WeChat, Meta, Twilio) or "
                    "shared with the shop's widget and connectors; they are rotated with them, not by a Lambda.",
                },
            )
        _acknowledge(
            api.rest_api,
            {
                f"{ack}APIG2": "Bodies are validated in the handlers (Event Handler + pydantic), which must "
                "also see the raw bytes to check each channel's signature.",
            },
        )
        _acknowledge(
            api.rest_api.node.find_child("CloudWatchRole"),
            {
                f"{ack}IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AmazonAPIGatewayPushToCloudWatchLogs]": "API Gateway's account-level logging role; AWS "
                "maintains this managed policy for exactly this purpose.",
            },
        )
        for method in api.unauthenticated_methods:
            _acknowledge(
                method,
                {
                    f"{ack}APIG4": "Channel webhooks cannot carry Cognito tokens: each verifies its channel's "
                    "own signature (HMAC-SHA256/SHA1) in the handler.",
                    f"{ack}COG4": "Not an agent route (see APIG4); every /api route uses the Cognito "
                    "user pool authorizer.",
                },
            )
        _acknowledge(
            self.node.find_child("Auth").node.find_child("Agents"),
            {
                f"{ack}COG2": "MFA is optional (TOTP) so a shop can enrol agents gradually; supervisors "
                "and admins should be required to enrol (documented in the README).",
            },
        )

    def _suppress_console(self, console: Console) -> None:
        """cdk-nag findings on the hosted console we accept, each with its reason."""
        ack = "AwsSolutions::AwsSolutions-"
        _acknowledge(
            console.bucket,
            {
                f"{ack}S1": "The bucket holds only the console's public build (no customer data); it is read "
                "only by CloudFront through origin access control and written only at deploy.",
            },
        )
        _acknowledge(
            console.distribution,
            {
                f"{ack}CFR1": "Agents work from several countries and from home; access is controlled by "
                "Cognito sign-in at the API, not by the viewer's location.",
                f"{ack}CFR2": "The distribution serves only static files and config.json; every data request "
                "goes to the API, which authenticates each call. WAF is an operator's choice (cost).",
                f"{ack}CFR3": "Static files only; API access is logged at API Gateway. Standard logging needs "
                "an ACL-enabled log bucket an operator adds per deployment.",
                f"{ack}CFR4": "The default *.cloudfront.net certificate fixes the viewer policy; an operator "
                "with a custom domain and ACM certificate sets TLSv1.2_2021.",
            },
        )
        for child in self.node.children:
            if child.node.id.startswith("Custom::CDKBucketDeployment"):
                reason = (
                    "CDK's BucketDeployment handler (maintained by AWS CDK): it copies the built console from "
                    "the CDK asset bucket into the console bucket at deploy time and invalidates CloudFront."
                )
                _acknowledge(
                    child,
                    {
                        f"{ack}L1": reason + " Its runtime is chosen by aws-cdk-lib.",
                        f"{ack}IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                        "AWSLambdaBasicExecutionRole]": reason + " It logs with the basic execution role.",
                        f"{ack}IAM5[Resource::*]": reason + " CloudFront invalidation has no resource-level scope.",
                        **{
                            f"{ack}IAM5[{finding}]": reason + " Grants generated by Bucket.grant* on the two buckets."
                            for finding in (
                                "Action::s3:GetObject*",
                                "Action::s3:GetBucket*",
                                "Action::s3:List*",
                                "Action::s3:DeleteObject*",
                                "Action::s3:Abort*",
                                "Resource::<ConsoleFiles2D43986C.Arn>/*",
                            )
                        },
                    },
                )
                _acknowledge(
                    self,
                    {
                        f"{ack}IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-"
                        f"{self.region}/*]": "CDK's BucketDeployment reads the console's build from the CDK "
                        "asset bucket of this account and region.",
                    },
                )


def _context_flag(scope: Construct, key: str, default: bool = True) -> bool:
    value = scope.node.try_get_context(key)
    return default if value is None else str(value).lower() not in ("false", "0", "no")


def _console_config(region: str, api: Api, auth: Auth) -> dict[str, Any]:
    """The console's config.json: where to sign in and where the API is (the stack's outputs),
    the teams and the peak threshold from the shipped policy."""
    from inquiry_desk.deadlines.policy import load_policy, shipped_policy_path
    from inquiry_desk.outbox.decision import reply_windows

    policy = load_policy(shipped_policy_path())
    return {
        "cognitoEndpoint": f"https://cognito-idp.{region}.amazonaws.com/",
        "clientId": auth.client.user_pool_client_id,
        "apiBase": api.rest_api.url,
        "region": region,
        "teams": sorted({c.team for c in policy.categories.values()}),
        "peakWaiting": policy.queues.peak_waiting,
        "replyWindowHours": reply_windows({}),  # the providers' rules (the dispatcher's defaults)
    }


def _acknowledge(scope: IConstruct, reasons: dict[str, str]) -> None:
    Validations.of(scope).acknowledge(*(Acknowledgment(id=k, reason=v) for k, v in reasons.items()))
