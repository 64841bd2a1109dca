"""Cross-department requests (R4.3), kept on the inquiry's timeline.

A request names the department and what is needed; its due time is the department's
``respond_within_hours`` of working time (``policies/departments.json``) in the SLA policy's
default calendar from the moment it was opened. The department's answer closes it. Open requests
and their due times are read back from the timeline (``pending``).

When the due time passes unanswered, the request's own named timer fires into sla_timer
(``overdue``): ``department_breached`` is recorded once, the inquiry's owner and the department's
escalation contact are told, and the department's ladder starts on the same escalation state
machine as the deadlines' ladders (``LadderState`` with ``request_id``; ``escalate`` is one step).
Each step tells the next person (the department's lead, then the customer-service supervisors)
unless the answer came meanwhile; the answer stops the ladder at its next step. An answer after the
due time whose breach no timer recorded (a lost timer) records it then.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from inquiry_desk.deadlines.contracts import LadderState
from inquiry_desk.deadlines.decisions import EscalationStep, NamedTimer, ceil_minute
from inquiry_desk.deadlines.policy import Duration
from inquiry_desk.errors import Conflict, NotFound, PayloadError
from inquiry_desk.ids import new_id
from inquiry_desk.inquiries.service import Change, InquiryService
from inquiry_desk.model import EventType, Inquiry, InquiryEvent, as_utc, utc_now
from inquiry_desk.ports import Ladders, Notifier, Timeline

SHIPPED = Path(__file__).resolve().parent.parent / "policies" / "departments.json"


class Department(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name_zh: str
    name_en: str
    respond_within_hours: float = Field(gt=0, le=24 * 30)
    escalation_contact: str = Field(min_length=1, description="told at once when a request breaches")
    lead: str = Field(min_length=1, description="the department's lead (ladder step `department_lead`)")
    ladder: str = Field(min_length=1, description="a ladder of `escalation_ladders`")


class LadderRung(BaseModel):
    """One step of a department ladder: `wait` after the breach (or the previous step), then tell `notify`."""

    model_config = ConfigDict(extra="forbid")

    wait: Duration
    notify: Literal["department_lead", "cs_supervisor"]
    note: str | None = None


class DepartmentPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    comment: str | None = Field(default=None, alias="$comment")
    version: str
    departments: dict[str, Department]
    escalation_ladders: dict[str, list[LadderRung]]

    @model_validator(mode="after")
    def _ladders_exist(self) -> DepartmentPolicy:
        for name, steps in self.escalation_ladders.items():
            if not steps:
                raise ValueError(f"escalation ladder {name!r} has no steps")
        for key, department in self.departments.items():
            if department.ladder not in self.escalation_ladders:
                known = ", ".join(sorted(self.escalation_ladders)) or "none"
                raise ValueError(f"department {key!r} names ladder {department.ladder!r}; ladders are {known}")
        return self


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


def ladder_name(inquiry_id: str, request_id: str) -> str:
    """The escalation execution of one breached request: started once per breach."""
    return f"{inquiry_id}-dept-{request_id}"


def escalation_step(
    policy: DepartmentPolicy, inquiry: Inquiry, events: Sequence[InquiryEvent], state: LadderState
) -> EscalationStep:
    """Step `state.step` of a breached request's ladder (pure): stop once it is answered (or the
    inquiry is closed), else tell the step's person and wait the next step's time. Step 0 is the
    start: it only waits for step 1."""
    request_id, step = str(state.request_id), state.step
    steps = policy.escalation_ladders.get(state.ladder, [])
    where = f"department request {request_id} ladder '{state.ladder}' step {step} of {len(steps)}"
    asked = next(
        (e for e in events if e.type == EventType.DEPARTMENT_REQUESTED and e.data.get("request_id") == request_id),
        None,
    )
    if asked is None:
        return EscalationStep(True, f"{where}: stopped, no such request", next_step=step)
    answer = next(
        (e for e in events if e.type == EventType.DEPARTMENT_ANSWERED and e.data.get("request_id") == request_id),
        None,
    )
    if answer is not None:
        return EscalationStep(
            True, f"{where}: stopped, answered at {answer.at.isoformat()} by {answer.actor}", next_step=step
        )
    if not inquiry.is_open:
        return EscalationStep(True, f"{where}: stopped, the inquiry is {inquiry.status.value}", next_step=step)
    department = str(asked.data.get("department"))
    known = policy.departments.get(department)
    action = steps[step - 1].notify if 0 < step <= len(steps) else None
    extra: dict[str, Any] = {}
    if action == "department_lead":
        extra = {"to": known.lead if known else department}
    elif action == "cs_supervisor":
        extra = {"to": f"supervisors:{inquiry.team or 'unassigned'}"}
    why = f"{where}: {department} was due at {asked.data.get('due')} and has not answered"
    if step >= len(steps):
        return EscalationStep(True, f"{why}; ladder finished", action, step, extra=extra)
    wait = int(steps[step].wait.to_timedelta().total_seconds())
    return EscalationStep(False, f"{why}; next step in {wait} s", action, step + 1, wait, extra)


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
        self,
        inquiries: InquiryService,
        policy: DepartmentPolicy,
        calendar: Callable[[], WorkingCalendar],
        notifier: Notifier | None = None,
        ladders: Ladders | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self._inquiries = inquiries
        self._policy = policy
        self._calendar = calendar
        self._notifier = notifier  # sla_timer's: the breach and the ladder's steps tell people
        self._ladders = ladders
        self._now = now or utc_now

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
        """The request's timer fired: if it is still unanswered and due, record the breach (once:
        a duplicate or late delivery finds it recorded), tell the owner and the department's
        escalation contact, and start the department's ladder."""
        outcome = "nothing"
        breach: dict[str, Any] = {}

        def decide(timeline: Timeline) -> Change | None:
            nonlocal outcome, breach
            waiting = next((p for p in pending(timeline.events) if p.request_id == request_id), None)
            if waiting is None or request_id in breached(timeline.events):
                outcome = "answered or recorded already"
                return None
            if at < waiting.due:
                outcome = "not due yet"
                return None
            outcome = "breached"
            known = self._policy.departments.get(waiting.department)
            breach = {
                "request_id": request_id,
                "department": waiting.department,
                "needed": waiting.needed,
                "due": waiting.due.isoformat(),
                "late_seconds": int((at - waiting.due).total_seconds()),
                "ladder": known.ladder if known else None,
                "to": known.escalation_contact if known else None,
            }
            return _events(timeline, at, "sla", [(EventType.DEPARTMENT_BREACHED, breach)])

        inquiry = self._inquiries.change(inquiry_id, decide)
        if outcome == "breached":
            self._escalate_breach(inquiry, breach, at)
        return outcome

    def _escalate_breach(self, inquiry: Inquiry, breach: dict[str, Any], at: datetime) -> None:
        department, request_id = str(breach["department"]), str(breach["request_id"])
        subject = f"{department} has not answered request {request_id} (due {breach['due']})"
        if self._notifier is not None:
            self._notify(inquiry, subject, breach, audience="owner", to=inquiry.owner)
            self._notify(inquiry, subject, breach, audience="department", to=breach.get("to"))
        if self._ladders is not None and breach.get("ladder"):
            self._ladders.start(
                ladder_name(inquiry.inquiry_id, request_id),
                LadderState(
                    inquiry_id=inquiry.inquiry_id,
                    kind="department",
                    episode=max(inquiry.episode, 1),
                    ladder=str(breach["ladder"]),
                    step=0,
                    breached_at=at,
                    request_id=request_id,
                ),
            )

    def escalate(self, state: LadderState) -> LadderState:
        """One step of a breached request's ladder (called by the escalation state machine): the
        step is decided and recorded on the inquiry as it is now, then its person is told."""
        at = self._now()
        step: EscalationStep | None = None
        told: dict[str, Any] = {}

        def decide(timeline: Timeline) -> Change | None:
            nonlocal step, told
            step = escalation_step(self._policy, timeline.inquiry, timeline.events, state)
            asked = next(
                (
                    e
                    for e in timeline.events
                    if e.type == EventType.DEPARTMENT_REQUESTED and e.data.get("request_id") == state.request_id
                ),
                None,
            )
            data: dict[str, Any] = {
                "request_id": state.request_id,
                "department": asked.data.get("department") if asked else None,
                "due": asked.data.get("due") if asked else None,
                "ladder": state.ladder,
                "step": state.step,
                "why": step.reason,
            }
            if step.action is not None:
                told = {**data, "action": step.action, **step.extra}
                return _events(timeline, at, "sla", [(EventType.DEPARTMENT_ESCALATED, told)])
            if step.done and state.step > 0:  # the ladder stops here: say so, and why
                return _events(timeline, at, "sla", [(EventType.DEPARTMENT_ESCALATED, {**data, "action": "stopped"})])
            return None

        inquiry = self._inquiries.change(state.inquiry_id, decide)
        assert step is not None
        if told and self._notifier is not None:
            audience = "department_lead" if told["action"] == "department_lead" else "supervisor"
            subject = f"{told['department']} still has not answered request {state.request_id}"
            self._notify(inquiry, subject, told, audience=audience, to=told.get("to"))
        return state.model_copy(
            update={"step": step.next_step, "wait_seconds": step.wait_seconds, "done": step.done, "reason": step.reason}
        )

    def _notify(self, inquiry: Inquiry, subject: str, data: dict[str, Any], audience: str, to: object) -> None:
        assert self._notifier is not None
        self._notifier.notify(
            "department_escalation",
            f"[{inquiry.inquiry_id}] {subject}",
            {
                "audience": audience,
                "to": to,
                "inquiry_id": inquiry.inquiry_id,
                "owner": inquiry.owner,
                "team": inquiry.team,
                "urgency": inquiry.urgency.value,
                **{k: data.get(k) for k in ("request_id", "department", "needed", "due", "step", "why")},
            },
        )


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
