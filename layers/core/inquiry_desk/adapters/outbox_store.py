"""The outbox's writes on the single table: the delivery state of one outbound message item.

`DynamoOutboxRepository` is the inquiry repository plus `mark_delivery`, a conditional
UpdateItem on the message item (PK INQ#<inquiry id>, SK MSG#<at>#<message id>) that only a
message still in delivery_status "pending" accepts, so two dispatches of one message record
one result. Timeline events go through `InquiryService.record` (the inquiry's version check).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from inquiry_desk.adapters.dynamo import DynamoInquiryRepository, _iso, _ser
from inquiry_desk.model import Message


def message_key(message: Message) -> dict[str, Any]:
    """The message item's key (the layout of adapters.dynamo)."""
    return {
        "PK": {"S": f"INQ#{message.inquiry_id}"},
        "SK": {"S": f"MSG#{_iso(message.at)}#{message.message_id}"},
    }


class DynamoOutboxRepository(DynamoInquiryRepository):
    def mark_delivery(
        self,
        message: Message,
        *,
        status: str,
        attempts: int,
        error: str | None,
        delivered_at: datetime | None,
        details: Mapping[str, str],
    ) -> bool:
        sets = ["delivery_status = :status", "delivery_attempts = :attempts", "#md = :md"]
        values: dict[str, Any] = {
            ":status": {"S": status},
            ":attempts": {"N": str(attempts)},
            ":md": _ser.serialize({**message.metadata, **details}),
            ":pending": {"S": "pending"},
        }
        removes = []
        if error:
            sets.append("delivery_error = :error")
            values[":error"] = {"S": error[:2000]}
        else:
            removes.append("delivery_error")
        if delivered_at is not None:
            sets.append("delivered_at = :delivered")
            values[":delivered"] = {"S": delivered_at.isoformat().replace("+00:00", "Z")}
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        try:
            self._db.update_item(
                TableName=self._table,
                Key=message_key(message),
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(PK) AND delivery_status = :pending",
                ExpressionAttributeNames={"#md": "metadata"},
                ExpressionAttributeValues=values,
            )
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True
