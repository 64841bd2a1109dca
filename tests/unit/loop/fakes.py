"""In-memory fakes of our own ports for the closing-loop services (no AWS, no network)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from inquiry_desk.corrections.model import Correction, Delivery, LineageEntry
from inquiry_desk.deadlines.decisions import NamedTimer as Timer
from inquiry_desk.model import Channel, Direction, Identity, Inquiry, InquiryEvent, Message
from inquiry_desk.ports import DuplicateMessage, StaleInquiry, Timeline
from inquiry_desk.quality.model import Review

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai


class MemoryRepository:
    def __init__(self) -> None:
        self.inquiries: dict[str, Inquiry] = {}
        self.events: dict[str, list[InquiryEvent]] = {}
        self.messages: dict[str, list[Message]] = {}
        self.writes = 0
        self.seen: dict[str, str] = {}
        self.lineage: dict[str, list[LineageEntry]] = {}

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
        if dedupe_key is not None:
            if dedupe_key in self.seen:
                raise DuplicateMessage(self.seen[dedupe_key])
            self.seen[dedupe_key] = inquiry.inquiry_id
        if message is not None and message.content_ref:
            self.lineage.setdefault(message.content_ref, []).append(
                LineageEntry(
                    content_ref=message.content_ref,
                    inquiry_id=inquiry.inquiry_id,
                    message_id=message.message_id,
                    customer_id=inquiry.customer_id,
                    at=message.at,
                )
            )
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


class MemoryLoopStore:
    def __init__(self, repository: MemoryRepository) -> None:
        self._repo = repository
        self.items: dict[str, Correction] = {}
        self.sent: dict[tuple[str, str], Delivery] = {}
        self.review_items: dict[tuple[str, str, str], Review] = {}

    def put_correction(self, correction: Correction) -> None:
        self.items[correction.correction_id] = correction

    def get_correction(self, correction_id: str) -> Correction | None:
        return self.items.get(correction_id)

    def corrections(self, limit: int = 100) -> list[Correction]:
        return sorted(self.items.values(), key=lambda c: c.correction_id, reverse=True)[:limit]

    def lineage(self, content_ref: str) -> list[LineageEntry]:
        return list(self._repo.lineage.get(content_ref, []))

    def put_delivery(self, delivery: Delivery) -> None:
        self.sent[(delivery.correction_id, delivery.customer_id)] = delivery

    def deliveries(self, correction_id: str) -> list[Delivery]:
        return [d for (c, _), d in self.sent.items() if c == correction_id]

    def put_review(self, review: Review) -> None:
        self.review_items[(review.day, review.agent, review.inquiry_id)] = review

    def reviews(self, day: str) -> list[Review]:
        return [r for (d, _, _), r in self.review_items.items() if d == day]

    def get_review(self, day: str, agent: str, inquiry_id: str) -> Review | None:
        return self.review_items.get((day, agent, inquiry_id))


class RecordingExecutions:
    def __init__(self) -> None:
        self.started: dict[str, dict[str, object]] = {}

    def start(self, name: str, state: dict[str, object]) -> None:
        self.started.setdefault(name, state)


class RecordingNotifier:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    def notify(self, kind: str, subject: str, body: dict[str, Any]) -> None:
        self.sent.append((kind, subject, body))
