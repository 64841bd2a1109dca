"""In-memory fakes of our own ports for the closing-loop services (no AWS, no network)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from inquiry_desk.deadlines.decisions import Timer
from inquiry_desk.model import Channel, Direction, Identity, Inquiry, InquiryEvent, Message
from inquiry_desk.ports import StaleInquiry, Timeline

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai


class MemoryRepository:
    def __init__(self) -> None:
        self.inquiries: dict[str, Inquiry] = {}
        self.events: dict[str, list[InquiryEvent]] = {}
        self.messages: dict[str, list[Message]] = {}
        self.writes = 0

    def add(self, inquiry: Inquiry, messages: Sequence[Message] = ()) -> None:
        self.inquiries[inquiry.inquiry_id] = inquiry
        self.events.setdefault(inquiry.inquiry_id, [])
        self.messages.setdefault(inquiry.inquiry_id, []).extend(messages)

    def get(self, inquiry_id: str) -> Inquiry | None:
        return self.inquiries.get(inquiry_id)

    def timeline(self, inquiry_id: str) -> Timeline | None:
        found = self.inquiries.get(inquiry_id)
        if found is None:
            return None
        return Timeline(found, list(self.events[inquiry_id]), list(self.messages[inquiry_id]))

    def append(
        self,
        inquiry: Inquiry,
        expected_version: int,
        events: Sequence[InquiryEvent],
        message: Message | None = None,
        dedupe_key: str | None = None,
    ) -> None:
        if self.inquiries[inquiry.inquiry_id].version != expected_version:
            raise StaleInquiry(inquiry.inquiry_id)
        self.writes += 1
        self.inquiries[inquiry.inquiry_id] = inquiry
        self.events[inquiry.inquiry_id].extend(events)
        if message is not None:
            self.messages[inquiry.inquiry_id].append(message)

    def recent(self, since: datetime, limit: int = 50) -> list[Inquiry]:
        return [i for i in self.inquiries.values() if i.received_at >= since][:limit]

    def outbound(self, inquiry_id: str) -> list[Message]:
        return [m for m in self.messages[inquiry_id] if m.direction is Direction.OUTBOUND]

    def kinds(self, inquiry_id: str) -> list[str]:
        return [e.type.value for e in self.events[inquiry_id]]


class RecordingTimers:
    def __init__(self) -> None:
        self.synced: dict[str, list[Timer]] = {}

    def sync(self, inquiry_id: str, timers: Sequence[Timer]) -> dict[str, int]:
        self.synced[inquiry_id] = list(timers)
        return {"created": len(timers), "moved": 0, "deleted": 0}


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
