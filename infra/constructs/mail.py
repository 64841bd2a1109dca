"""Inbound email through SES: a receipt rule stores the raw MIME in S3, then invokes intake_email."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ses as ses
from aws_cdk import aws_ses_actions as actions
from constructs import Construct

from infra.names import MAIL_PREFIX


class Mail(Construct):
    def __init__(self, scope: Construct, id: str, recipients: list[str]) -> None:
        super().__init__(scope, id)
        self.bucket = s3.Bucket(
            self,
            "Raw",
            encryption=s3.BucketEncryption.S3_MANAGED,  # SES writes here; SSE-S3 needs no key grant for SES
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=False,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(400))],  # R8.1: >= 6 months
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.recipients = recipients

    def route_to(self, function: lambda_.IFunction) -> None:
        ses.ReceiptRuleSet(
            self,
            "Rules",
            rules=[
                ses.ReceiptRuleOptions(
                    recipients=self.recipients or None,
                    scan_enabled=True,
                    tls_policy=ses.TlsPolicy.REQUIRE,
                    actions=[
                        actions.S3(bucket=self.bucket, object_key_prefix=MAIL_PREFIX),
                        actions.Lambda(function=function, invocation_type=actions.LambdaInvocationType.EVENT),
                    ],
                )
            ],
        )
