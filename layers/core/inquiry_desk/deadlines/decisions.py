"""Deadline enforcement decisions (pure): which timers an inquiry needs, what a firing timer does,
and what each escalation step does. The sla_timer handler carries the decisions out.

Design: one one-time schedule per pending deadline (and one per warning), named idempotently.
A timer never trusts itself: when it fires, the inquiry is re-read and the deadline recomputed;
a met, paused, moved or already-breached deadline makes the timer a no-op. So a lost delete or a
duplicate fire costs nothing, and the reconciler can fire any overdue deadline again safely.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from inquiry_desk.deadlines.engine import Deadline, InquiryFacts, compute_deadlines
from inquiry_desk.deadlines.policy import SlaPolicy
from inquiry_desk.model import EventType, Inquiry, InquiryEvent

PROGRESS_KIND = "progress_notice"


class Phase(StrEnum):
    WARN = "warn"
    DUE = "due"


class Verdict(StrEnum):
    NOTHING = "nothing"
    WARN_OWNER = "warn_owner"
    BREACH = "breach"  # record it and start the escalation ladder
    NOTIFY_CUSTOMER_PROGRESS = "notify_customer_progress"  # R2.6


@dataclass(frozen=True)
class Timer:
    name: str
    at: datetime  # rounded up to the whole minute: Scheduler fires within the minute, never early
    payload: dict[str, Any]
    target: str | None = None  # the function to invoke; None: the timers' own (sla_timer)


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


def ceil_minute(at: datetime) -> datetime:
    floor = at.replace(second=0, microsecond=0)
    return floor if floor == at else floor + timedelta(minutes=1)


def timer_name(inquiry_id: str, kind: str, episode: int, phase: Phase) -> str:
    return f"{inquiry_id}-{kind}-e{episode}-{phase.value}"


def _marked(events: Iterable[InquiryEvent], kind: EventType, deadline: str, episode: int) -> bool:
    return any(
        e.type is kind and e.data.get("kind") == deadline and int(e.data.get("episode", 0)) == episode for e in events
    )


def _deadlines(policy: SlaPolicy, inquiry: Inquiry, events: Sequence[InquiryEvent]) -> list[Deadline]:
    return compute_deadlines(policy, InquiryFacts.from_inquiry(inquiry, events))


def timers_for(policy: SlaPolicy, inquiry: Inquiry, events: Sequence[InquiryEvent], now: datetime) -> list[Timer]:
    """The schedules this inquiry should have right now (none once it is resolved or closed)."""
    if not inquiry.is_open:
        return []
    timers: list[Timer] = []
    for d in _deadlines(policy, inquiry, events):
        if d.episode != inquiry.episode or not d.is_pending:
            continue
        if _marked(events, EventType.DEADLINE_BREACHED, d.kind, d.episode):
            continue  # the escalation ladder has it now
        if _marked(events, EventType.PROGRESS_NOTIFIED, d.kind, d.episode):
            continue
        base = {"inquiry_id": inquiry.inquiry_id, "kind": d.kind, "episode": d.episode}
        timers.append(
            Timer(
                timer_name(inquiry.inquiry_id, d.kind, d.episode, Phase.DUE),
                ceil_minute(max(d.due, now)),
                {"timer": {**base, "phase": Phase.DUE.value, "due": d.due.isoformat()}},
            )
        )
        if (
            d.warn_at is not None
            and now < d.warn_at < d.due
            and not _marked(events, EventType.DEADLINE_WARNED, d.kind, d.episode)
        ):
            timers.append(
                Timer(
                    timer_name(inquiry.inquiry_id, d.kind, d.episode, Phase.WARN),
                    ceil_minute(d.warn_at),
                    {"timer": {**base, "phase": Phase.WARN.value, "due": d.due.isoformat()}},
                )
            )
    return timers


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


def escalation_step(
    policy: SlaPolicy,
    inquiry: Inquiry,
    events: Sequence[InquiryEvent],
    kind: str,
    episode: int,
    ladder: str,
    step: int,
) -> EscalationStep:
    """Step `step` of the ladder: stop as soon as the inquiry is handled, else act and wait.

    Step 0 is the start: it only schedules step 1 after the first step's wait. Step n performs
    the n-th step's action, then schedules the next one after that step's own wait.
    """
    if not inquiry.is_open:
        return EscalationStep(True, f"inquiry is {inquiry.status.value}")
    if episode != inquiry.episode:
        return EscalationStep(True, "a newer episode started")
    deadline = _find(_deadlines(policy, inquiry, events), kind, episode)
    if deadline is None or deadline.met_at is not None:
        return EscalationStep(True, f"{kind} was met" if deadline else f"no {kind} deadline any more")
    steps = policy.escalation_ladders.get(ladder, [])
    action = steps[step - 1].action if 0 < step <= len(steps) else None
    if step >= len(steps):
        return EscalationStep(True, "ladder finished", action=action, next_step=step)
    wait = int(steps[step].wait.to_timedelta().total_seconds())
    return EscalationStep(False, f"step {step + 1} of {len(steps)} in {wait} s", action, step + 1, wait)
