"""The deadline engine: meeting events, pauses, reclassification, reopen episodes, helpers."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from typing import Any

from inquiry_desk.deadlines import (
    InquiryFacts,
    SlaPolicy,
    compute_deadlines,
    next_deadline,
    parse_policy,
    pending_deadlines,
    shipped_policy_path,
)
from inquiry_desk.model import Channel, EventType, Inquiry, InquiryEvent, Urgency

from .conftest import SHANGHAI, T0, after, by_kind, facts

MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def ev(kind: str, at: datetime, **data: Any) -> dict[str, Any]:
    return {"type": kind, "at": at, "data": data}


def test_acknowledge_is_met_by_the_first_agent_reply(policy: SlaPolicy) -> None:
    ds = by_kind(policy, facts(channel="wechat", events=[ev("replied", T0 + 3 * MIN)]))
    assert ds["acknowledge"].met_at == T0 + 3 * MIN and ds["acknowledge"].met_by == "replied"
    assert ds["first_reply"].met_at == T0 + 3 * MIN
    assert ds["detailed_reply"].met_at is None  # a plain reply is not the detailed answer
    assert not ds["acknowledge"].breached


def test_acknowledged_event_meets_acknowledge_but_not_first_reply(policy: SlaPolicy) -> None:
    ds = by_kind(policy, facts(channel="chat", events=[ev("acknowledged", T0 + timedelta(seconds=40))]))
    assert ds["acknowledge"].met_by == "acknowledged" and ds["acknowledge"].breached  # 40 s > 30 s
    assert ds["first_reply"].met_at is None


def test_detailed_and_progress_flags_on_a_reply(policy: SlaPolicy) -> None:
    f = facts(
        category="usage_help",
        events=[ev("replied", T0 + HOUR, detailed=True), ev("replied", T0 + 2 * HOUR, progress=True)],
    )
    ds = by_kind(policy, f)
    assert ds["detailed_reply"].met_at == T0 + HOUR
    assert ds["progress_notice"].met_at == T0 + 2 * HOUR


def test_resolved_ends_every_open_deadline_of_the_episode(policy: SlaPolicy) -> None:
    ds = by_kind(policy, facts(category="usage_help", events=[ev("resolved", T0 + 20 * MIN)]))
    assert all(d.met_at == T0 + 20 * MIN for d in ds.values())
    assert pending_deadlines(policy, facts(events=[ev("resolved", T0 + MIN)])) == []


def test_waiting_on_customer_pauses_resolve_and_progress_only(policy: SlaPolicy) -> None:
    base = by_kind(policy, facts(category="fault_report", urgency="urgent"))
    paused = by_kind(
        policy,
        facts(
            category="fault_report",
            urgency="urgent",
            events=[ev("waiting_on_customer", T0 + HOUR), ev("customer_replied", T0 + 3 * HOUR)],
        ),
    )
    assert paused["resolve"].due == base["resolve"].due + 2 * HOUR
    assert paused["progress_notice"].due == base["progress_notice"].due + 2 * HOUR
    assert paused["detailed_reply"].due == base["detailed_reply"].due  # not paused
    assert "1 wait(s) on the customer added 2 h" in paused["resolve"].why


def test_a_pause_after_the_deadline_passed_does_not_move_it(policy: SlaPolicy) -> None:
    f = facts(
        category="fault_report",
        events=[ev("waiting_on_customer", T0 + 5 * HOUR), ev("customer_replied", T0 + 9 * HOUR)],
    )
    assert after(by_kind(policy, f)["resolve"]) == 4 * HOUR


def test_an_open_pause_is_not_pending(policy: SlaPolicy) -> None:
    f = facts(category="fault_report", events=[ev("replied", T0 + MIN), ev("waiting_on_customer", T0 + HOUR)])
    ds = by_kind(policy, f)
    assert ds["resolve"].paused_since == T0 + HOUR
    assert ds["resolve"].due == T0 + 4 * HOUR  # what it would be if the customer answered at once
    assert "resolve" not in {d.kind for d in pending_deadlines(policy, f)}


def _business_policy() -> SlaPolicy:
    doc = json.loads(shipped_policy_path().read_text(encoding="utf-8"))
    doc = copy.deepcopy(doc)
    doc["rules"].insert(
        0,
        {
            "id": "biz-resolve",
            "match": {"category": "usage_help"},
            "targets": {"resolve": {"hours": 8, "clock": "business", "calendar": "cn_office"}},
        },
    )
    return parse_policy(doc, "test-policy")


def test_pauses_on_a_business_clock_count_business_time_only() -> None:
    policy = _business_policy()
    monday = datetime(2026, 3, 9, 9, 0, tzinfo=SHANGHAI)
    base = by_kind(policy, facts(category="usage_help", received_at=monday))["resolve"]
    assert base.due == datetime(2026, 3, 10, 9, 30, tzinfo=SHANGHAI)  # 7.5 h Monday + 0.5 h Tuesday
    # Waiting from Monday 17:00 to Tuesday 10:00: 1 h business Monday + 1 h Tuesday = 2 h added.
    paused = by_kind(
        policy,
        facts(
            category="usage_help",
            received_at=monday,
            events=[
                ev("waiting_on_customer", datetime(2026, 3, 9, 17, 0, tzinfo=SHANGHAI)),
                ev("customer_replied", datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)),
            ],
        ),
    )["resolve"]
    assert paused.due == datetime(2026, 3, 10, 11, 30, tzinfo=SHANGHAI)
    assert "added 2 h" in paused.why and "business clock" in paused.why


def test_raising_urgency_recomputes_from_the_original_receipt(policy: SlaPolicy) -> None:
    f = facts(
        channel="chat",
        category="usage_help",
        events=[ev("reclassified", T0 + 3 * MIN, urgency="urgent", category="fault_report")],
    )
    ds = by_kind(policy, f)
    assert ds["first_reply"].due == T0 + 5 * MIN and ds["first_reply"].rule == "R2.4-urgent"
    assert ds["resolve"].due == T0 + 4 * HOUR and ds["resolve"].rule == "R2.3-urgent-important"
    assert "reclassified at" in ds["resolve"].why and "urgency=urgent" in ds["resolve"].why
    assert ds["identify"].met_by == "reclassified"


def test_reopen_starts_a_new_episode_from_the_reopen_instant(policy: SlaPolicy) -> None:
    reopened = T0 + 2 * 24 * HOUR
    f = facts(
        category="usage_help",
        events=[
            ev("replied", T0 + 2 * MIN),
            ev("resolved", T0 + HOUR),
            ev("reopened", reopened),
        ],
    )
    all_ds = compute_deadlines(policy, f)
    assert {d.episode for d in all_ds} == {1, 2}
    first = {d.kind: d for d in all_ds if d.episode == 1}
    second = {d.kind: d for d in all_ds if d.episode == 2}
    assert first["resolve"].met_at == T0 + HOUR
    assert second["resolve"].due == reopened + 48 * HOUR  # a fresh clock, not an instant breach
    assert second["first_reply"].met_at is None and second["first_reply"].due == reopened + 15 * MIN
    assert "from reopen at" in second["resolve"].why
    pending = pending_deadlines(policy, f)
    assert pending and all(d.episode == 2 for d in pending)
    assert all(d.due > reopened for d in pending)


def test_contact_after_assign_runs_from_the_latest_assignment(policy: SlaPolicy) -> None:
    f = facts(events=[ev("assigned", T0 + MIN), ev("replied", T0 + 4 * MIN), ev("assigned", T0 + HOUR)])
    d = by_kind(policy, f)["contact_after_assign"]
    assert d.start == T0 + HOUR and d.due == T0 + HOUR + 10 * MIN and d.met_at is None
    assert "contact_after_assign" not in by_kind(policy, facts())  # never assigned: no deadline


def test_next_deadline_is_the_earliest_pending_one(policy: SlaPolicy) -> None:
    f = facts(channel="chat", category="pre_sales", events=[ev("acknowledged", T0 + 10 * timedelta(seconds=1))])
    nxt = next_deadline(policy, f)
    assert nxt is not None and nxt.kind == "identify" and nxt.due == T0 + MIN
    pend = pending_deadlines(policy, f)
    assert [d.due for d in pend] == sorted(d.due for d in pend)
    assert "acknowledge" not in {d.kind for d in pend}


def test_warn_at_is_before_due_and_on_the_targets_clock(policy: SlaPolicy) -> None:
    ds = by_kind(policy, facts(channel="chat", category="fault_report", urgency="urgent"))
    assert ds["resolve"].warn_at == ds["resolve"].due - HOUR  # resolve warns 1 h before
    assert ds["acknowledge"].warn_at == T0 + timedelta(seconds=15)  # half of 30 s
    email = by_kind(policy, facts(channel="email"))["acknowledge"]  # 4 business hours from 10:00
    # acknowledge warns at half the target: 2 business hours after 10:00 is the 12:00 closing instant
    assert email.warn_at == datetime(2026, 3, 10, 12, 0, tzinfo=SHANGHAI)


def test_due_instants_are_utc(policy: SlaPolicy) -> None:
    for d in compute_deadlines(policy, facts(channel="email")):
        assert d.due.utcoffset() == timedelta(0)


def test_facts_from_a_stored_inquiry(policy: SlaPolicy) -> None:
    inquiry = Inquiry(
        inquiry_id="i-1",
        customer_id="c-1",
        channel=Channel.EMAIL,
        received_at=T0,
        description="退货",
        urgency=Urgency.NORMAL,
        category="after_sales_return",
        team="aftersales",
    )
    events = [
        InquiryEvent(inquiry_id="i-1", seq=1, type=EventType.RECEIVED, at=T0),
        InquiryEvent(inquiry_id="i-1", seq=2, type=EventType.CLASSIFIED, at=T0, data={"category": "x"}),
        InquiryEvent(inquiry_id="i-1", seq=3, type=EventType.ACKNOWLEDGED, at=T0 + MIN),
    ]
    f = InquiryFacts.from_inquiry(inquiry, events)
    ds = by_kind(policy, f)
    assert ds["resolve"].rule == "R4.2-after-sales-return"  # the record's category, not the event's
    assert ds["acknowledge"].met_at == T0 + MIN
    assert ds["identify"].met_at == T0
