"""Intake on fakes: a message opens an inquiry or joins one, is recorded exactly once (R1.2), and
is linked to its customer across channels without ever merging two customers silently (R1.3)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from inquiry_desk.inquiries.lifecycle import Action
from inquiry_desk.model import Channel, Direction, EventType, Identity, Status, Urgency
from inquiry_desk.ports import IdentityTaken, NewInquiry, StaleInquiry

from tests.fakes import T0, Desk, FakeInquiryRepository
from tests.fakes.inbound import inbound

PHONE = "+8613800138000"


def _events(desk: Desk, inquiry_id: str) -> list[EventType]:
    timeline = desk.repository.timeline(inquiry_id)
    assert timeline is not None
    return [e.type for e in timeline.events]


def test_R1_2_a_first_message_opens_a_classified_routed_inquiry_with_a_deadline(desk: Desk) -> None:
    message = inbound(Channel.CHAT, "web-42", "我要退货 I want to return this", T0, name="Li Lei", order_number="SO-1")
    result = desk.intake().receive(message)
    assert result.created and not result.duplicate
    timeline = desk.repository.timeline(result.inquiry_id)
    assert timeline is not None
    inquiry = timeline.inquiry
    assert (inquiry.channel, inquiry.received_at, inquiry.status) == (Channel.CHAT, T0, Status.NEW)
    assert (inquiry.customer_name, inquiry.order_number) == ("Li Lei", "SO-1")
    assert (inquiry.category, inquiry.team, inquiry.urgency) == ("after_sales_return", "aftersales", Urgency.NORMAL)
    assert inquiry.policy_version == desk.policy.version
    assert inquiry.next_deadline_at == T0 + timedelta(seconds=30)  # chat: acknowledged within 30 s (R2.1)
    assert [e.type for e in timeline.events] == [EventType.RECEIVED, EventType.CLASSIFIED, EventType.ASSIGNED]
    assert timeline.events[1].data["matched"] == ["退货", "return"]
    [stored] = timeline.messages
    assert (stored.direction, stored.channel_message_id, stored.sender) == (
        Direction.INBOUND,
        message.channel_message_id,
        message.sender,
    )
    customer = desk.repository.get_customer(result.customer_id)
    assert customer is not None and customer.identities == [message.sender]
    assert desk.repository.customer_for(message.sender) == result.customer_id


def test_R1_2_a_redelivered_message_changes_nothing_and_answers_the_same_inquiry(desk: Desk) -> None:
    message = inbound(Channel.WECHAT, "oXyz", "物流到哪里了", T0)
    first = desk.intake().receive(message)
    writes = desk.repository.writes
    again = desk.intake().receive(message.model_copy(update={"received_at": T0 + timedelta(hours=3)}))
    assert again.duplicate and not again.created
    assert (again.inquiry_id, again.customer_id) == (first.inquiry_id, first.customer_id)
    assert desk.repository.writes == writes
    assert len(desk.repository.customer_inquiries(first.customer_id)) == 1


def test_R1_2_a_redelivered_follow_up_is_recognised_on_the_join_path_too(desk: Desk) -> None:
    intake = desk.intake()
    first = intake.receive(inbound(Channel.SMS, PHONE, "where is my parcel", T0))
    follow_up = inbound(Channel.SMS, PHONE, "order SO-9", T0 + timedelta(minutes=2))
    joined = intake.receive(follow_up)
    assert (joined.inquiry_id, joined.created, joined.duplicate) == (first.inquiry_id, False, False)
    writes = desk.repository.writes
    again = intake.receive(follow_up)  # DuplicateMessage from append()
    assert (again.inquiry_id, again.duplicate) == (first.inquiry_id, True)
    assert desk.repository.writes == writes
    timeline = desk.repository.timeline(first.inquiry_id)
    assert timeline is not None and len(timeline.messages) == 2


def test_a_follow_up_within_the_join_window_joins_the_open_inquiry(desk: Desk) -> None:
    intake = desk.intake()
    first = intake.receive(inbound(Channel.CHAT, "web-1", "my order is late", T0))
    joined = intake.receive(inbound(Channel.CHAT, "web-1", "and the invoice is wrong", T0 + timedelta(minutes=29)))
    assert joined.inquiry_id == first.inquiry_id and not joined.created
    timeline = desk.repository.timeline(first.inquiry_id)
    assert timeline is not None
    assert [e.type for e in timeline.events][-2:] == [EventType.CUSTOMER_REPLIED, EventType.MESSAGE_ADDED]
    assert timeline.events[-1].data["joined_by"] == "join_window"
    assert timeline.inquiry.version == 2 and timeline.inquiry.event_count == 5
    assert [m.body for m in timeline.messages] == ["my order is late", "and the invoice is wrong"]


def test_a_message_after_the_join_window_opens_a_new_inquiry_for_the_same_customer(desk: Desk) -> None:
    intake = desk.intake()
    first = intake.receive(inbound(Channel.CHAT, "web-1", "my order is late", T0))
    # the window counts from when the customer was last heard (updated_at), not from the opening
    intake.receive(inbound(Channel.CHAT, "web-1", "hello?", T0 + timedelta(minutes=20)))
    still = intake.receive(inbound(Channel.CHAT, "web-1", "anyone?", T0 + timedelta(minutes=45)))
    assert still.inquiry_id == first.inquiry_id
    later = intake.receive(inbound(Channel.CHAT, "web-1", "another question", T0 + timedelta(minutes=76)))
    assert later.created and later.inquiry_id != first.inquiry_id
    assert later.customer_id == first.customer_id


def test_a_closed_inquiry_is_never_joined(desk: Desk) -> None:
    intake = desk.intake()
    first = intake.receive(inbound(Channel.CHAT, "web-1", "my order is late", T0))
    desk.inquiries().act(first.inquiry_id, Action.RESOLVE, "agent", T0, result="shipped")
    desk.inquiries().act(first.inquiry_id, Action.CLOSE, "agent", T0, satisfaction=5)
    again = intake.receive(inbound(Channel.CHAT, "web-1", "thanks!", T0 + timedelta(minutes=1)))
    assert again.created and again.inquiry_id != first.inquiry_id


def test_a_reply_to_a_resolved_inquiry_by_its_subject_token_reopens_it(desk: Desk) -> None:
    intake = desk.intake()
    first = intake.receive(inbound(Channel.EMAIL, "li@example.com", "broken screen", T0, subject="Repair"))
    desk.inquiries().act(first.inquiry_id, Action.RESOLVE, "agent", T0, result="sent a new one")
    reply = inbound(
        Channel.EMAIL,
        "li@example.com",
        "still broken",
        T0 + timedelta(days=2),
        metadata={"thread_token": f"INQ-{first.inquiry_id}"},
    )
    result = intake.receive(reply)
    assert result.inquiry_id == first.inquiry_id and not result.created
    inquiry = desk.repository.get(first.inquiry_id)
    assert inquiry is not None
    assert (inquiry.status, inquiry.episode, inquiry.result) == (Status.IN_PROGRESS, 2, None)
    assert _events(desk, first.inquiry_id)[-3:] == [
        EventType.REOPENED,
        EventType.CUSTOMER_REPLIED,
        EventType.MESSAGE_ADDED,
    ]


def test_an_email_quoting_a_recorded_message_id_joins_its_inquiry(desk: Desk) -> None:
    intake = desk.intake()
    first = intake.receive(inbound(Channel.EMAIL, "li@example.com", "hi", T0, message_id="<a1@example.com>"))
    later = inbound(
        Channel.EMAIL, "li@example.com", "re: hi", T0 + timedelta(days=1), thread_keys=("<a1@example.com>",)
    )
    assert intake.receive(later).inquiry_id == first.inquiry_id
    timeline = desk.repository.timeline(first.inquiry_id)
    assert timeline is not None and timeline.events[-1].data["joined_by"] == "thread"


def test_R1_3_the_same_phone_on_sms_and_whatsapp_is_one_customer(desk: Desk) -> None:
    intake = desk.intake()
    sms = intake.receive(inbound(Channel.SMS, PHONE, "where is my parcel", T0))
    whatsapp = intake.receive(inbound(Channel.WHATSAPP, PHONE, "the invoice is wrong", T0 + timedelta(days=3)))
    assert whatsapp.customer_id == sms.customer_id and whatsapp.inquiry_id != sms.inquiry_id
    assert {i.channel for i in desk.repository.customer_inquiries(sms.customer_id)} == {Channel.SMS, Channel.WHATSAPP}


def test_R1_3_a_new_identity_is_linked_to_the_known_customer_and_the_link_explained(desk: Desk) -> None:
    intake = desk.intake()
    member = Identity(kind="member", value="VIP-7")
    first = intake.receive(inbound(Channel.CHAT, "web-1", "hello", T0, also=(member,)))
    # the member signs in on the app: a new chat customer id, the same member id
    second = intake.receive(inbound(Channel.CHAT, "app-9", "where is my order", T0 + timedelta(days=3), also=(member,)))
    assert second.customer_id == first.customer_id and second.created
    app_user = Identity(kind="chat_customer", value="app-9")
    assert desk.repository.customer_for(app_user) == first.customer_id
    timeline = desk.repository.timeline(second.inquiry_id)
    assert timeline is not None
    why = timeline.events[1].data
    assert why["linked_identities"] == [app_user.key] and why["linked_because"] == member.key


def test_R1_3_identities_of_two_customers_are_flagged_never_merged(desk: Desk) -> None:
    intake = desk.intake()
    member = Identity(kind="member", value="VIP-7")
    chat = intake.receive(inbound(Channel.CHAT, "web-1", "hi", T0))
    by_member = intake.receive(inbound(Channel.CHAT, "web-2", "hi", T0, also=(member,)))
    assert chat.customer_id != by_member.customer_id
    both = intake.receive(inbound(Channel.CHAT, "web-1", "order?", T0 + timedelta(days=1), also=(member,)))
    assert both.customer_id == chat.customer_id  # the sender's own link wins
    assert desk.repository.customer_for(member) == by_member.customer_id  # nothing moved
    timeline = desk.repository.timeline(both.inquiry_id)
    assert timeline is not None
    assert timeline.events[1].data["possible_same_customer_as"] == [by_member.customer_id]


def test_R1_3_an_email_that_failed_dmarc_is_recorded_but_never_linked(desk: Desk) -> None:
    """A forged From must neither join the address owner's history nor claim the address: before
    the fix it was linked to a new customer (IdentityTaken on every retry when the address was
    known, so the message was lost; the address stolen when it was not)."""
    intake = desk.intake(join_window=timedelta(0))
    address = Identity(kind="email", value="li@example.com")
    forged_first = intake.receive(inbound(Channel.EMAIL, address.value, "refund to me", T0, metadata={"dmarc": "fail"}))
    assert forged_first.created and desk.repository.customer_for(address) is None
    real = intake.receive(inbound(Channel.EMAIL, address.value, "hi", T0 + timedelta(hours=1)))
    assert real.customer_id != forged_first.customer_id
    assert desk.repository.customer_for(address) == real.customer_id
    forged = intake.receive(
        inbound(Channel.EMAIL, address.value, "refund to me", T0 + timedelta(days=1), metadata={"dmarc": "fail"})
    )
    assert forged.created and forged.customer_id not in (real.customer_id, forged_first.customer_id)
    assert desk.repository.customer_for(address) == real.customer_id


class _RaceForTheCustomer(FakeInquiryRepository):
    """Before the first create, a concurrent request from the same sender opens its inquiry."""

    def __init__(self, desk: Desk, concurrent: Any) -> None:
        super().__init__()
        self._desk, self._concurrent = desk, concurrent
        self.raced = False

    def create(self, new: NewInquiry) -> None:
        if not self.raced:
            self.raced = True
            self.concurrent_result = self._desk.intake().receive(self._concurrent)
        super().create(new)


def test_R1_3_identity_taken_by_a_concurrent_message_is_resolved_by_retrying(desk: Desk) -> None:
    concurrent = inbound(Channel.SMS, PHONE, "where is my parcel", T0)
    desk.repository = race = _RaceForTheCustomer(desk, concurrent)
    result = desk.intake().receive(inbound(Channel.SMS, PHONE, "order SO-9", T0 + timedelta(seconds=1)))
    assert race.raced
    assert result.customer_id == race.concurrent_result.customer_id  # one customer, not two
    assert result.inquiry_id == race.concurrent_result.inquiry_id  # joined within the window
    timeline = race.timeline(result.inquiry_id)
    assert timeline is not None and len(timeline.messages) == 2


class _AlwaysTaken(FakeInquiryRepository):
    def create(self, new: NewInquiry) -> None:
        raise IdentityTaken("always")


def test_intake_gives_up_after_three_conflicting_attempts(desk: Desk) -> None:
    desk.repository = _AlwaysTaken()
    with pytest.raises(StaleInquiry):
        desk.intake().receive(inbound(Channel.SMS, PHONE, "hi", T0))


def test_no_join_window_means_every_new_message_opens_its_own_inquiry(desk: Desk) -> None:
    intake = desk.intake(join_window=timedelta(0))
    first = intake.receive(inbound(Channel.CHAT, "web-1", "a", T0))
    second = intake.receive(inbound(Channel.CHAT, "web-1", "b", T0 + timedelta(seconds=5)))
    assert second.created and second.inquiry_id != first.inquiry_id
    assert second.customer_id == first.customer_id


class _AgentActsMeanwhile(FakeInquiryRepository):
    """The first append (the join) loses against an agent acknowledging the inquiry."""

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self._desk = desk
        self.lost = 0

    def append(
        self, inquiry: Any, expected_version: int, events: Any, message: Any = None, dedupe_key: Any = None
    ) -> None:
        if dedupe_key is not None and not self.lost:
            self.lost += 1
            self._desk.inquiries().act(inquiry.inquiry_id, Action.ACKNOWLEDGE, "agent-7", T0 + timedelta(seconds=5))
        super().append(inquiry, expected_version, events, message, dedupe_key)


def test_a_join_that_loses_to_a_concurrent_change_is_re_read_and_keeps_both(desk: Desk) -> None:
    desk.repository = race = _AgentActsMeanwhile(desk)
    intake = desk.intake()
    first = intake.receive(inbound(Channel.CHAT, "web-1", "my order is late", T0))
    joined = intake.receive(inbound(Channel.CHAT, "web-1", "any news?", T0 + timedelta(minutes=1)))
    assert race.lost == 1 and joined.inquiry_id == first.inquiry_id
    timeline = race.timeline(first.inquiry_id)
    assert timeline is not None
    assert timeline.inquiry.status is Status.ACKNOWLEDGED and timeline.inquiry.owner == "agent-7"
    assert [e.seq for e in timeline.events] == list(range(1, 7))  # no sequence number lost or reused
    assert EventType.ACKNOWLEDGED in [e.type for e in timeline.events]
    assert len(timeline.messages) == 2
