"""The archive: closed inquiries, whole, as one JSON object each in S3 (R8.1, R8.4); moved out of
the table only after the object is stored and read back."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from inquiry_desk.model import Inquiry, InquiryEvent, Message
from inquiry_desk.ports import Timeline

PREFIX = "inquiries/"


def archive_key(inquiry_id: str) -> str:
    return f"{PREFIX}{inquiry_id}.json"


def timeline_document(timeline: Timeline) -> dict[str, Any]:
    return {
        "inquiry": timeline.inquiry.model_dump(mode="json"),
        "events": [e.model_dump(mode="json") for e in timeline.events],
        "messages": [m.model_dump(mode="json") for m in timeline.messages],
    }


class S3Archive:
    def __init__(self, s3: Any, bucket: str, db: Any | None = None, table: str | None = None) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._db = db
        self._table = table

    def get(self, inquiry_id: str) -> Timeline | None:
        try:
            got = self._s3.get_object(Bucket=self._bucket, Key=archive_key(inquiry_id))
        except self._s3.exceptions.NoSuchKey:
            return None
        doc = json.loads(got["Body"].read())
        return Timeline(
            Inquiry.model_validate(doc["inquiry"]),
            [InquiryEvent.model_validate(e) for e in doc["events"]],
            [Message.model_validate(m) for m in doc["messages"]],
        )

    def archived_of(self, customer_id: str) -> list[str]:
        assert self._db is not None
        page = self._db.query(
            TableName=self._table,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :a)",
            ExpressionAttributeValues={":pk": {"S": f"CUST#{customer_id}"}, ":a": {"S": "ARCHIVED#"}},
        )
        return [i["inquiry_id"]["S"] for i in page.get("Items", [])]

    def replace(self, timeline: Timeline) -> None:
        """Overwrite an archived inquiry (erasure); the bucket expires the old version in a day."""
        body = json.dumps(timeline_document(timeline), ensure_ascii=False).encode()
        self._s3.put_object(
            Bucket=self._bucket,
            Key=archive_key(timeline.inquiry.inquiry_id),
            Body=body,
            ContentType="application/json",
        )

    def closed_received_on(self, day: date) -> list[str]:
        """Ids of the closed inquiries received on `day` (GSI3, every page)."""
        assert self._db is not None
        ids: list[str] = []
        for page in self._db.get_paginator("query").paginate(
            TableName=self._table,
            IndexName="GSI3",
            KeyConditionExpression="GSI3PK = :pk",
            FilterExpression="#s = :closed",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":pk": {"S": f"DAY#{day.isoformat()}"}, ":closed": {"S": "closed"}},
            ProjectionExpression="inquiry_id",
        ):
            ids += [i["inquiry_id"]["S"] for i in page.get("Items", [])]
        return ids

    def store(self, timeline: Timeline) -> None:
        """Write the whole inquiry, read it back, then remove its items from the table."""
        assert self._db is not None
        inquiry_id = timeline.inquiry.inquiry_id
        body = json.dumps(timeline_document(timeline), ensure_ascii=False).encode()
        self._s3.put_object(Bucket=self._bucket, Key=archive_key(inquiry_id), Body=body, ContentType="application/json")
        back = self.get(inquiry_id)
        if back is None or timeline_document(back) != json.loads(body):
            raise RuntimeError(f"archive of {inquiry_id} did not read back whole; kept in the table")
        keys: list[dict[str, Any]] = []
        for page in self._db.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": f"INQ#{inquiry_id}"}},
            ProjectionExpression="PK, SK",
        ):
            keys += page.get("Items", [])
        # the customer keeps a pointer to the archived inquiry (erasure on request reaches it)
        self._db.put_item(
            TableName=self._table,
            Item={
                "PK": {"S": f"CUST#{timeline.inquiry.customer_id}"},
                "SK": {"S": f"ARCHIVED#{inquiry_id}"},
                "kind": {"S": "archived_inquiry"},
                "inquiry_id": {"S": inquiry_id},
            },
        )
        for start in range(0, len(keys), 25):
            batch = [{"DeleteRequest": {"Key": k}} for k in keys[start : start + 25]]
            pending: dict[str, Any] = {str(self._table): batch}
            while pending:
                pending = self._db.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}

    def restore(self, inquiry_id: str) -> Timeline | None:
        """Put an archived inquiry back into the table, whole: its events and messages, then the
        inquiry record (last, on condition it is not there: an inquiry in the table is refused),
        then the customer's pointer to the archive goes. The archived copy stays (the bucket's
        lifecycle keeps it); a later sweep archives the inquiry again once it is due. None: not
        archived. The stream sees the items again: the counters count each event once (their
        own dedupe), and nothing of a closed inquiry is pending to be sent.
        """
        from inquiry_desk.adapters.dynamo import _event_attrs, _inquiry_attrs, _item, _message_attrs, inquiry_key

        assert self._db is not None
        timeline = self.get(inquiry_id)
        if timeline is None:
            return None
        if "Item" in self._db.get_item(TableName=self._table, Key=inquiry_key(inquiry_id), ConsistentRead=True):
            raise InquiryInTable(f"inquiry {inquiry_id} is in the table already: nothing to restore")
        for attrs in [*(_event_attrs(e) for e in timeline.events), *(_message_attrs(m) for m in timeline.messages)]:
            self._db.put_item(TableName=self._table, Item=_item(attrs))
        try:
            self._db.put_item(
                TableName=self._table,
                Item=_item(_inquiry_attrs(timeline.inquiry)),
                ConditionExpression="attribute_not_exists(PK)",
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            raise InquiryInTable(f"inquiry {inquiry_id} is in the table already: nothing to restore") from None
        self._db.delete_item(
            TableName=self._table,
            Key={"PK": {"S": f"CUST#{timeline.inquiry.customer_id}"}, "SK": {"S": f"ARCHIVED#{inquiry_id}"}},
        )
        return timeline


class InquiryInTable(Exception):
    """A restore of an inquiry that is in the table: the table's copy is the newer one."""
