"""R1.4: an agent's reclassification records from/to and is exported as training data."""

from __future__ import annotations

from datetime import UTC, datetime

from inquiry_desk.inquiries import lifecycle
from inquiry_desk.model import Channel, EventType, Inquiry, InquiryEvent, Urgency
from inquiry_desk.ports import Timeline
from inquiry_desk.triage.overrides import corrections

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def test_R1_4_override_is_recorded_with_from_and_to_and_exported() -> None:
    inquiry = Inquiry(
        inquiry_id="Q1",
        customer_id="C1",
        channel=Channel.CHAT,
        received_at=T0,
        description="耳机充电的时候有点烫，正常吗",
        category="usage_help",
        team="support",
        language="zh",
        event_count=1,
    )
    automatic = InquiryEvent(
        inquiry_id="Q1",
        seq=1,
        type=EventType.CLASSIFIED,
        at=T0,
        data={"category": "usage_help", "urgency": "normal", "confidence": "0.412", "model_version": "abc"},
    )
    step = lifecycle.apply(
        inquiry,
        lifecycle.Action.RECLASSIFY,
        T0,
        "agent-7",
        category="fault_report",
        urgency="urgent",
        team="tech_support",
    )
    [event] = step.events
    assert event.data["category"] == "fault_report" and event.data["override"] is True
    assert event.data["from"] == {"category": "usage_help", "urgency": "normal", "team": "support"}

    [row] = corrections([Timeline(step.inquiry, [automatic, *step.events], [])])
    assert row["category"] == "fault_report" and row["urgency"] == Urgency.URGENT.value
    assert row["text"] == "耳机充电的时候有点烫，正常吗"
    assert row["from"]["category"] == "usage_help" and row["corrected_by"] == "agent-7"


def test_inquiries_never_overridden_are_not_exported() -> None:
    inquiry = Inquiry(inquiry_id="Q2", customer_id="C1", channel=Channel.EMAIL, received_at=T0, description="hi")
    assert corrections([Timeline(inquiry, [], [])]) == []
