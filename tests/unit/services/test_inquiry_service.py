"""InquiryService on fakes: every agent action through the lifecycle, the outbox message of a
reply on the customer's own channel (R5.1), the next deadline kept current (R2), system events,
and the read-decide-write loop when another writer got there first."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from inquiry_desk.errors import InvalidTransition, NotFound, PayloadError
from inquiry_desk.inquiries.lifecycle import Action
from inquiry_desk.inquiries.service import CHANGE_ATTEMPTS, InquiryService
from inquiry_desk.model import Channel, Direction, EventType, Status, Urgency
from inquiry_desk.ports import StaleInquiry

from tests.fakes import T0, Desk, FakeInquiryRepository
from tests.fakes.inbound import inbound


def _open(desk: Desk, channel: Channel = Channel.WECHAT, text: str = "我要退货 return") -> str:
    return desk.intake().receive(inbound(channel, "oXyz", text, T0)).inquiry_id


def test_R5_2_every_action_through_the_lifecycle_to_the_closed_loop(desk: Desk) -> None:
    service, inquiry_id = desk.inquiries(), _open(desk)
    at = T0 + timedelta(minutes=1)

    acked = service.act(inquiry_id, Action.ACKNOWLEDGE, "agent-7", at)
    assert (acked.status, acked.owner, acked.version) == (Status.ACKNOWLEDGED, "agent-7", 2)
    assigned = service.act(inquiry_id, Action.ASSIGN, "lead", at, owner="agent-9", team="complaints")
    assert (assigned.owner, assigned.team) == ("agent-9", "complaints")
    assert service.act(inquiry_id, Action.START, "agent-9", at).status is Status.IN_PROGRESS
    reclassified = service.act(inquiry_id, Action.RECLASSIFY, "agent-9", at, urgency="urgent", category="complaint")
    assert (reclassified.urgency, reclassified.category) == (Urgency.URGENT, "complaint")
    replied = service.act(inquiry_id, Action.REPLY, "agent-9", at, text="已安排退货 return arranged")
    assert replied.first_response_at == at
    assert service.act(inquiry_id, Action.WAIT_ON_CUSTOMER, "agent-9", at).status is Status.WAITING_ON_CUSTOMER
    assert service.act(inquiry_id, Action.CUSTOMER_REPLIED, "system", at).status is Status.IN_PROGRESS
    service.act(inquiry_id, Action.NOTE, "agent-9", at, text="courier booked")
    resolved = service.act(inquiry_id, Action.RESOLVE, "agent-9", at, result="refunded")
    assert (resolved.status, resolved.result, resolved.next_deadline_at) == (Status.RESOLVED, "refunded", None)
    closed = service.act(inquiry_id, Action.CLOSE, "agent-9", at + timedelta(hours=1), satisfaction=5)
    assert (closed.status, closed.satisfaction, closed.archived_at) == (Status.CLOSED, 5, at + timedelta(hours=1))
    reopened = service.act(inquiry_id, Action.REOPEN, "supervisor", at + timedelta(days=1), reason="not refunded")
    assert (reopened.status, reopened.episode, reopened.result) == (Status.IN_PROGRESS, 2, None)
    assert reopened.next_deadline_at is not None  # a new episode: new deadlines

    timeline = desk.repository.timeline(inquiry_id)
    assert timeline is not None
    assert timeline.inquiry == reopened  # what act() returned is what was stored
    assert [e.type for e in timeline.events][3:] == [
        EventType.ACKNOWLEDGED,
        EventType.ASSIGNED,
        EventType.STATUS_CHANGED,
        EventType.CLASSIFIED,
        EventType.REPLIED,
        EventType.WAITING_ON_CUSTOMER,
        EventType.CUSTOMER_REPLIED,
        EventType.NOTE,
        EventType.RESOLVED,
        EventType.CLOSED,
        EventType.REOPENED,
    ]
    assert [e.seq for e in timeline.events] == list(range(1, 15))


def test_R2_acknowledging_moves_the_next_deadline_on(desk: Desk) -> None:
    service, inquiry_id = desk.inquiries(), _open(desk, Channel.CHAT)
    before = desk.repository.get(inquiry_id)
    assert before is not None and before.next_deadline_at == T0 + timedelta(seconds=30)
    after = service.act(inquiry_id, Action.ACKNOWLEDGE, "agent-7", T0 + timedelta(seconds=10))
    assert after.next_deadline_at is not None and after.next_deadline_at > before.next_deadline_at
    assert desk.repository.team_queue("aftersales")[0].next_deadline_at == after.next_deadline_at


@pytest.mark.parametrize("channel", [Channel.WECHAT, Channel.EMAIL, Channel.SMS])
def test_R5_1_a_reply_is_stored_pending_on_the_customers_own_channel(desk: Desk, channel: Channel) -> None:
    sender = {"wechat": "oXyz", "email": "li@example.com", "sms": "+8613800138000"}[channel.value]
    inquiry_id = desk.intake().receive(inbound(channel, sender, "hello", T0)).inquiry_id
    desk.inquiries().act(inquiry_id, Action.REPLY, "agent-7", T0 + timedelta(minutes=3), text="  on its way  ")
    timeline = desk.repository.timeline(inquiry_id)
    assert timeline is not None
    reply = timeline.messages[-1]
    assert (reply.direction, reply.channel, reply.body) == (Direction.OUTBOUND, channel, "on its way")
    assert (reply.delivery_status, reply.author) == ("pending", "agent-7")
    assert timeline.events[-1].type is EventType.REPLIED
    assert timeline.events[-1].data["message_id"] == reply.message_id


def test_an_empty_reply_and_a_forbidden_transition_write_nothing(desk: Desk) -> None:
    service, inquiry_id = desk.inquiries(), _open(desk)
    writes = desk.repository.writes
    with pytest.raises(PayloadError):
        service.act(inquiry_id, Action.REPLY, "agent-7", T0, text="   ")
    with pytest.raises(InvalidTransition):
        service.act(inquiry_id, Action.CLOSE, "agent-7", T0)  # not resolved yet
    with pytest.raises(InvalidTransition):
        service.act(inquiry_id, Action.RESOLVE, "agent-7", T0)  # a resolution needs its result
    with pytest.raises(NotFound):
        service.act("QNOPE", Action.ACKNOWLEDGE, "agent-7", T0)
    assert desk.repository.writes == writes


def test_record_appends_a_system_event_and_applies_changes(desk: Desk) -> None:
    inquiry_id = _open(desk)
    at = T0 + timedelta(hours=1)
    changed = desk.inquiries().record(
        inquiry_id, at, "sla", EventType.ESCALATED, {"step": 2}, changes={"owner": "supervisors:aftersales"}
    )
    assert (changed.owner, changed.updated_at, changed.version) == ("supervisors:aftersales", at, 2)
    timeline = desk.repository.timeline(inquiry_id)
    assert timeline is not None
    assert (timeline.events[-1].type, timeline.events[-1].actor, timeline.events[-1].data) == (
        EventType.ESCALATED,
        "sla",
        {"step": 2},
    )


def test_R2_6_notify_customer_stores_the_notice_in_the_outbox_with_its_event(desk: Desk) -> None:
    inquiry_id = _open(desk)
    desk.inquiries().notify_customer(
        inquiry_id,
        "We are on it",
        T0 + timedelta(minutes=1),
        "sla",
        EventType.PROGRESS_NOTIFIED,
        {"kind": "progress_notice"},
    )
    timeline = desk.repository.timeline(inquiry_id)
    assert timeline is not None
    notice = timeline.messages[-1]
    assert (notice.channel, notice.delivery_status, notice.body) == (Channel.WECHAT, "pending", "We are on it")
    assert timeline.events[-1].data == {"kind": "progress_notice", "message_id": notice.message_id}


class _Contended(FakeInquiryRepository):
    """The first `losses` appends find the inquiry changed by someone else (a system event)."""

    def __init__(self, losses: int) -> None:
        super().__init__()
        self.losses = losses
        self.attempts = 0

    def append(
        self, inquiry: Any, expected_version: int, events: Any, message: Any = None, dedupe_key: Any = None
    ) -> None:
        self.attempts += 1
        if self.losses and events and events[0].actor != "meanwhile":
            self.losses -= 1
            InquiryService(self).record(inquiry.inquiry_id, T0, "meanwhile", EventType.NOTE, {"text": "x"})
        super().append(inquiry, expected_version, events, message, dedupe_key)


def test_a_stale_change_is_re_read_and_re_decided(desk: Desk) -> None:
    desk.repository = _Contended(losses=1)
    inquiry_id = _open(desk)
    acked = desk.inquiries().act(inquiry_id, Action.ACKNOWLEDGE, "agent-7", T0 + timedelta(minutes=1))
    timeline = desk.repository.timeline(inquiry_id)
    assert timeline is not None
    assert timeline.inquiry == acked and acked.version == 3  # decided again on the newer version
    assert [(e.seq, e.type) for e in timeline.events][-2:] == [(4, EventType.NOTE), (5, EventType.ACKNOWLEDGED)]


def test_a_change_that_keeps_losing_gives_up_with_stale_inquiry(desk: Desk) -> None:
    repo = _Contended(losses=0)
    desk.repository = repo
    inquiry_id = _open(desk)
    repo.losses = CHANGE_ATTEMPTS
    with pytest.raises(StaleInquiry):
        desk.inquiries().act(inquiry_id, Action.ACKNOWLEDGE, "agent-7", T0)
    timeline = repo.timeline(inquiry_id)
    assert timeline is not None and timeline.inquiry.status is Status.NEW  # the agent's change did not land
    # between attempts it backed off, longer each time (jittered: at most 0.05 s x 2^attempt)
    assert len(desk.pauses) == CHANGE_ATTEMPTS - 1
    assert all(0 <= p <= 0.05 * 2 ** (n + 1) for n, p in enumerate(desk.pauses))


def test_a_change_that_loses_a_few_races_still_lands(desk: Desk) -> None:
    """A timer's record and the dispatcher's delivery status on the same inquiry (CI, under load)."""
    repo = _Contended(losses=0)
    desk.repository = repo
    inquiry_id = _open(desk)
    repo.losses = CHANGE_ATTEMPTS - 1
    acked = desk.inquiries().act(inquiry_id, Action.ACKNOWLEDGE, "agent-7", T0)
    assert acked.status is Status.ACKNOWLEDGED


class _Racing(FakeInquiryRepository):
    """Another delivery of the same timer records the same breach between our read and our write."""

    def __init__(self) -> None:
        super().__init__()
        self.raced = False

    def append(
        self, inquiry: Any, expected_version: int, events: Any, message: Any = None, dedupe_key: Any = None
    ) -> None:
        if not self.raced and events and events[0].type is EventType.DEADLINE_BREACHED:
            self.raced = True
            assert InquiryService(self).record_once(inquiry.inquiry_id, T0, "other", EventType.DEADLINE_BREACHED, _MARK)
        super().append(inquiry, expected_version, events, message, dedupe_key)


_MARK = {"kind": "acknowledge", "episode": 1, "due": "2026-03-02T02:00:30+00:00"}


def test_R3_1_a_breach_two_timer_deliveries_race_to_record_is_recorded_once(desk: Desk) -> None:
    repo = _Racing()
    desk.repository = repo
    inquiry_id = _open(desk)
    # the other delivery wins; ours decides again on the inquiry as it is now and records nothing
    assert desk.inquiries().record_once(inquiry_id, T0, "sla", EventType.DEADLINE_BREACHED, _MARK) is False
    assert desk.inquiries().record_once(inquiry_id, T0, "sla", EventType.DEADLINE_BREACHED, _MARK) is False
    timeline = repo.timeline(inquiry_id)
    assert timeline is not None
    assert [e.actor for e in timeline.events if e.type is EventType.DEADLINE_BREACHED] == ["other"]
    # another episode of the same deadline is another breach
    assert desk.inquiries().record_once(inquiry_id, T0, "sla", EventType.DEADLINE_BREACHED, {**_MARK, "episode": 2})


def test_R2_6_a_progress_notice_two_deliveries_race_to_send_reaches_the_customer_once(desk: Desk) -> None:
    inquiry_id = _open(desk)
    mark = {"kind": "progress_notice", "episode": 1}
    service = desk.inquiries()
    for _ in range(2):
        service.notify_customer(inquiry_id, "还在处理", T0, "sla", EventType.PROGRESS_NOTIFIED, mark, once=True)
    timeline = desk.repository.timeline(inquiry_id)
    assert timeline is not None
    assert len([m for m in timeline.messages if m.direction is Direction.OUTBOUND]) == 1
