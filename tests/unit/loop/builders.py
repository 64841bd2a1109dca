"""Test data for the closing-loop tests (the ports' fakes are in tests/fakes): an inquiry in any
state, its first message, and what its timeline holds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from inquiry_desk.model import Channel, Direction, Identity, Inquiry, InquiryEvent, Message

from tests.fakes import FakeInquiryRepository

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai


def inquiry(**kw: Any) -> Inquiry:
    base: dict[str, Any] = {
        "inquiry_id": "Q1",
        "customer_id": "C1",
        "channel": Channel.EMAIL,
        "received_at": T0,
        "description": "耳机连不上",
        "team": "tech_support",
        "category": "usage_help",
        "language": "zh",
    }
    base.update(kw)
    return Inquiry(**base)


def inbound(inquiry_id: str = "Q1", at: datetime = T0) -> Message:
    return Message(
        message_id="M0",
        inquiry_id=inquiry_id,
        direction=Direction.INBOUND,
        channel=Channel.EMAIL,
        body="耳机连不上",
        at=at,
        author="C1",
        sender=Identity(kind="email", value="wang@example.com"),
    )


def events(repo: FakeInquiryRepository, inquiry_id: str) -> list[InquiryEvent]:
    timeline = repo.timeline(inquiry_id)
    assert timeline is not None
    return timeline.events


def outbound(repo: FakeInquiryRepository, inquiry_id: str) -> list[Message]:
    timeline = repo.timeline(inquiry_id)
    assert timeline is not None
    return [m for m in timeline.messages if m.direction is Direction.OUTBOUND]


def kinds(repo: FakeInquiryRepository, inquiry_id: str) -> list[str]:
    return [e.type.value for e in events(repo, inquiry_id)]
