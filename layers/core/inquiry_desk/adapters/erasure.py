"""DynamoDB and S3 side of erasing a customer (see customers/erasure.py for what goes and stays)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from inquiry_desk.customers.erasure import ERASED
from inquiry_desk.model import Customer

MESSAGE_FIELDS_REMOVED = ("sender", "attachments", "metadata", "voice_summary")


class DynamoS3ErasureStore:
    def __init__(self, db: Any, table: str, s3: Any | None, bucket: str | None, mail_prefix: str) -> None:
        self._db = db
        self._table = table
        self._s3 = s3
        self._bucket = bucket
        self._prefix = mail_prefix

    def _items(self, inquiry_id: str, sk_prefix: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for page in self._db.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :sk)",
            ExpressionAttributeValues={":pk": {"S": f"INQ#{inquiry_id}"}, ":sk": {"S": sk_prefix}},
        ):
            items.extend(page["Items"])
        return items

    def erase_messages(self, inquiry_id: str) -> list[str]:
        mail_ids: list[str] = []
        for item in self._items(inquiry_id, "MSG#"):
            mail = item.get("metadata", {}).get("M", {}).get("mail_id", {}).get("S")
            if mail:
                mail_ids.append(mail)
            present = [f for f in MESSAGE_FIELDS_REMOVED if f in item]
            self._db.update_item(
                TableName=self._table,
                Key={"PK": item["PK"], "SK": item["SK"]},
                UpdateExpression="SET body = :erased" + (f" REMOVE {', '.join(present)}" if present else ""),
                ExpressionAttributeValues={":erased": {"S": ERASED}},
            )
        return mail_ids

    def erase_events(self, inquiry_id: str, values: list[str]) -> None:
        if not values:
            return
        for item in self._items(inquiry_id, "EVT#"):
            data = item.get("data")
            if data is None:
                continue
            text = json.dumps(data, ensure_ascii=False)
            cleaned = text
            for value in values:
                cleaned = cleaned.replace(json.dumps(value, ensure_ascii=False)[1:-1], ERASED)
            if cleaned != text:
                self._db.update_item(
                    TableName=self._table,
                    Key={"PK": item["PK"], "SK": item["SK"]},
                    UpdateExpression="SET #d = :d",
                    ExpressionAttributeNames={"#d": "data"},
                    ExpressionAttributeValues={":d": json.loads(cleaned)},
                )

    def erase_identity_links(self, customer: Customer) -> None:
        for identity in customer.identities:
            try:
                self._db.delete_item(
                    TableName=self._table,
                    Key={"PK": {"S": f"IDENT#{identity.key}"}, "SK": {"S": "IDENT"}},
                    ConditionExpression="customer_id = :c",  # never another customer's link
                    ExpressionAttributeValues={":c": {"S": customer.customer_id}},
                )
            except self._db.exceptions.ConditionalCheckFailedException:
                continue  # already moved to another customer (unlinked): not this customer's data

    def erase_profile(self, customer_id: str, at: datetime) -> None:
        self._db.update_item(
            TableName=self._table,
            Key={"PK": {"S": f"CUST#{customer_id}"}, "SK": {"S": "PROFILE"}},
            UpdateExpression="SET identities = :none, erased_at = :at REMOVE #n",
            ExpressionAttributeNames={"#n": "name"},
            ExpressionAttributeValues={":none": {"L": []}, ":at": {"S": at.isoformat()}},
        )

    def erase_mail(self, mail_ids: list[str]) -> int:
        if not mail_ids or self._s3 is None or not self._bucket:
            return 0
        keys = [f"{self._prefix}{m}" for m in mail_ids]
        for mail in mail_ids:
            for page in self._s3.get_paginator("list_objects_v2").paginate(
                Bucket=self._bucket, Prefix=f"attachments/{mail}/"
            ):
                keys += [o["Key"] for o in page.get("Contents", [])]
        for start in range(0, len(keys), 1000):
            self._s3.delete_objects(
                Bucket=self._bucket, Delete={"Objects": [{"Key": k} for k in keys[start : start + 1000]], "Quiet": True}
            )
        return len(keys)
