"""DynamoDB single-table repository. Keys (also in the README):

inquiry           PK INQ#<id>               SK META
                  GSI1 TEAM#<team> / <next deadline>#<0 urgent|1 normal>#<id>   (open only: sparse)
                  GSI2 CUST#<customer id> / <received at>#<id>
                  GSI3 DAY#<yyyy-mm-dd> / <received at>#<id>
timeline event    PK INQ#<id>               SK EVT#<seq, 6 digits>
message           PK INQ#<id>               SK MSG#<at>#<message id>
customer          PK CUST#<customer id>     SK PROFILE
identity link     PK IDENT#<kind>#<value>   SK IDENT
channel msg seen  PK MSGID#<channel>#<id>   SK MSGID   (the durable dedupe record)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from inquiry_desk.model import Customer, Identity, Inquiry, InquiryEvent, Message, utc_now
from inquiry_desk.ports import DuplicateMessage, IdentityTaken, NewInquiry, StaleInquiry, Timeline

_ser = TypeSerializer()
_deser = TypeDeserializer()
_NO_DEADLINE = "9999-12-31T23:59:59Z"
_NOT_EXISTS = "attribute_not_exists(PK)"


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _item(attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: _ser.serialize(_decimals(v)) for k, v in attrs.items() if v is not None}


def _decimals(value: Any) -> Any:
    """DynamoDB takes no float: a number with a fraction (a confidence, a score) goes as Decimal."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    return value


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _numbers(_deser.deserialize(v)) for k, v in item.items()}


