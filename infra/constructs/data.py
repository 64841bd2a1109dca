"""The single table (stream on, PITR, customer-managed KMS key) and the idempotency table."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as ddb
from aws_cdk import aws_kms as kms
from constructs import Construct


class Data(Construct):
    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self.key = kms.Key(self, "DataKey", enable_key_rotation=True, description="Inquiry Desk customer data at rest")
        # ddb.Table, not TableV2: the local runtime deploys this template into moto, which
        # knows AWS::DynamoDB::Table only.
        self.table = ddb.Table(
            self,
            "Inquiries",
            partition_key=ddb.Attribute(name="PK", type=ddb.AttributeType.STRING),
            sort_key=ddb.Attribute(name="SK", type=ddb.AttributeType.STRING),
            billing_mode=ddb.BillingMode.PAY_PER_REQUEST,
            encryption=ddb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.key,
            point_in_time_recovery_specification=ddb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            stream=ddb.StreamViewType.NEW_AND_OLD_IMAGES,
            # No TTL on this table (R8.1): nothing expires here; closed inquiries leave only for the
            # archive, past the retention policy's age (>= six months), see constructs/retention.py.
            removal_policy=RemovalPolicy.RETAIN,  # R8.1: records are kept at least 6 months
        )
        for index in ("GSI1", "GSI2", "GSI3"):
            self.table.add_global_secondary_index(
                index_name=index,
                partition_key=ddb.Attribute(name=f"{index}PK", type=ddb.AttributeType.STRING),
                sort_key=ddb.Attribute(name=f"{index}SK", type=ddb.AttributeType.STRING),
                projection_type=ddb.ProjectionType.ALL,
            )
        self.idempotency = ddb.Table(
            self,
            "Idempotency",
            partition_key=ddb.Attribute(name="id", type=ddb.AttributeType.STRING),
            billing_mode=ddb.BillingMode.PAY_PER_REQUEST,
            encryption=ddb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.key,
            point_in_time_recovery_specification=ddb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute="expiration",
            removal_policy=RemovalPolicy.DESTROY,
        )
