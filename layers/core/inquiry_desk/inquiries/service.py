"""What agents (and the system) do to an inquiry: acknowledge, reply, wait, resolve, close, reopen,
reclassify; system events (warnings, breaches, escalations); messages to the customer.

Every change goes through one read-decide-write loop with optimistic concurrency: the inquiry is
re-read and the change re-decided when another writer got there first.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from inquiry_desk.errors import NotFound, PayloadError
from inquiry_desk.ids import new_id
from inquiry_desk.inquiries import lifecycle
from inquiry_desk.inquiries.lifecycle import Action
from inquiry_desk.model import Direction, EventType, Inquiry, InquiryEvent, Message, already_marked
from inquiry_desk.ports import InquiryRepository, StaleInquiry, Timeline

if TYPE_CHECKING:  # the SLA engine loads only when a planner is given
    from inquiry_desk.deadlines.planner import DeadlinePlanner


@dataclass(frozen=True)
class Change:
    inquiry: Inquiry  # advanced (version, event count) but without its next deadline yet
    events: list[InquiryEvent]
    message: Message | None = None
    dedupe_key: str | None = None  # written with the change, once: a second write raises DuplicateMessage


CHANGE_ATTEMPTS = 6  # a read-decide-write that keeps losing races after ~3 s of backoff gives up


class InquiryService:
    def __init__(
        self,
        repository: InquiryRepository,
        planner: DeadlinePlanner | None = None,
        promise: Callable[[Inquiry, datetime, int], datetime] | None = None,
        default_promise_days: int | None = None,
        milestones: Callable[[Inquiry, datetime, datetime], dict[str, datetime]] | None = None,
        pause: Callable[[float], None] = time.sleep,
    ) -> None:
        self._repo = repository
        self._pause = pause  # between attempts of a change that lost a race (jittered backoff)
        self._planner = planner
        self._promise = promise  # "X working days" -> an instant in the team's calendar (R2.8)
        self._default_promise_days = default_promise_days
        self._milestones = milestones  # R2.8: progress updates while an explicit promise runs

    def act(self, inquiry_id: str, action: Action, actor: str, at: datetime, **data: Any) -> Inquiry:
        """Apply one lifecycle action (a reply also stores its outbound message: the outbox)."""

        def decide(timeline: Timeline) -> Change:
            details = dict(data)
            message = None
            if action is Action.REPLY:
                lineage = None
                if details.get("template"):  # R7: a reply from a template records id and version
                    composed = _compose(str(details.pop("template")), timeline.inquiry, details)
                    details.setdefault("text", composed.text)
                    lineage = composed.lineage
                    details.update(lineage)
                text = str(details.get("text") or "").strip()
                if not text:
                    raise PayloadError("a reply needs text")
                message = self._outbound(timeline.inquiry, text, at, actor, details.pop("content_ref", None), lineage)
                details["message_id"] = message.message_id
                if message.content_ref:  # the timeline shows which template/article version said it
                    details["content_ref"] = message.content_ref
            if action is Action.RESOLVE:
                details.update(self._promised(timeline.inquiry, at, details))
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
        content_ref: str | None = None,
        lineage: dict[str, str] | None = None,
        once: bool = False,
    ) -> Inquiry:
        """A system message to the customer (e.g. a progress notice, R2.6): stored in the outbox on
        the customer's own channel with its timeline event, atomically; the dispatcher sends it.
        `once`: not when the timeline already has this event for the same deadline kind and
        episode (two timer deliveries racing: the customer hears it once)."""

        def decide(timeline: Timeline) -> Change | None:
            if once and already_marked(timeline.events, event_type, data):
                return None
            message = self._outbound(timeline.inquiry, text, at, actor, content_ref, lineage)
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

    def record_once(
        self, inquiry_id: str, at: datetime, actor: str, event_type: EventType, data: dict[str, Any]
    ) -> bool:
        """A deadline's warning or breach (`kind` and `episode` in `data`) recorded at most once,
        decided again on the inquiry as it is at each attempt: two deliveries of the same timer
        racing (SQS is at least once) record it once, and only the one that recorded it says True
        (so only it notifies anyone)."""
        recorded = False

        def decide(timeline: Timeline) -> Change | None:
            nonlocal recorded
            recorded = not already_marked(timeline.events, event_type, data)
            return _with_event(timeline.inquiry, at, actor, event_type, data) if recorded else None

        self._change(inquiry_id, decide)
        return recorded

    def change(self, inquiry_id: str, decide: Callable[[Timeline], Change | None]) -> Inquiry:
        """One read-decide-write change decided elsewhere (e.g. the customer's verdict); `decide`
        returns None when, on the inquiry as it is now, there is nothing to do."""
        return self._change(inquiry_id, decide)

    def _change(self, inquiry_id: str, decide: Callable[[Timeline], Change | None]) -> Inquiry:
        """Read, decide, write conditionally on the version read; a change that lost the race to
        another writer (an agent, the dispatcher recording a delivery, a timer) decides again on the
        inquiry as it is now, after a short jittered pause so concurrent writers spread out."""
        for attempt in range(CHANGE_ATTEMPTS):
            if attempt:
                self._pause(random.uniform(0, 0.05 * 2**attempt))  # jitter, not secrecy
            timeline = self._repo.timeline(inquiry_id)
            if timeline is None:
                raise NotFound(f"no inquiry {inquiry_id}")
            change = decide(timeline)
            if change is None:
                return timeline.inquiry
            advanced = change.inquiry
            if self._planner is not None:
                due = self._planner.next_due(advanced, [*timeline.events, *change.events])
                advanced = advanced.model_copy(update={"next_deadline_at": due})
            try:
                self._repo.append(advanced, timeline.inquiry.version, change.events, change.message, change.dedupe_key)
            except StaleInquiry:
                continue
            return advanced
        raise StaleInquiry(f"inquiry {inquiry_id} kept changing; try again")

    def _promised(self, inquiry: Inquiry, at: datetime, details: dict[str, Any]) -> dict[str, Any]:
        """R2.8: the promised completion, from "X working days" (or the policy's default)."""
        if details.get("promised_by") is not None:
            return {}
        days = details.pop("promise_working_days", None)
        explicit = days is not None  # the agent promised it: the customer hears of progress (R2.8)
        if days is None:
            days = self._default_promise_days
        if days is None or self._promise is None:
            return {}
        promised = self._promise(inquiry, at, int(days))
        out: dict[str, Any] = {"promised_by": promised, "promise": f"{int(days)} working days"}
        if explicit and self._milestones is not None:
            out["milestones"] = {k: v.isoformat() for k, v in self._milestones(inquiry, at, promised).items()}
        return out

    @staticmethod
    def outbound(inquiry: Inquiry, text: str, at: datetime, actor: str, content_ref: str | None = None) -> Message:
        """A message to the customer on their own channel, pending in the outbox."""
        return InquiryService._outbound(inquiry, text, at, actor, content_ref)

    @staticmethod
    def _outbound(
        inquiry: Inquiry,
        text: str,
        at: datetime,
        actor: str,
        content_ref: str | None = None,
        lineage: dict[str, str] | None = None,
    ) -> Message:
        """A message to the customer; `content_ref` (or the template `lineage` it came from, as
        `template:<id>@<version>`) is the lineage corrections follow (R6.2, R7)."""
        if content_ref is None and lineage and lineage.get("template_id"):
            from inquiry_desk.answers.lineage import template_ref

            content_ref = template_ref(
                lineage["template_id"], lineage.get("template_version", ""), lineage.get("template_variant")
            )
        return Message(
            message_id=new_id(at, "M"),
            inquiry_id=inquiry.inquiry_id,
            direction=Direction.OUTBOUND,
            channel=inquiry.channel,  # replies go back on the customer's own channel (R5.1)
            body=text,
            at=at,
            author=actor,
            delivery_status="pending",  # the outbox: stored first, sent by the dispatcher
            content_ref=content_ref,  # lineage (R6.2): which template/article version said this
            metadata=dict(lineage or {}),  # template id and version it came from (R7 lineage)
        )


def _compose(template_id: str, inquiry: Inquiry, details: dict[str, Any]) -> Any:
    from inquiry_desk.answers.templates import compose, has

    if not has(template_id):
        raise PayloadError(f"no template {template_id!r}")
    values = {k: str(v) for k, v in (details.pop("values", None) or {}).items()}
    try:
        # an A/B-tested template gives each inquiry its own variant, always the same (R7.1)
        return compose(template_id, inquiry.language, inquiry.inquiry_id, **values)
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
