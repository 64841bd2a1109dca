"""What agents (and the system) do to an inquiry: acknowledge, reply, wait, resolve, close, reopen,
reclassify; system events (warnings, breaches, escalations); messages to the customer.

Every change goes through one read-decide-write loop with optimistic concurrency: the inquiry is
re-read and the change re-decided when another writer got there first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from inquiry_desk.errors import NotFound, PayloadError
from inquiry_desk.ids import new_id
from inquiry_desk.inquiries import lifecycle
from inquiry_desk.inquiries.lifecycle import Action
from inquiry_desk.model import Direction, EventType, Inquiry, InquiryEvent, Message
from inquiry_desk.ports import InquiryRepository, StaleInquiry, Timeline

if TYPE_CHECKING:  # the SLA engine loads only when a planner is given
    from inquiry_desk.deadlines.planner import DeadlinePlanner


@dataclass(frozen=True)
class Change:
    inquiry: Inquiry  # advanced (version, event count) but without its next deadline yet
    events: list[InquiryEvent]
    message: Message | None = None


class InquiryService:
    def __init__(self, repository: InquiryRepository, planner: DeadlinePlanner | None = None) -> None:
        self._repo = repository
        self._planner = planner

    def act(self, inquiry_id: str, action: Action, actor: str, at: datetime, **data: Any) -> Inquiry:
        """Apply one lifecycle action (a reply also stores its outbound message: the outbox)."""

        def decide(timeline: Timeline) -> Change:
            details = dict(data)
            message = None
            if action is Action.REPLY:
                lineage = None
                if details.get("template"):  # R7: a reply from a template records id and version
                    composed = _compose(str(details.pop("template")), timeline.inquiry.language, details)
                    details.setdefault("text", composed.text)
                    lineage = composed.lineage
                    details.update(lineage)
                text = str(details.get("text") or "").strip()
                if not text:
                    raise PayloadError("a reply needs text")
                message = self._outbound(timeline.inquiry, text, at, actor, lineage)
                details["message_id"] = message.message_id
            transition = lifecycle.apply(timeline.inquiry, action, at, actor, **details)
            return Change(transition.inquiry, transition.events, message)

        return self._change(inquiry_id, decide)

    def notify_customer(
        self,
        inquiry_id: str,
        text: str,
        at: datetime,
        actor: str,
        event_type: EventType,
        data: dict[str, Any],
        lineage: dict[str, str] | None = None,
    ) -> Inquiry:
        """A system message to the customer (e.g. a progress notice, R2.6): stored in the outbox on
        the customer's own channel with its timeline event, atomically; the dispatcher sends it."""

        def decide(timeline: Timeline) -> Change:
            message = self._outbound(timeline.inquiry, text, at, actor, lineage)
            return _with_event(
                timeline.inquiry,
                at,
                actor,
                event_type,
                {**data, **(lineage or {}), "message_id": message.message_id},
                message=message,
            )

        return self._change(inquiry_id, decide)

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
        return self._change(
            inquiry_id, lambda timeline: _with_event(timeline.inquiry, at, actor, event_type, data, changes)
        )

    def _change(self, inquiry_id: str, decide: Callable[[Timeline], Change]) -> Inquiry:
        for _attempt in range(3):
            timeline = self._repo.timeline(inquiry_id)
            if timeline is None:
                raise NotFound(f"no inquiry {inquiry_id}")
            change = decide(timeline)
            advanced = change.inquiry
            if self._planner is not None:
                due = self._planner.next_due(advanced, [*timeline.events, *change.events])
                advanced = advanced.model_copy(update={"next_deadline_at": due})
            try:
                self._repo.append(advanced, timeline.inquiry.version, change.events, change.message)
            except StaleInquiry:
                continue
            return advanced
        raise StaleInquiry(f"inquiry {inquiry_id} kept changing; try again")

    @staticmethod
    def _outbound(
        inquiry: Inquiry, text: str, at: datetime, actor: str, lineage: dict[str, str] | None = None
    ) -> Message:
        return Message(
            message_id=new_id(at, "M"),
            inquiry_id=inquiry.inquiry_id,
            direction=Direction.OUTBOUND,
            channel=inquiry.channel,  # replies go back on the customer's own channel (R5.1)
            body=text,
            at=at,
            author=actor,
            delivery_status="pending",  # the outbox: stored first, sent by the dispatcher
            metadata=dict(lineage or {}),  # template id and version it came from (R7 lineage)
        )


def _compose(template_id: str, language: str | None, details: dict[str, Any]) -> Any:
    from inquiry_desk.answers.templates import compose, has

    if not has(template_id):
        raise PayloadError(f"no template {template_id!r}")
    values = {k: str(v) for k, v in (details.pop("values", None) or {}).items()}
    try:
        return compose(template_id, language, **values)
    except KeyError as missing:
        raise PayloadError(f"template {template_id!r} needs {missing}") from None


def _with_event(
    inquiry: Inquiry,
    at: datetime,
    actor: str,
    event_type: EventType,
    data: dict[str, Any],
    changes: dict[str, Any] | None = None,
    message: Message | None = None,
) -> Change:
    event = InquiryEvent(
        inquiry_id=inquiry.inquiry_id, seq=inquiry.event_count + 1, type=event_type, at=at, actor=actor, data=data
    )
    advanced = inquiry.model_copy(
        update={**(changes or {}), "updated_at": at, "version": inquiry.version + 1, "event_count": event.seq}
    )
    return Change(advanced, [event], message)
