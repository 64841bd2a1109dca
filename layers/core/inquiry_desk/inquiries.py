"""What agents do to an inquiry: acknowledge, reply, wait, resolve, close, reopen, reclassify."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import lifecycle
from .errors import NotFound, PayloadError
from .ids import new_id
from .lifecycle import Action
from .model import Direction, EventType, Inquiry, InquiryEvent, Message
from .ports import InquiryRepository, StaleInquiry

if TYPE_CHECKING:  # the SLA engine loads only when a planner is given
    from .deadlines import DeadlinePlanner


class InquiryService:
    def __init__(self, repository: InquiryRepository, planner: DeadlinePlanner | None = None) -> None:
        self._repo = repository
        self._planner = planner

    def act(self, inquiry_id: str, action: Action, actor: str, at: datetime, **data: Any) -> Inquiry:
        """Apply one action, retrying on a concurrent change (the action is re-checked each time)."""
        for _attempt in range(3):
            timeline = self._repo.timeline(inquiry_id)
            if timeline is None:
                raise NotFound(f"no inquiry {inquiry_id}")
            inquiry = timeline.inquiry
            message = None
            if action is Action.REPLY:
                text = str(data.get("text") or "").strip()
                if not text:
                    raise PayloadError("a reply needs text")
                message = Message(
                    message_id=new_id(at, "M"),
                    inquiry_id=inquiry_id,
                    direction=Direction.OUTBOUND,
                    channel=inquiry.channel,  # replies go back on the customer's own channel (R5.1)
                    body=text,
                    at=at,
                    author=actor,
                    delivery_status="pending",  # the outbox: stored first, sent by the dispatcher
                )
                data = {**data, "message_id": message.message_id}
            transition = lifecycle.apply(inquiry, action, at, actor, **data)
            advanced = transition.inquiry
            if self._planner is not None:
                due = self._planner.next_due(advanced, [*timeline.events, *transition.events])
                advanced = advanced.model_copy(update={"next_deadline_at": due})
            try:
                self._repo.append(advanced, inquiry.version, transition.events, message)
            except StaleInquiry:
                continue
            return advanced
        raise StaleInquiry(f"inquiry {inquiry_id} kept changing; try again")

    def notify_customer(
        self, inquiry_id: str, text: str, at: datetime, actor: str, event_type: EventType, data: dict[str, Any]
    ) -> Inquiry:
        """A system message to the customer (e.g. a progress notice, R2.6): stored in the outbox on
        the customer's own channel with its timeline event, atomically; the dispatcher sends it."""
        for _attempt in range(3):
            timeline = self._repo.timeline(inquiry_id)
            if timeline is None:
                raise NotFound(f"no inquiry {inquiry_id}")
            inquiry = timeline.inquiry
            message = Message(
                message_id=new_id(at, "M"),
                inquiry_id=inquiry_id,
                direction=Direction.OUTBOUND,
                channel=inquiry.channel,
                body=text,
                at=at,
                author=actor,
                delivery_status="pending",
            )
            event = InquiryEvent(
                inquiry_id=inquiry_id,
                seq=inquiry.event_count + 1,
                type=event_type,
                at=at,
                actor=actor,
                data={**data, "message_id": message.message_id},
            )
            advanced = inquiry.model_copy(
                update={"updated_at": at, "version": inquiry.version + 1, "event_count": event.seq}
            )
            if self._planner is not None:
                due = self._planner.next_due(advanced, [*timeline.events, event])
                advanced = advanced.model_copy(update={"next_deadline_at": due})
            try:
                self._repo.append(advanced, inquiry.version, [event], message)
            except StaleInquiry:
                continue
            return advanced
        raise StaleInquiry(f"inquiry {inquiry_id} kept changing; try again")

    def record(
        self,
        inquiry_id: str,
        at: datetime,
        actor: str,
        event_type: EventType,
        data: dict[str, Any],
        changes: dict[str, Any] | None = None,
    ) -> Inquiry:
        """Append one system event (warning, breach, escalation) and apply `changes`, atomically."""
        for _attempt in range(3):
            timeline = self._repo.timeline(inquiry_id)
            if timeline is None:
                raise NotFound(f"no inquiry {inquiry_id}")
            inquiry = timeline.inquiry
            event = InquiryEvent(
                inquiry_id=inquiry_id, seq=inquiry.event_count + 1, type=event_type, at=at, actor=actor, data=data
            )
            advanced = inquiry.model_copy(
                update={**(changes or {}), "updated_at": at, "version": inquiry.version + 1, "event_count": event.seq}
            )
            if self._planner is not None:
                due = self._planner.next_due(advanced, [*timeline.events, event])
                advanced = advanced.model_copy(update={"next_deadline_at": due})
            try:
                self._repo.append(advanced, inquiry.version, [event])
            except StaleInquiry:
                continue
            return advanced
        raise StaleInquiry(f"inquiry {inquiry_id} kept changing; try again")
