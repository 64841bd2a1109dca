"""In-memory `ports.InquiryRepository` (and the outbox's `mark_delivery`), behaving as
`adapters.dynamo` / `adapters.outbox_store` do on DynamoDB:

* `create` and `append` are all or nothing. `create` raises DuplicateMessage (with the inquiry the
  message was recorded in) when the dedupe key was seen, else IdentityTaken when the new customer,
  one of the new identity links or the inquiry already exists. `append` raises DuplicateMessage
  first, then StaleInquiry when the stored version is not `expected_version` (or the inquiry is
  missing). Events and messages are unconditional puts: the same key overwrites.
* Values round-trip through DynamoDB's type system (boto3's TypeSerializer) with the adapter's own
  number handling: a number with a fraction is stored as Decimal, numbers come back as int or
  float, None attributes are dropped.
* An outbound message with a `content_ref` leaves its lineage (R6.2) in the same write.
* Reads sort as the table's keys and indexes do (events by seq, messages by millisecond time then
  id, team queues by next deadline then urgency, a customer's inquiries newest first).

`tests/integration/test_repository_contract.py` runs the same assertions on this class and on the
real adapter in moto, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError
from inquiry_desk.adapters.dynamo import _decimals, _numbers  # the adapter's number handling, exactly
from inquiry_desk.corrections.model import LineageEntry
from inquiry_desk.model import Customer, DeliveryStatus, Identity, Inquiry, InquiryEvent, Message, utc_now
from inquiry_desk.ports import DuplicateMessage, IdentityTaken, NewInquiry, StaleInquiry, Timeline
from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)
_ser = TypeSerializer()
_deser = TypeDeserializer()
_NO_DEADLINE = "9999-12-31T23:59:59Z"


def _iso(value: datetime) -> str:
    """The adapter's key timestamp (milliseconds, Z): keys sort on it, so the fake does too."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _stored(model: M, *, exclude_none: bool = True) -> M:
    """`model` as DynamoDB gives it back: every attribute through the low-level type system."""
    attrs = model.model_dump(mode="json", exclude_none=exclude_none)
    item = {k: _ser.serialize(_decimals(v)) for k, v in attrs.items() if v is not None}
    return type(model).model_validate({k: _numbers(_deser.deserialize(v)) for k, v in item.items()})


def _cancelled(*reasons: str) -> ClientError:
    """The error DynamoDB raises for a transaction whose condition failed (left untranslated by the
    adapter for relink_identity)."""
    return ClientError(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
            "CancellationReasons": [{"Code": r} for r in reasons],
        },
        "TransactWriteItems",
    )


@dataclass
class _Tables:
    """The items, by kind; keys as in the adapter's table layout."""

    inquiries: dict[str, Inquiry] = field(default_factory=dict)  # INQ#<id> / META
    events: dict[str, dict[int, InquiryEvent]] = field(default_factory=dict)  # EVT#<seq>
    messages: dict[str, dict[tuple[str, str], Message]] = field(default_factory=dict)  # MSG#<at>#<id>
    customers: dict[str, Customer] = field(default_factory=dict)  # CUST#<id> / PROFILE
    identities: dict[str, str] = field(default_factory=dict)  # IDENT#<kind>#<value> -> customer id
    seen: dict[str, str] = field(default_factory=dict)  # MSGID#<channel>#<id> -> inquiry id
    lineage: dict[str, dict[str, LineageEntry]] = field(default_factory=dict)  # CONTENT#<ref> / <at>#<inq>#<msg>