def _numbers(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal: give the domain ints (or floats) again."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    if isinstance(value, set):
        return {_numbers(v) for v in value}
    return value


def inquiry_key(inquiry_id: str) -> dict[str, Any]:
    return {"PK": {"S": f"INQ#{inquiry_id}"}, "SK": {"S": "META"}}


def _inquiry_attrs(inquiry: Inquiry) -> dict[str, Any]:
    body = inquiry.model_dump(mode="json", exclude_none=True)
    attrs: dict[str, Any] = {
        "PK": f"INQ#{inquiry.inquiry_id}",
        "SK": "META",
        "kind": "inquiry",
        **body,
        "GSI2PK": f"CUST#{inquiry.customer_id}",
        "GSI2SK": f"{_iso(inquiry.received_at)}#{inquiry.inquiry_id}",
        "GSI3PK": f"DAY#{inquiry.received_at.date().isoformat()}",
        "GSI3SK": f"{_iso(inquiry.received_at)}#{inquiry.inquiry_id}",
    }
    if inquiry.is_open and inquiry.team:
        deadline = _iso(inquiry.next_deadline_at) if inquiry.next_deadline_at else _NO_DEADLINE
        attrs["GSI1PK"] = f"TEAM#{inquiry.team}"
        # urgent work sorts before normal work that is due at the same time (R3.5)
        rank = "0" if inquiry.urgency.value == "urgent" else "1"
        attrs["GSI1SK"] = f"{deadline}#{rank}#{inquiry.inquiry_id}"
    return attrs


def _event_attrs(event: InquiryEvent) -> dict[str, Any]:
    return {
        "PK": f"INQ#{event.inquiry_id}",
        "SK": f"EVT#{event.seq:06d}",
        "kind": "event",
        **event.model_dump(mode="json"),
    }


def _message_attrs(message: Message) -> dict[str, Any]:
    return {
        "PK": f"INQ#{message.inquiry_id}",
        "SK": f"MSG#{_iso(message.at)}#{message.message_id}",
        "kind": "message",
        **message.model_dump(mode="json", exclude_none=True),
    }


def _lineage_attrs(message: Message, customer_id: str) -> dict[str, Any]:
    return {
        "PK": f"CONTENT#{message.content_ref}",
        "SK": f"{_iso(message.at)}#{message.inquiry_id}#{message.message_id}",
        "kind": "lineage",
        "content_ref": message.content_ref,
        "inquiry_id": message.inquiry_id,
        "message_id": message.message_id,
        "customer_id": customer_id,
        "channel": message.channel.value,
        "at": _iso(message.at),
    }


def _seen_attrs(dedupe_key: str, inquiry_id: str) -> dict[str, Any]:
    return {"PK": f"MSGID#{dedupe_key}", "SK": "MSGID", "kind": "message_seen", "inquiry_id": inquiry_id}


def _identity_attrs(identity: Identity, customer_id: str) -> dict[str, Any]:
    return {
        "PK": f"IDENT#{identity.key}",
        "SK": "IDENT",
        "kind": "identity",
        "customer_id": customer_id,
        "identity_kind": identity.kind,
        "identity_value": identity.value,
    }


def _customer_attrs(customer: Customer) -> dict[str, Any]:
    return {
        "PK": f"CUST#{customer.customer_id}",
        "SK": "PROFILE",
        "kind": "customer",
        **customer.model_dump(mode="json", exclude_none=True),
    }


def _strip_keys(attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attrs.items() if k not in ("PK", "SK", "kind") and not k.startswith("GSI")}


def inquiry_from_item(item: dict[str, Any]) -> Inquiry:
    """An inquiry from its item in DynamoDB JSON (a GetItem answer or a stream image)."""
    return Inquiry.model_validate(_strip_keys(_plain(item)))


class DynamoInquiryRepository:
    """Implements ports.InquiryRepository on one DynamoDB table (low-level client: fewer imports)."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._db = client
        self._table = table_name

    # --- customers -------------------------------------------------------------------------
    def customer_for(self, identity: Identity) -> str | None:
        got = self._db.get_item(
            TableName=self._table,
            Key={"PK": {"S": f"IDENT#{identity.key}"}, "SK": {"S": "IDENT"}},
            ProjectionExpression="customer_id",
        )
        item = got.get("Item")
        return item["customer_id"]["S"] if item else None

    def customers_for(self, identities: Sequence[Identity]) -> dict[str, str]:
        """identity key -> customer id for the identities already linked (one BatchGetItem)."""
        keys = list({i.key: i for i in identities})[:100]
        if not keys:
            return {}
        request = {
            self._table: {
                "Keys": [{"PK": {"S": f"IDENT#{k}"}, "SK": {"S": "IDENT"}} for k in keys],
                "ProjectionExpression": "PK, customer_id",
            }
        }
        found: dict[str, str] = {}
        while request:
            got = self._db.batch_get_item(RequestItems=request)
            for item in got.get("Responses", {}).get(self._table, []):
                found[item["PK"]["S"].removeprefix("IDENT#")] = item["customer_id"]["S"]
            request = got.get("UnprocessedKeys") or {}
        return found

    def relink_identity(self, identity: Identity, old: Customer, new: Customer) -> None:
        """Move one identity link from `old` to the `new` customer, atomically (undoing a link)."""
        self._db.transact_write_items(
            TransactItems=[
                self._put(
                    _identity_attrs(identity, new.customer_id), "customer_id = :old", {":old": {"S": old.customer_id}}
                ),
                self._put(_customer_attrs(new), _NOT_EXISTS),
                self._put(_customer_attrs(old)),
            ]
        )

    def inquiry_for_message(self, channel: str, channel_message_id: str) -> str | None:
        """The inquiry a channel message (e.g. an email's Message-ID) was recorded in."""
        return self._seen(f"{channel}#{channel_message_id}")

    def get_customer(self, customer_id: str) -> Customer | None:
        got = self._db.get_item(TableName=self._table, Key={"PK": {"S": f"CUST#{customer_id}"}, "SK": {"S": "PROFILE"}})
        item = got.get("Item")
        return Customer.model_validate(_strip_keys(_plain(item))) if item else None

    # --- writes --------------------------------------------------------------------------
    def create(self, new: NewInquiry) -> None:
        ops = [
            self._put(_seen_attrs(new.dedupe_key, new.inquiry.inquiry_id), _NOT_EXISTS),
            self._put(_message_attrs(new.message)),
            *(self._put(_event_attrs(e)) for e in new.events),
        ]
        if new.new_customer is not None:
            ops.append(self._put(_customer_attrs(new.new_customer), _NOT_EXISTS))
        ops.extend(self._put(_identity_attrs(i, new.inquiry.customer_id), _NOT_EXISTS) for i in new.new_identities)
        # The inquiry record goes last: stream consumers (deadline planning) then see every item
        # of the transaction, also on emulators that stream each put as it is applied.
        ops.append(self._put(_inquiry_attrs(new.inquiry), _NOT_EXISTS))
        self._transact(ops, new.dedupe_key, identities_linked=True)

    def append(
        self,
        inquiry: Inquiry,
        expected_version: int,
        events: Sequence[InquiryEvent],
        message: Message | None = None,
        dedupe_key: str | None = None,
    ) -> None:
        ops = []
        if dedupe_key is not None:
            ops.append(self._put(_seen_attrs(dedupe_key, inquiry.inquiry_id), _NOT_EXISTS))
        if message is not None:
            ops.append(self._put(_message_attrs(message)))
            if message.content_ref:  # lineage (R6.2): who received this content, found in one Query
                ops.append(self._put(_lineage_attrs(message, inquiry.customer_id)))
        ops.extend(self._put(_event_attrs(e)) for e in events)
        ops.append(  # last, as in create(); only if nobody changed the inquiry since it was read
            self._put(
                _inquiry_attrs(inquiry),
                "#v = :expected",
                {":expected": {"N": str(expected_version)}},
                {"#v": "version"},
            )
        )
        self._transact(ops, dedupe_key, stale_index=len(ops) - 1)

    def _put(
        self,
        attrs: dict[str, Any],
        condition: str | None = None,
        values: dict[str, Any] | None = None,
        attribute_names: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """One Put of a transaction, optionally conditional."""
        put: dict[str, Any] = {"TableName": self._table, "Item": _item(attrs)}
        if condition:
            put["ConditionExpression"] = condition
        if values:
            put["ExpressionAttributeValues"] = values
        if attribute_names:
            put["ExpressionAttributeNames"] = attribute_names
        return {"Put": put}

    def _transact(
        self,
        ops: list[dict[str, Any]],
        dedupe_key: str | None,
        stale_index: int | None = None,
        identities_linked: bool = False,
    ) -> None:
        """Run one transaction; turn a cancelled one into the domain's reason for it."""
        try:
            self._db.transact_write_items(TransactItems=ops)
        except ClientError as err:
            if err.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = [r.get("Code", "None") for r in err.response.get("CancellationReasons", [])]
            if dedupe_key is not None and (not reasons or reasons[0] == "ConditionalCheckFailed"):
                seen = self._seen(dedupe_key)
                if seen is not None:
                    raise DuplicateMessage(seen) from err
            if (
                stale_index is not None
                and len(reasons) > stale_index
                and reasons[stale_index] == ("ConditionalCheckFailed")
            ):
                raise StaleInquiry("inquiry changed concurrently") from err
            if identities_linked and "ConditionalCheckFailed" in reasons[1:]:
                raise IdentityTaken("a concurrent message linked this customer first") from err
            if "TransactionConflict" in reasons:
                raise StaleInquiry("concurrent transaction on the same items") from err
            raise

    def _seen(self, dedupe_key: str) -> str | None:
        got = self._db.get_item(
            TableName=self._table,
            Key={"PK": {"S": f"MSGID#{dedupe_key}"}, "SK": {"S": "MSGID"}},
            ConsistentRead=True,
        )
        item = got.get("Item")
        return item["inquiry_id"]["S"] if item else None

    # --- reads ---------------------------------------------------------------------------
    def get(self, inquiry_id: str) -> Inquiry | None:
        got = self._db.get_item(TableName=self._table, Key=inquiry_key(inquiry_id), ConsistentRead=True)
        item = got.get("Item")
        return Inquiry.model_validate(_strip_keys(_plain(item))) if item else None

    def timeline(self, inquiry_id: str) -> Timeline | None:
        """The inquiry, its events and its messages: one Query over the inquiry's partition."""
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": f"INQ#{inquiry_id}"}},
            "ConsistentRead": True,
        }
        while True:
            page = self._db.query(**kwargs)
            items.extend(_plain(i) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        meta = next((i for i in items if i["SK"] == "META"), None)
        if meta is None:
            return None
        events = [InquiryEvent.model_validate(_strip_keys(i)) for i in items if i["SK"].startswith("EVT#")]
        messages = [Message.model_validate(_strip_keys(i)) for i in items if i["SK"].startswith("MSG#")]
        return Timeline(Inquiry.model_validate(_strip_keys(meta)), events, messages)

    def _query_inquiries(self, index: str, pk: str, limit: int, forward: bool) -> list[Inquiry]:
        page = self._db.query(
            TableName=self._table,
            IndexName=index,
            KeyConditionExpression=f"{index}PK = :pk",
            ExpressionAttributeValues={":pk": {"S": pk}},
            ScanIndexForward=forward,
            Limit=limit,
        )
        return [Inquiry.model_validate(_strip_keys(_plain(i))) for i in page.get("Items", [])]

    def team_queue(self, team: str, limit: int = 50) -> list[Inquiry]:
        """A team's open inquiries, the next deadline first (urgent first on a tie)."""
        return self._query_inquiries("GSI1", f"TEAM#{team}", limit, forward=True)

    def overdue(self, team: str, now: datetime, limit: int = 100, newest_first: bool = False) -> list[Inquiry]:
        """A team's open inquiries whose next deadline is before `now` (the sparse GSI1, so cheap)."""
        page = self._db.query(
            TableName=self._table,
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :pk AND GSI1SK < :now",
            ExpressionAttributeValues={":pk": {"S": f"TEAM#{team}"}, ":now": {"S": _iso(now)}},
            Limit=limit,
            ScanIndexForward=not newest_first,
        )
        return [Inquiry.model_validate(_strip_keys(_plain(i))) for i in page.get("Items", [])]

    def customer_inquiries(self, customer_id: str, limit: int = 50) -> list[Inquiry]:
        """A customer's inquiries on every channel, newest first."""
        return self._query_inquiries("GSI2", f"CUST#{customer_id}", limit, forward=False)

    def recent(self, since: datetime, limit: int = 50) -> list[Inquiry]:
        """Inquiries received since `since`, newest first (one query per day, newest day first)."""
        found: list[Inquiry] = []
        # the desk's clock (the local runtime may run it faster than the system's), in UTC: the
        # day partitions are the UTC days inquiries were received on
        day, first = utc_now().astimezone(UTC).date(), since.astimezone(UTC).date()
        while day >= first and len(found) < limit:
            found.extend(self._query_inquiries("GSI3", f"DAY#{day.isoformat()}", limit - len(found), False))
            day -= timedelta(days=1)
        return [i for i in found if i.received_at >= since]
