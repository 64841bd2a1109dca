"""Cross-department requests (R4.3), kept on the inquiry's timeline.

A request names the department and what is needed; its due time is the department's
``respond_within_hours`` of working time (``policies/departments.json``) in the SLA policy's
default calendar from the moment it was opened. The department's answer closes it; an answer after
the due time also records ``department_breached``. Open requests and their due times are read
back from the timeline (``pending``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from inquiry_desk.deadlines.decisions import NamedTimer, ceil_minute
from inquiry_desk.errors import Conflict, NotFound, PayloadError
from inquiry_desk.ids import new_id
from inquiry_desk.inquiries.service import Change, InquiryService
from inquiry_desk.model import EventType, Inquiry, InquiryEvent, as_utc
from inquiry_desk.ports import Timeline

SHIPPED = Path(__file__).resolve().parent.parent / "policies" / "departments.json"


class Department(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name_zh: str
    name_en: str
    respond_within_hours: float = Field(gt=0, le=24 * 30)


class DepartmentPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    comment: str | None = Field(default=None, alias="$comment")
    version: str
    departments: dict[str, Department]


@cache
def load_departments(path: str | None = None) -> DepartmentPolicy:
    return DepartmentPolicy.model_validate_json(Path(path or SHIPPED).read_text(encoding="utf-8"))


class WorkingCalendar(Protocol):
    def add_business_time(self, start: datetime, duration: timedelta) -> datetime: ...


@dataclass(frozen=True)
class PendingRequest:
    request_id: str
    department: str
    needed: str
    opened_at: datetime
    due: datetime
    opened_by: str


def pending(events: Sequence[InquiryEvent]) -> list[PendingRequest]:
    """The requests of this timeline not answered yet, soonest due first."""
    answered = {str(e.data.get("request_id")) for e in events if e.type == EventType.DEPARTMENT_ANSWERED}
    out = [
        PendingRequest(
            str(e.data["request_id"]),
            str(e.data.get("department")),
            str(e.data.get("needed") or ""),
            e.at,
            as_utc(datetime.fromisoformat(str(e.data["due"]))),
            e.actor,
        )
        for e in events
        if e.type == EventType.DEPARTMENT_REQUESTED and str(e.data.get("request_id")) not in answered
    ]
    return sorted(out, key=lambda p: p.due)


def breached(events: Sequence[InquiryEvent]) -> set[str]:
    """The requests whose breach is on the timeline already."""
    return {str(e.data.get("request_id")) for e in events if e.type == EventType.DEPARTMENT_BREACHED}


def timer_name(inquiry_id: str, request_id: str) -> str:
    return f"{inquiry_id}-dept-{request_id}"  # the inquiry's prefix: synced with its other schedules


def department_timers(inquiry: Inquiry, events: Sequence[InquiryEvent], now: datetime) -> list[NamedTimer]:
    """One named schedule per unanswered, not yet breached request, at its due time (R4.3)."""
    done = breached(events)
    return [
        NamedTimer(
            timer_name(inquiry.inquiry_id, p.request_id),
            ceil_minute(max(p.due, now)),
            {"department": {"inquiry_id": inquiry.inquiry_id, "request_id": p.request_id}},
        )
        for p in pending(events)
        if p.request_id not in done
    ]


def changes_timers(events: Sequence[InquiryEvent], since_seq: int) -> bool:
    """Whether the events after `since_seq` open, answer or breach a department request."""
    kinds = (EventType.DEPARTMENT_REQUESTED, EventType.DEPARTMENT_ANSWERED, EventType.DEPARTMENT_BREACHED)
    return any(e.seq > since_seq and e.type in kinds for e in events)


class DepartmentRequests:
    def __init__(
        self, inquiries: InquiryService, policy: DepartmentPolicy, calendar: Callable[[], WorkingCalendar]
    ) -> None:
        self._inquiries = inquiries
        self._policy = policy
        self._calendar = calendar

    def due(self, department: str, opened_at: datetime) -> datetime:
        known = self._policy.departments.get(department)
        if known is None:
            raise PayloadError(
                f"no department {department!r}; departments are {', '.join(sorted(self._policy.departments))}"
            )
        return self._calendar().add_business_time(opened_at, timedelta(hours=known.respond_within_hours))

    def open(self, inquiry_id: str, department: str, needed: str, by: str, at: datetime) -> tuple[Inquiry, str]:
        """Ask `department` for what is `needed`; returns the inquiry and the request's id."""
        if not needed.strip():
            raise PayloadError("say what the department is asked for")
        due = self.due(department, at)
        request_id = new_id(at, "D")
        data = {"request_id": request_id, "department": department, "needed": needed.strip(), "due": due.isoformat()}
        inquiry = self._inquiries.change(
            inquiry_id, lambda t: _events(t, at, by, [(EventType.DEPARTMENT_REQUESTED, data)])
        )
        return inquiry, request_id

    def answer(self, inquiry_id: str, request_id: str, answer: str, by: str, at: datetime) -> Inquiry:
        """The department's answer; after the due time it is recorded as a breach too."""
        if not answer.strip():
            raise PayloadError("an answer needs text")

        def decide(timeline: Timeline) -> Change:
            asked = next(
                (
                    e
                    for e in timeline.events
                    if e.type == EventType.DEPARTMENT_REQUESTED and e.data.get("request_id") == request_id
                ),
                None,
            )
            if asked is None:
                raise NotFound(f"no department request {request_id} on inquiry {inquiry_id}")
            if not any(p.request_id == request_id for p in pending(timeline.events)):
                raise Conflict(f"department request {request_id} is answered already")
            due = as_utc(datetime.fromisoformat(str(asked.data["due"])))
            late = at > due
            base = {"request_id": request_id, "department": asked.data.get("department"), "due": due.isoformat()}
            kinds: list[tuple[EventType, dict[str, Any]]] = [
                (EventType.DEPARTMENT_ANSWERED, {**base, "answer": answer.strip(), "late": late})
            ]
            if late and request_id not in breached(timeline.events):  # the timer may have recorded it
                late_by = int((at - due).total_seconds())
                kinds.append(
                    (EventType.DEPARTMENT_BREACHED, {**base, "answered_at": at.isoformat(), "late_seconds": late_by})
                )
            return _events(timeline, at, by, kinds)

        return self._inquiries.change(inquiry_id, decide)

    def overdue(self, inquiry_id: str, request_id: str, at: datetime) -> str:
        """The request's timer fired: a breach on the timeline if it is still unanswered and due."""
        outcome = "nothing"

        def decide(timeline: Timeline) -> Change | None:
            nonlocal outcome
            waiting = next((p for p in pending(timeline.events) if p.request_id == request_id), None)
            if waiting is None or request_id in breached(timeline.events):
                outcome = "answered or recorded already"
                return None
            if at < waiting.due:
                outcome = "not due yet"
                return None
            outcome = "breached"
            data = {
                "request_id": request_id,
                "department": waiting.department,
                "due": waiting.due.isoformat(),
                "late_seconds": int((at - waiting.due).total_seconds()),
            }
            return _events(timeline, at, "sla", [(EventType.DEPARTMENT_BREACHED, data)])

        self._inquiries.change(inquiry_id, decide)
        return outcome


def _events(timeline: Timeline, at: datetime, actor: str, kinds: list[tuple[EventType, dict[str, Any]]]) -> Change:
    inquiry = timeline.inquiry
    events = [
        InquiryEvent(
            inquiry_id=inquiry.inquiry_id, seq=inquiry.event_count + n, type=kind, at=at, actor=actor, data=data
        )
        for n, (kind, data) in enumerate(kinds, start=1)
    ]
    advanced = inquiry.model_copy(
        update={"updated_at": at, "version": inquiry.version + 1, "event_count": inquiry.event_count + len(events)}
    )
    return Change(advanced, events)
