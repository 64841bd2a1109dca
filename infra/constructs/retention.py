"""Retention (R8.1, R8.4): the archive bucket (a cheaper storage class by lifecycle rule) and the
daily archiver that moves closed inquiries past the policy's age out of the table into it. The
ages are the policy's (layers/core/inquiry_desk/policies/retention.json)."""

from __future__ import annotations

import json

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constructs.functions import DeskFunction
from infra.names import CORE_PACKAGE_DIR

ARCHIVE_PREFIX = "inquiries/"  # one object per inquiry (inquiry_desk.adapters.archive)


def retention_policy() -> dict[str, int]:
    policy: dict[str, int] = json.loads((CORE_PACKAGE_DIR / "policies" / "retention.json").read_text())
    return policy


class Retention(Construct):
    def __init__(self, scope: Construct, id: str, key: kms.IKey) -> None:
        super().__init__(scope, id)
        policy = retention_policy()
        self.bucket = s3.Bucket(
            self,
            "Archive",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,  # an overwritten (erased) archive keeps no readable old version: see below
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="cheaper-class",
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
                            transition_after=Duration.days(policy["archive_cheaper_class_after_days"]),
                        )
                    ],
                    expiration=Duration.days(policy["archive_keep_days"]),
                    # versions replaced by an erasure are gone within a day
                    noncurrent_version_expiration=Duration.days(1),
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )

    def schedule(self, archiver: DeskFunction) -> None:
        events.Rule(
            self,
            "Daily",
            description="Move closed inquiries past the retention policy's age to the archive",
            schedule=events.Schedule.rate(Duration.days(1)),
            targets=[targets.LambdaFunction(archiver.function)],
        )
