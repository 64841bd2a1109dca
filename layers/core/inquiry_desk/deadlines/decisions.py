"""Deadline enforcement decisions (pure): the one timer an inquiry needs, what a firing timer does,
and what each escalation step does. The sla_timer handler carries the decisions out.

Design: ONE armed timer per inquiry, at its next due instant (a warning or a deadline). A timer
never trusts itself: when it fires, the inquiry is re-read and everything due by now is decided
again; a met, paused, moved or already-breached deadline makes it a no-op. Whatever the firing
records changes the inquiry, and that change arms the next instant. So a lost delete, a duplicate
or a late fire costs nothing, and the reconciler can fire any overdue deadline again safely.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from inquiry_desk.deadlines.contracts import Phase, TimerSpec
from inquiry_desk.deadlines.engine import Deadline, InquiryFacts, compute_deadlines
from inquiry_desk.deadlines.policy import SlaPolicy
from inquiry_desk.model import EventType, Inquiry, InquiryEvent, already_marked

PROGRESS_KIND = "progress_notice"

__all__ = ["Decision", "EscalationStep", "Phase", "Verdict", "decide", "due_timers", "escalation_step", "next_timer"]


class Verdict(StrEnum):
    NOTHING = "nothing"
    WARN_OWNER = "warn_owner"
    BREACH = "breach"  # record it and start the escalation ladder
    NOTIFY_CUSTOMER_PROGRESS = "notify_customer_progress"  # R2.6


@dataclass(frozen=True)
class NamedTimer:
    """A one-time schedule other than the deadline timer (the closing loop's survey, reminder,
    confirmation timeout), kept by name beside it."""

    name: str
    at: datetime  # rounded up to the whole minute: Scheduler fires within the minute, never early
    payload: dict[str, Any]
    target: str | None = None  # the function to invoke; None: the timers' own (sla_timer)


def ceil_minute(at: datetime) -> datetime:
    """Scheduler's `at()` takes whole seconds and fires within its minute: round up, never early."""
    floor = at.replace(second=0, microsecond=0)
    return floor if floor == at else floor + timedelta(minutes=1)


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: str
    deadline: Deadline | None = None
    ladder: str | None = None


@dataclass(frozen=True)
class EscalationStep:
    done: bool
    reason: str
    action: str | None = None  # what to do now (the step whose wait just ended)
    next_step: int = 0
    wait_seconds: int = 0  # how long before the next step is due
    extra: dict[str, Any] = field(default_factory=dict)


def ladder_name(inquiry_id: str, kind: str, episode: int) -> str:
    """The escalation execution's name: one running ladder per breached deadline."""
    return f"{inquiry_id}-{kind}-e{episode}"


def _marked(events: Iterable[InquiryEvent], kind: EventType, deadline: str, episode: int) -> bool:
    return already_marked(events, kind, {"kind": deadline, "episode": episode})


def _deadlines(policy: SlaPolicy, inquiry: Inquiry, events: Sequence[InquiryEvent]) -> list[Deadline]:
    return compute_deadlines(policy, InquiryFacts.from_inquiry(inquiry, events))


def _instants(policy: SlaPolicy, inquiry: Inquiry, events: Sequence[InquiryEvent], now: datetime) -> list[TimerSpec]:
    """Every instant this inquiry still has to act on, earliest first (none once resolved/closed)."""
    if not inquiry.is_open:
        return []
    instants: list[TimerSpec] = []
    for d in _deadlines(policy, inquiry, events):
        if d.episode != inquiry.episode or not d.is_pending:
            continue
        if _marked(events, EventType.DEADLINE_BREACHED, d.kind, d.episode):
            continue  # the escalation ladder has it now
        if _marked(events, EventType.PROGRESS_NOTIFIED, d.kind, d.episode):
            continue
        instants.append(
            TimerSpec(inquiry_id=inquiry.inquiry_id, kind=d.kind, episode=d.episode, at=d.due, phase=Phase.DUE)
        )
        if (
            d.warn_at is not None
            and d.warn_at < d.due
            and now < d.due  # past due, the deadline itself is what is left to act on
            and not _marked(events, EventType.DEADLINE_WARNED, d.kind, d.episode)
        ):
            instants.append(
                TimerSpec(inquiry_id=inquiry.inquiry_id, kind=d.kind, episode=d.episode, at=d.warn_at, phase=Phase.WARN)
            )
    return sorted(instants, key=lambda t: (t.at, t.phase is Phase.DUE, t.kind))


def next_timer(policy: SlaPolicy, inquiry: Inquiry, events: Sequence[InquiryEvent], now: datetime) -> TimerSpec | None:
    """The inquiry's one timer: its next due instant (in the past: overdue, fire at once)."""
    instants = _instants(policy, inquiry, events, now)
    return instants[0] if instants else None


def due_timers(policy: SlaPolicy, inquiry: Inquiry, events: Sequence[InquiryEvent], now: datetime) -> list[TimerSpec]:
    """Everything due by `now` (what a firing timer or the reconciler acts on)."""
    return [t for t in _instants(policy, inquiry, events, now) if t.at <= now]


def _find(deadlines: Iterable[Deadline], kind: str, episode: int) -> Deadline | None:
    return next((d for d in deadlines if d.kind == kind and d.episode == episode), None)