class FakeInquiryRepository:
    """Implements ports.InquiryRepository in memory. `writes` counts successful transactions."""

    def __init__(self) -> None:
        self._t = _Tables()
        self.writes = 0

    # --- customers -------------------------------------------------------------------------
    def customer_for(self, identity: Identity) -> str | None:
        return self._t.identities.get(identity.key)

    def customers_for(self, identities: Sequence[Identity]) -> dict[str, str]:
        keys = list({i.key: i for i in identities})[:100]  # one BatchGetItem: 100 keys at most
        return {k: self._t.identities[k] for k in keys if k in self._t.identities}

    def relink_identity(self, identity: Identity, old: Customer, new: Customer) -> None:
        link_ok = self._t.identities.get(identity.key) == old.customer_id
        new_ok = new.customer_id not in self._t.customers
        if not (link_ok and new_ok):
            raise _cancelled(
                "None" if link_ok else "ConditionalCheckFailed", "None" if new_ok else "ConditionalCheckFailed", "None"
            )
        self._t.identities[identity.key] = new.customer_id
        self._t.customers[new.customer_id] = _stored(new)
        self._t.customers[old.customer_id] = _stored(old)
        self.writes += 1

    def inquiry_for_message(self, channel: str, channel_message_id: str) -> str | None:
        return self._t.seen.get(f"{channel}#{channel_message_id}")

    def get_customer(self, customer_id: str) -> Customer | None:
        found = self._t.customers.get(customer_id)
        return found.model_copy(deep=True) if found else None

    # --- writes --------------------------------------------------------------------------
    def create(self, new: NewInquiry) -> None:
        if new.dedupe_key in self._t.seen:
            raise DuplicateMessage(self._t.seen[new.dedupe_key])
        taken = (
            (new.new_customer is not None and new.new_customer.customer_id in self._t.customers)
            or any(i.key in self._t.identities for i in new.new_identities)
            or new.inquiry.inquiry_id in self._t.inquiries
        )
        if taken:
            raise IdentityTaken("a concurrent message linked this customer first")
        inquiry_id = new.inquiry.inquiry_id
        with self._transaction():
            self._t.seen[new.dedupe_key] = inquiry_id
            self._put_message(new.message)
            for event in new.events:
                self._put_event(event)
            if new.new_customer is not None:
                self._t.customers[new.new_customer.customer_id] = _stored(new.new_customer)
            for identity in new.new_identities:
                self._t.identities[identity.key] = new.inquiry.customer_id
            self._t.inquiries[inquiry_id] = _stored(new.inquiry)

    def append(
        self,
        inquiry: Inquiry,
        expected_version: int,
        events: Sequence[InquiryEvent],
        message: Message | None = None,
        dedupe_key: str | None = None,
    ) -> None:
        if dedupe_key is not None and dedupe_key in self._t.seen:
            raise DuplicateMessage(self._t.seen[dedupe_key])
        current = self._t.inquiries.get(inquiry.inquiry_id)
        if current is None or current.version != expected_version:
            raise StaleInquiry("inquiry changed concurrently")
        with self._transaction():
            if dedupe_key is not None:
                self._t.seen[dedupe_key] = inquiry.inquiry_id
            if message is not None:
                self._put_message(message)
                if message.content_ref:  # lineage (R6.2), written with the message as the adapter does
                    self._put_lineage(message, inquiry.customer_id)
            for event in events:
                self._put_event(event)
            self._t.inquiries[inquiry.inquiry_id] = _stored(inquiry)

    def _put_event(self, event: InquiryEvent) -> None:
        self._t.events.setdefault(event.inquiry_id, {})[event.seq] = _stored(event, exclude_none=False)

    def _put_message(self, message: Message) -> None:
        key = (_iso(message.at), message.message_id)
        self._t.messages.setdefault(message.inquiry_id, {})[key] = _stored(message)

    def _put_lineage(self, message: Message, customer_id: str) -> None:
        assert message.content_ref is not None
        entry = LineageEntry(
            content_ref=message.content_ref,
            inquiry_id=message.inquiry_id,
            message_id=message.message_id,
            customer_id=customer_id,
            at=datetime.fromisoformat(_iso(message.at)),  # the adapter keeps milliseconds here
        )
        key = f"{_iso(message.at)}#{message.inquiry_id}#{message.message_id}"
        self._t.lineage.setdefault(message.content_ref, {})[key] = _stored(entry)

    def seed(self, inquiry: Inquiry, messages: Sequence[Message] = ()) -> None:
        """Test set-up: put an inquiry (in any state) and its messages as earlier writes left them,
        with no events and no conditions checked."""
        self._t.inquiries[inquiry.inquiry_id] = _stored(inquiry)
        for message in messages:
            self._put_message(message)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """All or nothing: every check runs before the first write, and a write that fails (a
        float DynamoDB refuses) puts the tables back as they were."""
        saved = _Tables(
            dict(self._t.inquiries),
            {k: dict(v) for k, v in self._t.events.items()},
            {k: dict(v) for k, v in self._t.messages.items()},
            dict(self._t.customers),
            dict(self._t.identities),
            dict(self._t.seen),
            {k: dict(v) for k, v in self._t.lineage.items()},
        )
        try:
            yield
        except BaseException:
            self._t = saved
            raise
        self.writes += 1

    # --- the outbox (adapters.outbox_store) ----------------------------------------------
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
        """Update the message if it is still pending; False when it is not (or is missing)."""
        stored = self._t.messages.get(message.inquiry_id, {}).get((_iso(message.at), message.message_id))
        if stored is None or stored.delivery_status != "pending":
            return False
        update: dict[str, Any] = {
            "delivery_status": DeliveryStatus(status),
            "delivery_attempts": attempts,
            "metadata": {**message.metadata, **details},
            "delivery_error": error[:2000] if error else None,
        }
        if delivered_at is not None:
            update["delivered_at"] = delivered_at
        self._t.messages[message.inquiry_id][(_iso(message.at), message.message_id)] = _stored(
            stored.model_copy(update=update)
        )
        self.writes += 1
        return True

    # --- reads ---------------------------------------------------------------------------
    def lineage(self, content_ref: str) -> list[LineageEntry]:
        """Who received this content (the CONTENT#<ref> partition, in key order), as
        `adapters.loop_store.DynamoLoopStore.lineage` reads it."""
        return [e.model_copy(deep=True) for _, e in sorted(self._t.lineage.get(content_ref, {}).items())]

    def get(self, inquiry_id: str) -> Inquiry | None:
        found = self._t.inquiries.get(inquiry_id)
        return found.model_copy(deep=True) if found else None

    def timeline(self, inquiry_id: str) -> Timeline | None:
        inquiry = self.get(inquiry_id)
        if inquiry is None:
            return None
        events = [e.model_copy(deep=True) for _, e in sorted(self._t.events.get(inquiry_id, {}).items())]
        messages = [m.model_copy(deep=True) for _, m in sorted(self._t.messages.get(inquiry_id, {}).items())]
        return Timeline(inquiry, events, messages)

    def _queue_key(self, inquiry: Inquiry) -> str | None:
        """GSI1SK, or None when the inquiry is not in a queue (the index is sparse)."""
        if not (inquiry.is_open and inquiry.team):
            return None
        deadline = _iso(inquiry.next_deadline_at) if inquiry.next_deadline_at else _NO_DEADLINE
        rank = "0" if inquiry.urgency.value == "urgent" else "1"
        return f"{deadline}#{rank}#{inquiry.inquiry_id}"

    def _team(self, team: str) -> list[tuple[str, Inquiry]]:
        keyed = [(self._queue_key(i), i) for i in self._t.inquiries.values() if i.team == team]
        return sorted(((k, i) for k, i in keyed if k is not None), key=lambda pair: pair[0])

    def team_queue(self, team: str, limit: int = 50) -> list[Inquiry]:
        return [i.model_copy(deep=True) for _, i in self._team(team)[:limit]]

    def overdue(self, team: str, now: datetime, limit: int = 100, newest_first: bool = False) -> list[Inquiry]:
        late = [i for k, i in self._team(team) if k < _iso(now)]
        return [i.model_copy(deep=True) for i in (late[::-1] if newest_first else late)[:limit]]

    @staticmethod
    def _newest_first(inquiries: list[Inquiry], limit: int) -> list[Inquiry]:
        ordered = sorted(inquiries, key=lambda i: f"{_iso(i.received_at)}#{i.inquiry_id}", reverse=True)
        return [i.model_copy(deep=True) for i in ordered[:limit]]

    def customer_inquiries(self, customer_id: str, limit: int = 50) -> list[Inquiry]:
        return self._newest_first([i for i in self._t.inquiries.values() if i.customer_id == customer_id], limit)

    def recent(self, since: datetime, limit: int = 50) -> list[Inquiry]:
        """As the adapter: one day partition (GSI3, the UTC day received) at a time, newest first."""
        found: list[Inquiry] = []
        day, first = utc_now().astimezone(UTC).date(), since.astimezone(UTC).date()
        while day >= first and len(found) < limit:
            on_day = [
                i for i in self._t.inquiries.values() if i.received_at.date() == day
            ]  # GSI3PK: as the adapter keys it
            found.extend(self._newest_first(on_day, limit - len(found)))
            day -= timedelta(days=1)
        return [i for i in found if i.received_at >= since]
