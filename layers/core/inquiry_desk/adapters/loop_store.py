"""DynamoDB items of the closing loop on the single table: corrections, their deliveries, the
message lineage (written with each outbound message by the repository) and the review queue.

| item        | PK                 | SK                                   |
|-------------|--------------------|--------------------------------------|
| correction  | CORRECTIONS        | <correction id> (sorts by time)      |
| delivery    | CORR#<id>          | CUST#<customer id>                   |
| lineage     | CONTENT#<ref>      | <at>#<inquiry id>#<message id>       |
| review      | REVIEWS#<day>      | <agent>#<inquiry id>                 |
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from inquiry_desk.corrections.model import Correction, Delivery, LineageEntry
from inquiry_desk.quality.model import Review

_ser, _deser = TypeSerializer(), TypeDeserializer()


def _item(attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: _ser.serialize(v) for k, v in attrs.items() if v is not None}


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _deser.deserialize(v) for k, v in item.items() if k not in ("PK", "SK", "kind")}


class DynamoLoopStore:
    def __init__(self, client: Any, table_name: str) -> None:
        self._db = client
        self._table = table_name

    def _put(self, pk: str, sk: str, kind: str, body: dict[str, Any]) -> None:
        self._db.put_item(TableName=self._table, Item=_item({"PK": pk, "SK": sk, "kind": kind, **body}))

    def _query(self, pk: str, forward: bool = True, limit: int | None = None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": pk}},
            "ScanIndexForward": forward,
        }
        while True:
            page = self._db.query(**kwargs)
            out.extend(_plain(i) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page or (limit is not None and len(out) >= limit):
                return out[:limit] if limit is not None else out
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # corrections
    def put_correction(self, correction: Correction) -> None:
        self._put("CORRECTIONS", correction.correction_id, "correction", correction.model_dump(mode="json"))

    def get_correction(self, correction_id: str) -> Correction | None:
        got = self._db.get_item(
            TableName=self._table, Key={"PK": {"S": "CORRECTIONS"}, "SK": {"S": correction_id}}, ConsistentRead=True
        )
        return Correction.model_validate(_plain(got["Item"])) if "Item" in got else None

    def corrections(self, limit: int = 100) -> list[Correction]:
        return [Correction.model_validate(i) for i in self._query("CORRECTIONS", forward=False, limit=limit)]

    def lineage(self, content_ref: str) -> list[LineageEntry]:
        return [LineageEntry.model_validate(i) for i in self._query(f"CONTENT#{content_ref}")]

    def put_delivery(self, delivery: Delivery) -> None:
        self._put(
            f"CORR#{delivery.correction_id}",
            f"CUST#{delivery.customer_id}",
            "delivery",
            delivery.model_dump(mode="json"),
        )

    def deliveries(self, correction_id: str) -> list[Delivery]:
        return [Delivery.model_validate(i) for i in self._query(f"CORR#{correction_id}")]

    # the review queue (R6.1)
    def put_review(self, review: Review) -> None:
        self._put(
            f"REVIEWS#{review.day}", f"{review.agent}#{review.inquiry_id}", "review", review.model_dump(mode="json")
        )

    def reviews(self, day: str) -> list[Review]:
        return [Review.model_validate(i) for i in self._query(f"REVIEWS#{day}")]

    def get_review(self, day: str, agent: str, inquiry_id: str) -> Review | None:
        got = self._db.get_item(
            TableName=self._table,
            Key={"PK": {"S": f"REVIEWS#{day}"}, "SK": {"S": f"{agent}#{inquiry_id}"}},
            ConsistentRead=True,
        )
        return Review.model_validate(_plain(got["Item"])) if "Item" in got else None