def decide(
    policy: SlaPolicy,
    inquiry: Inquiry,
    events: Sequence[InquiryEvent],
    kind: str,
    episode: int,
    phase: Phase,
    now: datetime,
) -> Decision:
    """What a firing timer should do, judged on the inquiry as it is now."""
    if not inquiry.is_open:
        return Decision(Verdict.NOTHING, f"inquiry is {inquiry.status.value}")
    if episode != inquiry.episode:
        return Decision(Verdict.NOTHING, f"episode {episode} is over (now {inquiry.episode})")
    deadline = _find(_deadlines(policy, inquiry, events), kind, episode)
    if deadline is None:
        return Decision(Verdict.NOTHING, f"the policy no longer sets a {kind} deadline")
    if deadline.met_at is not None:
        return Decision(Verdict.NOTHING, f"met at {deadline.met_at.isoformat()} by {deadline.met_by}", deadline)
    if deadline.paused_since is not None:
        return Decision(Verdict.NOTHING, "paused while waiting on the customer", deadline)
    if phase is Phase.WARN:
        if _marked(events, EventType.DEADLINE_WARNED, kind, episode):
            return Decision(Verdict.NOTHING, "owner already warned", deadline)
        if now >= deadline.due:
            return Decision(Verdict.NOTHING, "past due: the breach timer handles it", deadline)
        return Decision(Verdict.WARN_OWNER, f"{kind} due at {deadline.due.isoformat()}", deadline)
    if now < deadline.due:
        return Decision(Verdict.NOTHING, f"moved to {deadline.due.isoformat()}", deadline)
    if kind == PROGRESS_KIND:
        if _marked(events, EventType.PROGRESS_NOTIFIED, kind, episode):
            return Decision(Verdict.NOTHING, "customer already told", deadline)
        return Decision(Verdict.NOTIFY_CUSTOMER_PROGRESS, "the promised resolution time is near (R2.6)", deadline)
    if _marked(events, EventType.DEADLINE_BREACHED, kind, episode):
        return Decision(Verdict.NOTHING, "breach already recorded", deadline)
    ladder = deadline.escalation or policy.defaults.escalation
    return Decision(Verdict.BREACH, f"{kind} was due at {deadline.due.isoformat()} ({deadline.why})", deadline, ladder)


# Whoever is not the system or the customer is an agent: their action since a breach means the
# inquiry is being handled, and a reassignment must not take it from them.
SYSTEM_ACTORS = frozenset({"system", "sla", "dispatcher"})
AGENT_ACTIONS = frozenset(
    {
        EventType.ACKNOWLEDGED,
        EventType.REPLIED,
        EventType.ASSIGNED,
        EventType.STATUS_CHANGED,
        EventType.WAITING_ON_CUSTOMER,
        EventType.NOTE,
    }
)


def breached_at(events: Iterable[InquiryEvent], kind: str, episode: int) -> datetime | None:
    return next(
        (
            e.at
            for e in events
            if e.type is EventType.DEADLINE_BREACHED
            and e.data.get("kind") == kind
            and int(e.data.get("episode", 0)) == episode
        ),
        None,
    )


def agent_action_since(inquiry: Inquiry, events: Iterable[InquiryEvent], since: datetime) -> InquiryEvent | None:
    """The latest action an agent took on the inquiry at or after `since` (None: nobody acted)."""
    acted = [
        e
        for e in events
        if e.at >= since and e.type in AGENT_ACTIONS and e.actor not in SYSTEM_ACTORS and e.actor != inquiry.customer_id
    ]
    return acted[-1] if acted else None


def escalation_step(
    policy: SlaPolicy,
    inquiry: Inquiry,
    events: Sequence[InquiryEvent],
    kind: str,
    episode: int,
    ladder: str,
    step: int,
) -> EscalationStep:
    """Step `step` of the ladder: stop as soon as its own deadline is met, else act and wait.

    Step 0 is the start: it only schedules step 1 after the first step's wait. Step n performs
    the n-th step's action, then schedules the next one after that step's own wait. Every
    outcome carries its reason (which deadline, which step, why) for the timeline.
    """
    steps = policy.escalation_ladders.get(ladder, [])
    where = f"{kind} ladder '{ladder}' step {step} of {len(steps)}"
    if not inquiry.is_open:
        return EscalationStep(True, f"{where}: stopped, the inquiry is {inquiry.status.value}", next_step=step)
    if episode != inquiry.episode:
        return EscalationStep(True, f"{where}: stopped, a newer episode started", next_step=step)
    deadline = _find(_deadlines(policy, inquiry, events), kind, episode)
    if deadline is None:
        return EscalationStep(True, f"{where}: stopped, the policy sets no {kind} deadline any more", next_step=step)
    if deadline.met_at is not None:
        met = f"{kind} was met at {deadline.met_at.isoformat()} ({deadline.met_by})"
        return EscalationStep(True, f"{where}: stopped, {met}", next_step=step)
    action: str | None = steps[step - 1].action if 0 < step <= len(steps) else None
    why = f"{where}: {kind} was due at {deadline.due.isoformat()} and is still not met"
    extra: dict[str, Any] = {}
    if action == "reassign_to_supervisor":
        since = breached_at(events, kind, episode)
        acted = agent_action_since(inquiry, events, since) if since is not None else None
        if acted is not None:
            extra = {
                "skipped": "reassign_to_supervisor",
                "kept_by": acted.actor,
                "why_kept": f"{acted.actor} {acted.type.value} at {acted.at.isoformat()}, after the breach",
            }
            action = "keep_owner"
    if step >= len(steps):
        return EscalationStep(True, f"{why}; ladder finished", action=action, next_step=step, extra=extra)
    wait = int(steps[step].wait.to_timedelta().total_seconds())
    return EscalationStep(False, f"{why}; next step in {wait} s", action, step + 1, wait, extra)
