"""The repository contract: the SAME assertions on the in-memory fake (tests/fakes) and on the real
DynamoDB adapter in moto, so the fake the service unit tests run on cannot drift from the adapter.

The DynamoDB side uses a table with the deployed table's keys and indexes (copied from the
synthesized stack in moto) but without its stream, so no stream consumer (deadline planning, the
outbox dispatcher) changes the items under the assertions.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from inquiry_desk.adapters.loop_store import DynamoLoopStore
from inquiry_desk.adapters.outbox_store import DynamoOutboxRepository
from inquiry_desk.model import (
    Channel,
    Customer,
    Direction,
    EventType,
    Identity,
    Inquiry,
    InquiryEvent,
    Message,
    Status,
    Urgency,
    utc_now,
)
from inquiry_desk.ports import DuplicateMessage, IdentityTaken, NewInquiry, StaleInquiry

from tests.fakes import FakeInquiryRepository


@pytest.fixture(scope="module")
def contract_table(stack: Any) -> str:
    client = boto3.client("dynamodb", region_name="us-east-1")
    deployed = client.describe_table(TableName=stack.table)["Table"]
    name = f"contract-{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=deployed["KeySchema"],
        AttributeDefinitions=deployed["AttributeDefinitions"],
        GlobalSecondaryIndexes=[
            {"IndexName": g["IndexName"], "KeySchema": g["KeySchema"], "Projection": g["Projection"]}
            for g in deployed.get("GlobalSecondaryIndexes", [])
        ],
    )
    return name


@pytest.fixture(params=["fake", "dynamodb"])
def repo(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "fake":
        yield FakeInquiryRepository()
    else:
        table = request.getfixturevalue("contract_table")
        yield DynamoOutboxRepository(boto3.client("dynamodb", region_name="us-east-1"), table)


# --- builders: unique ids per test, so both repositories can share one table -------------------
def _uid(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:12].upper()}"


def _inquiry(customer_id: str, at: datetime, **kw: Any) -> Inquiry:
    base: dict[str, Any] = {
        "inquiry_id": _uid("Q"),
        "customer_id": customer_id,
        "channel": Channel.CHAT,
        "received_at": at,
        "description": "我的订单还没发货 where is my order?",
        "team": _uid("team-"),
        "updated_at": at,
        "event_count": 2,
    }
    base.update(kw)
    return Inquiry(**base)


def _events(inquiry: Inquiry, *types: EventType, first: int = 1, **data: Any) -> list[InquiryEvent]:
    return [
        InquiryEvent(inquiry_id=inquiry.inquiry_id, seq=first + i, type=t, at=inquiry.received_at, data=dict(data))
        for i, t in enumerate(types)
    ]


def _message(inquiry: Inquiry, at: datetime, direction: Direction = Direction.INBOUND, **kw: Any) -> Message:
    return Message(
        message_id=_uid("M"),
        inquiry_id=inquiry.inquiry_id,
        direction=direction,
        channel=inquiry.channel,
        body="hello",
        at=at,
        author=inquiry.customer_id,
        **kw,
    )


def _new(
    repo: Any,
    at: datetime | None = None,
    customer: Customer | None = None,
    identities: tuple[Identity, ...] = (),
    **kw: Any,
) -> NewInquiry:
    """Open (and store) an inquiry for a new customer with one sender identity."""
    at = at or utc_now()
    sender = Identity(kind="chat_customer", value=_uid("web-"))
    customer = customer or Customer(customer_id=_uid("C"), identities=[sender], created_at=at)
    inquiry = _inquiry(customer.customer_id, at, **kw)
    new = NewInquiry(
        inquiry=inquiry,
        message=_message(inquiry, at, sender=sender, channel_message_id=_uid("web-msg-")),
        events=_events(inquiry, EventType.RECEIVED, EventType.CLASSIFIED),
        dedupe_key=f"chat#{_uid('web-msg-')}",
        new_customer=customer,
        new_identities=identities or (sender,),
    )
    repo.create(new)
    return new


# --- create ----------------------------------------------------------------------------------------
def test_create_stores_inquiry_events_message_customer_and_links(repo: Any) -> None:
    new = _new(repo, order_number="SO-1001", tags=["vip"], urgency=Urgency.URGENT)
    inquiry_id = new.inquiry.inquiry_id
    assert repo.get(inquiry_id) == new.inquiry
    timeline = repo.timeline(inquiry_id)
    assert timeline.inquiry == new.inquiry
    assert [(e.seq, e.type) for e in timeline.events] == [(1, EventType.RECEIVED), (2, EventType.CLASSIFIED)]
    assert timeline.messages == [new.message]
    sender = new.new_identities[0]
    assert repo.customer_for(sender) == new.inquiry.customer_id
    assert repo.get_customer(new.inquiry.customer_id) == new.new_customer
    channel, _, message_id = new.dedupe_key.partition("#")
    assert repo.inquiry_for_message(channel, message_id) == inquiry_id


def test_reads_of_what_is_not_there_are_none(repo: Any) -> None:
    assert repo.get("QNOPE") is None
    assert repo.timeline("QNOPE") is None
    assert repo.get_customer("CNOPE") is None
    assert repo.customer_for(Identity(kind="phone", value="+10000000000")) is None
    assert repo.customers_for([]) == {}
    assert repo.inquiry_for_message("chat", "never-seen") is None


def test_R1_2_the_same_channel_message_twice_is_a_duplicate_and_writes_nothing(repo: Any) -> None:
    first = _new(repo)
    again = _inquiry(_uid("C"), first.inquiry.received_at)
    with pytest.raises(DuplicateMessage) as caught:
        repo.create(
            NewInquiry(
                inquiry=again,
                message=_message(again, again.received_at),
                events=_events(again, EventType.RECEIVED),
                dedupe_key=first.dedupe_key,
                new_customer=Customer(customer_id=again.customer_id),
            )
        )
    assert caught.value.inquiry_id == first.inquiry.inquiry_id  # the inquiry it was recorded in
    assert repo.get(again.inquiry_id) is None
    assert repo.get_customer(again.customer_id) is None


def test_R1_3_an_identity_linked_meanwhile_is_identity_taken_and_writes_nothing(repo: Any) -> None:
    first = _new(repo)
    taken = first.new_identities[0]
    second = _inquiry(_uid("C"), first.inquiry.received_at)
    dedupe = f"chat#{_uid('m-')}"
    with pytest.raises(IdentityTaken):
        repo.create(
            NewInquiry(
                inquiry=second,
                message=_message(second, second.received_at),
                events=_events(second, EventType.RECEIVED),
                dedupe_key=dedupe,
                new_customer=Customer(customer_id=second.customer_id, identities=[taken]),
                new_identities=(taken,),
            )
        )
    assert repo.customer_for(taken) == first.inquiry.customer_id  # the first link stands
    assert repo.get(second.inquiry_id) is None
    assert repo.get_customer(second.customer_id) is None
    assert repo.inquiry_for_message("chat", dedupe.partition("#")[2]) is None


def test_a_customer_created_meanwhile_is_identity_taken(repo: Any) -> None:
    first = _new(repo)
    assert first.new_customer is not None
    with pytest.raises(IdentityTaken):
        _new(repo, customer=first.new_customer, identities=(Identity(kind="member", value=_uid("VIP-")),))


def test_R1_3_customers_for_answers_only_linked_identities(repo: Any) -> None:
    first = _new(repo)
    known = first.new_identities[0]
    unknown = Identity(kind="phone", value="+8613800000000")
    found = repo.customers_for([known, unknown, known])
    assert found == {known.key: first.inquiry.customer_id}


# --- append ----------------------------------------------------------------------------------------
def test_append_saves_the_advanced_inquiry_with_its_events_and_message(repo: Any) -> None:
    new = _new(repo)
    at = new.inquiry.received_at + timedelta(minutes=1)
    advanced = new.inquiry.model_copy(
        update={"status": Status.ACKNOWLEDGED, "version": 2, "event_count": 3, "updated_at": at}
    )
    reply = _message(new.inquiry, at, Direction.OUTBOUND, delivery_status="pending")
    events = _events(new.inquiry, EventType.ACKNOWLEDGED, first=3, attempts=1, nested={"none": None})
    repo.append(advanced, 1, events, reply)
    timeline = repo.timeline(new.inquiry.inquiry_id)
    assert timeline.inquiry == advanced
    assert [e.seq for e in timeline.events] == [1, 2, 3]
    # numbers come back as the domain's ints (DynamoDB's Decimal converted back), nested None stays
    assert timeline.events[-1].data == {"attempts": 1, "nested": {"none": None}}
    assert type(timeline.events[-1].data["attempts"]) is int
    assert timeline.messages == [new.message, reply]  # by time


def test_append_with_an_old_version_is_stale_and_writes_nothing(repo: Any) -> None:
    new = _new(repo)
    advanced = new.inquiry.model_copy(update={"version": 2, "event_count": 3})
    repo.append(advanced, 1, _events(new.inquiry, EventType.NOTE, first=3))
    with pytest.raises(StaleInquiry):
        repo.append(
            new.inquiry.model_copy(update={"version": 2, "event_count": 4, "owner": "late"}),
            1,
            _events(new.inquiry, EventType.NOTE, first=4),
            _message(new.inquiry, utc_now()),
        )
    timeline = repo.timeline(new.inquiry.inquiry_id)
    assert timeline.inquiry == advanced
    assert [e.seq for e in timeline.events] == [1, 2, 3]
    assert len(timeline.messages) == 1


def test_append_to_a_missing_inquiry_is_stale(repo: Any) -> None:
    ghost = _inquiry("C1", utc_now())
    with pytest.raises(StaleInquiry):
        repo.append(ghost.model_copy(update={"version": 2}), 1, _events(ghost, EventType.NOTE))
    assert repo.timeline(ghost.inquiry_id) is None


def test_R1_2_append_with_a_seen_message_is_a_duplicate_even_when_stale(repo: Any) -> None:
    first, other = _new(repo), _new(repo)
    joined = first.inquiry.model_copy(update={"version": 2, "event_count": 3})
    key = f"sms#{_uid('SM')}"
    repo.append(joined, 1, _events(first.inquiry, EventType.MESSAGE_ADDED, first=3), dedupe_key=key)
    assert repo.inquiry_for_message("sms", key.partition("#")[2]) == first.inquiry.inquiry_id
    for version in (1, 2):  # fresh or stale: the redelivery is recognised first
        with pytest.raises(DuplicateMessage) as caught:
            repo.append(
                other.inquiry.model_copy(update={"version": 2, "event_count": 3}),
                version,
                _events(other.inquiry, EventType.MESSAGE_ADDED, first=3),
                dedupe_key=key,
            )
        assert caught.value.inquiry_id == first.inquiry.inquiry_id
    assert repo.get(other.inquiry.inquiry_id) == other.inquiry


def test_a_number_with_a_fraction_in_event_data_round_trips_as_a_float(repo: Any) -> None:
    new = _new(repo)
    repo.append(
        new.inquiry.model_copy(update={"version": 2, "event_count": 3}),
        1,
        _events(new.inquiry, EventType.NOTE, first=3, score=4.5, confidence=[0.125, 1]),
    )
    data = repo.timeline(new.inquiry.inquiry_id).events[-1].data
    assert data == {"score": 4.5, "confidence": [0.125, 1]}  # stored as Decimal, read back as float / int
    assert type(data["score"]) is float and type(data["confidence"][1]) is int


# --- queues and lists --------------------------------------------------------------------------------
def test_R3_5_team_queue_next_deadline_first_urgent_first_on_a_tie_only_open_work(repo: Any) -> None:
    team, now = _uid("team-"), utc_now()
    due = now + timedelta(hours=1)
    later = _new(repo, team=team, next_deadline_at=now + timedelta(hours=2))
    normal = _new(repo, team=team, next_deadline_at=due)
    urgent = _new(repo, team=team, next_deadline_at=due, urgency=Urgency.URGENT)
    undated = _new(repo, team=team)
    _new(repo, team=team, status=Status.RESOLVED, next_deadline_at=now)
    _new(repo, team=_uid("other-"), next_deadline_at=now)
    ids = [i.inquiry_id for i in repo.team_queue(team)]
    assert ids == [x.inquiry.inquiry_id for x in (urgent, normal, later, undated)]
    assert [i.inquiry_id for i in repo.team_queue(team, limit=2)] == ids[:2]


def test_R3_1_overdue_is_open_work_whose_next_deadline_has_passed(repo: Any) -> None:
    team, now = _uid("team-"), utc_now()
    late = _new(repo, team=team, next_deadline_at=now - timedelta(minutes=5))
    _new(repo, team=team, next_deadline_at=now + timedelta(minutes=5))
    _new(repo, team=team)  # no deadline
    _new(repo, team=team, status=Status.CLOSED, next_deadline_at=now - timedelta(hours=1))
    assert [i.inquiry_id for i in repo.overdue(team, now)] == [late.inquiry.inquiry_id]
    later = _new(repo, team=team, next_deadline_at=now - timedelta(minutes=1))
    ids = [late.inquiry.inquiry_id, later.inquiry.inquiry_id]
    assert [i.inquiry_id for i in repo.overdue(team, now)] == ids  # longest overdue first
    assert [i.inquiry_id for i in repo.overdue(team, now, newest_first=True)] == ids[::-1]
    assert [i.inquiry_id for i in repo.overdue(team, now, limit=1, newest_first=True)] == ids[1:]


def test_R1_3_customer_inquiries_newest_first(repo: Any) -> None:
    now = utc_now()
    first = _new(repo, at=now - timedelta(days=3))
    customer = first.new_customer
    assert customer is not None
    second = NewInquiry(
        inquiry=(q := _inquiry(customer.customer_id, now, channel=Channel.SMS)),
        message=_message(q, now),
        events=_events(q, EventType.RECEIVED),
        dedupe_key=f"sms#{_uid('SM')}",
    )
    repo.create(second)
    found = repo.customer_inquiries(customer.customer_id)
    assert [i.inquiry_id for i in found] == [q.inquiry_id, first.inquiry.inquiry_id]
    assert [i.inquiry_id for i in repo.customer_inquiries(customer.customer_id, limit=1)] == [q.inquiry_id]


def test_recent_is_newest_first_since_the_given_time(repo: Any) -> None:
    now = utc_now()
    old = _new(repo, at=now - timedelta(days=2))
    yesterday = _new(repo, at=now - timedelta(hours=25))
    fresh = _new(repo, at=now - timedelta(seconds=1))
    ids = [i.inquiry_id for i in repo.recent(now - timedelta(days=1, hours=2), limit=500)]
    assert fresh.inquiry.inquiry_id in ids and yesterday.inquiry.inquiry_id in ids
    assert old.inquiry.inquiry_id not in ids
    assert ids.index(fresh.inquiry.inquiry_id) < ids.index(yesterday.inquiry.inquiry_id)


# --- undoing a link --------------------------------------------------------------------------------
def test_R1_3_relink_moves_the_identity_to_a_new_customer(repo: Any) -> None:
    first = _new(repo)
    old = first.new_customer
    assert old is not None
    identity = first.new_identities[0]
    new = Customer(customer_id=_uid("C"), identities=[identity], created_at=utc_now())
    remaining = old.model_copy(update={"identities": []})
    repo.relink_identity(identity, old=remaining, new=new)
    assert repo.customer_for(identity) == new.customer_id
    assert repo.get_customer(new.customer_id) == new
    assert repo.get_customer(old.customer_id) == remaining


def test_relink_from_a_customer_that_does_not_own_the_identity_is_refused(repo: Any) -> None:
    first = _new(repo)
    identity = first.new_identities[0]
    stranger = Customer(customer_id=_uid("C"))
    new = Customer(customer_id=_uid("C"), identities=[identity])
    with pytest.raises(ClientError) as caught:
        repo.relink_identity(identity, old=stranger, new=new)
    assert caught.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert repo.customer_for(identity) == first.inquiry.customer_id
    assert repo.get_customer(new.customer_id) is None


# --- the outbox --------------------------------------------------------------------------------------
def test_R5_1_mark_delivery_only_once_and_only_while_pending(repo: Any) -> None:
    new = _new(repo)
    at = utc_now()

    def stored_reply() -> Message:
        # by id, not position: message keys have millisecond resolution, so the reply made within
        # the inquiry's own millisecond sorts on its (random) id, before or after the first message
        [found] = [m for m in repo.timeline(new.inquiry.inquiry_id).messages if m.message_id == reply.message_id]
        return found

    reply = _message(new.inquiry, at, Direction.OUTBOUND, delivery_status="pending", metadata={"keep": "me"})
    repo.append(new.inquiry.model_copy(update={"version": 2}), 1, [], reply)
    retry = {"status": "pending", "attempts": 1, "error": "attempt 1 failed", "delivered_at": None}
    assert repo.mark_delivery(reply, **retry, details={"delivery_channel": "chat"}) is True
    stored = stored_reply()
    assert (stored.delivery_status, stored.delivery_attempts, stored.delivery_error) == ("pending", 1, retry["error"])
    assert stored.metadata == {"keep": "me", "delivery_channel": "chat"}
    sent_at = at + timedelta(seconds=3)
    done = {"status": "sent", "attempts": 2, "error": None, "delivered_at": sent_at}
    assert repo.mark_delivery(reply, **done, details={"provider_message_id": "p-1"}) is True
    stored = stored_reply()
    assert stored.delivery_status == "sent" and stored.delivery_error is None
    assert stored.delivered_at == sent_at and stored.delivery_attempts == 2
    assert stored.metadata == {"keep": "me", "provider_message_id": "p-1"}  # from the message given
    assert repo.mark_delivery(reply, **done, details={}) is False  # not pending any more
    ghost = _message(new.inquiry, at, Direction.OUTBOUND, delivery_status="pending")
    assert repo.mark_delivery(ghost, **done, details={}) is False  # no such message


def test_messages_sort_by_time_then_id_and_the_same_key_overwrites(repo: Any) -> None:
    new = _new(repo)
    base = new.inquiry.received_at
    later = _message(new.inquiry, base + timedelta(seconds=2))
    sooner = _message(new.inquiry, base + timedelta(seconds=1))
    repo.append(new.inquiry.model_copy(update={"version": 2}), 1, [], later)
    repo.append(new.inquiry.model_copy(update={"version": 3}), 2, [], sooner)
    edited = sooner.model_copy(update={"body": "edited"})
    repo.append(new.inquiry.model_copy(update={"version": 4}), 3, [], edited)
    bodies = [m.body for m in repo.timeline(new.inquiry.inquiry_id).messages]
    assert bodies == ["hello", "edited", "hello"]


def test_an_event_with_a_seq_already_used_overwrites_it(repo: Any) -> None:
    new = _new(repo)
    replaced = InquiryEvent(inquiry_id=new.inquiry.inquiry_id, seq=2, type=EventType.NOTE, at=utc_now())
    repo.append(new.inquiry.model_copy(update={"version": 2}), 1, [replaced])
    assert [(e.seq, e.type) for e in repo.timeline(new.inquiry.inquiry_id).events] == [
        (1, EventType.RECEIVED),
        (2, EventType.NOTE),
    ]


def _ms(at: datetime) -> datetime:
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def _lineage(repo: Any, content_ref: str) -> list[Any]:
    """Who received `content_ref`: the fake keeps it itself, on DynamoDB the loop store reads it."""
    if isinstance(repo, FakeInquiryRepository):
        return repo.lineage(content_ref)
    return DynamoLoopStore(boto3.client("dynamodb", region_name="us-east-1"), repo._table).lineage(content_ref)


def test_R6_2_an_outbound_message_with_content_leaves_its_lineage_in_the_same_write(repo: Any) -> None:
    ref = f"template:{_uid('t')}@1"
    first, second = _new(repo), _new(repo)
    at = first.inquiry.received_at + timedelta(minutes=1)
    later = _message(second.inquiry, at + timedelta(seconds=1), Direction.OUTBOUND, content_ref=ref)
    sooner = _message(first.inquiry, at, Direction.OUTBOUND, content_ref=ref)
    plain = _message(first.inquiry, at + timedelta(seconds=2), Direction.OUTBOUND)
    repo.append(second.inquiry.model_copy(update={"version": 2}), 1, [], later)
    repo.append(first.inquiry.model_copy(update={"version": 2}), 1, [], sooner)
    repo.append(first.inquiry.model_copy(update={"version": 3}), 2, [], plain)
    with pytest.raises(StaleInquiry):  # a refused write leaves no lineage either
        repo.append(first.inquiry, 1, [], _message(first.inquiry, at, Direction.OUTBOUND, content_ref=ref))
    found = [(e.inquiry_id, e.message_id, e.customer_id, e.at) for e in _lineage(repo, ref)]
    assert found == [  # by time; the instant to the millisecond, as the key holds it
        (first.inquiry.inquiry_id, sooner.message_id, first.inquiry.customer_id, _ms(sooner.at)),
        (second.inquiry.inquiry_id, later.message_id, second.inquiry.customer_id, _ms(later.at)),
    ]
