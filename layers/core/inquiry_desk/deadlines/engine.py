"""Deadlines of one inquiry, computed from the policy and the inquiry's timeline. Pure and fast.

Semantics (what meets what, what pauses what):

* An inquiry lives in *episodes*: the first starts at ``received_at``, each ``reopened`` event
  starts a new one at its instant (a reopen is a fresh start, never an instant breach). Every
  deadline belongs to one episode; only the latest episode's deadlines can be pending.
* Each deadline kind is chosen separately by :func:`~inquiry_desk.deadlines.policy.select_rule` and
  measured from the episode start, except ``contact_after_assign`` which runs from the latest
  ``assigned`` event of the episode (no assignment, no such deadline).
* Met by (first matching event at or after the deadline's start):

  ====================  ===========================================================
  acknowledge           acknowledged, replied, first_replied
  first_reply           replied, first_replied
  detailed_reply        detailed_replied, or replied/first_replied with data.detailed
  progress_notice       progress_notified, or replied with data.progress
  resolve               resolved, closed
  identify              classified, reclassified
  assign                assigned
  contact_after_assign  replied, first_replied, contacted
  ====================  ===========================================================

  ``resolved``/``closed`` also ends every other open deadline of the episode (nothing is left
  to chase); ``met_by`` tells which event did it.
* ``waiting_on_customer`` pauses the ``resolve`` and ``progress_notice`` clocks until the next
  ``customer_replied``; the paused span is measured on the target's own clock, so on a business
  clock only the business time inside the pause is added. A deadline still paused has
  ``paused_since`` set, its ``due`` is what it would be if the customer answered at that instant,
  and it is not pending.
* ``reclassified`` (or ``classified``) events may carry new ``urgency``, ``category``, ``team``,
  ``customer_tier``, ``level`` or ``region`` in ``data``; the deadlines of an episode are
  computed from the facts as they stand at the end of that episode (for the current one: now),
  measured from the episode's original start. Raising the urgency therefore moves deadlines
  earlier without restarting the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from inquiry_desk.deadlines.policy import DEADLINE_KINDS, Rule, SlaPolicy, Target, select_rule
from inquiry_desk.model import Channel, CustomerTier, Inquiry, InquiryEvent, Urgency, as_utc

__all__ = [
    "Deadline",
    "InquiryFacts",
    "TimelineEvent",
    "compute_deadlines",
    "next_deadline",
    "pending_deadlines",
]

_REPLY = frozenset({"replied", "first_replied"})
_MET_BY: dict[str, frozenset[str]] = {
    "acknowledge": frozenset({"acknowledged"}) | _REPLY,
    "first_reply": _REPLY,
    "detailed_reply": frozenset({"detailed_replied"}),
    "progress_notice": frozenset({"progress_notified"}),
    "resolve": frozenset({"resolved", "closed"}),
    "identify": frozenset({"classified", "reclassified"}),
    "assign": frozenset({"assigned"}),
    "contact_after_assign": frozenset({"contacted"}) | _REPLY,
}
_FLAG_MEETS = {"detailed_reply": "detailed", "progress_notice": "progress"}  # reply with data[flag]
_TERMINAL = frozenset({"resolved", "closed"})
_PAUSABLE = frozenset({"resolve", "progress_notice"})
_FACT_FIELDS = ("urgency", "category", "team", "customer_tier", "level", "region")


class TimelineEvent(BaseModel):
    """One timeline entry the engine reads: a type (see module doc), an aware instant, data."""

    model_config = ConfigDict(frozen=True)

    type: str
    at: datetime
    data: dict[str, Any] = Field(default_factory=dict)

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return as_utc(value)


class InquiryFacts(BaseModel):
    """What the SLA engine needs to know about one inquiry."""

    model_config = ConfigDict(frozen=True)

    channel: Channel
    category: str | None = None
    urgency: Urgency = Urgency.NORMAL
    customer_tier: CustomerTier = CustomerTier.NORMAL
    team: str | None = Field(default=None, description="defaults to the category's team")
    region: str | None = Field(default=None, description="region of the serving team (R10.1)")
    level: str | None = Field(default=None, description="R2.2 response level L1/L2/L3, if judged")
    received_at: datetime
    events: list[TimelineEvent] = Field(default_factory=list)

    @field_validator("received_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return as_utc(value)

    @classmethod
    def from_inquiry(
        cls, inquiry: Inquiry, events: Iterable[InquiryEvent], *, region: str | None = None
    ) -> InquiryFacts:
        """Facts from a stored inquiry and its timeline.

        The inquiry's *current* classification is in the record; the timeline's classified /
        reclassified events only matter for their instants (identify met), so their data is not
        re-applied over the record.
        """
        timeline = [
            TimelineEvent(
                type=str(e.type),
                at=e.at,
                data={k: v for k, v in e.data.items() if k not in _FACT_FIELDS}
                if str(e.type) in ("classified", "reclassified")
                else dict(e.data),
            )
            for e in events
        ]
        return cls(
            channel=inquiry.channel,
            category=inquiry.category,
            urgency=inquiry.urgency,
            customer_tier=inquiry.customer_tier,
            team=inquiry.team,
            region=region,
            received_at=inquiry.received_at,
            events=timeline,
        )


class Deadline(BaseModel):
    """One computed deadline."""

    model_config = ConfigDict(frozen=True)

    kind: str
    due: datetime = Field(description="aware UTC")
    rule: str = Field(description="id of the rule that set it")
    why: str = Field(description="which rule, target, clock/calendar and pauses produced it")
    episode: int
    start: datetime = Field(description="the instant the clock started")
    warn_at: datetime | None = None
    met_at: datetime | None = None
    met_by: str | None = None
    paused_since: datetime | None = None
    escalation: str | None = Field(default=None, description="escalation ladder name")

    @property
    def is_pending(self) -> bool:
        """Not met and not paused."""
        return self.met_at is None and self.paused_since is None

    @property
    def breached(self) -> bool:
        """Met late (a pending deadline's breach depends on the current time: compare ``due``)."""
        return self.met_at is not None and self.met_at > self.due


# ------------------------------------------------------------------------------------ clocks


class _Clock:
    """Adds and measures durations on a target's clock."""

    def __init__(self, policy: SlaPolicy, target: Target, region: str | None) -> None:
        if target.clock == "business":
            self.calendar_id: str | None = policy.calendar_for(target, region)
            cal = policy.calendar(self.calendar_id)
            self.add: Callable[[datetime, timedelta], datetime] = cal.add_business_time
            self.between: Callable[[datetime, datetime], timedelta] = cal.business_time_between
            self.label = f"business clock of calendar {self.calendar_id} ({cal.timezone})"
        else:
            self.calendar_id = None
            self.add = lambda start, d: start + d
            self.between = lambda a, b: b - a
            self.label = "calendar clock"

    def due(
        self, start: datetime, target: timedelta, pauses: Sequence[tuple[datetime, datetime | None]]
    ) -> tuple[datetime, timedelta, int, datetime | None]:
        """(due, paused time added, pauses that counted, open pause start)."""
        remaining = target
        cursor = start
        added = timedelta(0)
        counted = 0
        for p0, p1 in pauses:
            if p1 is not None and p1 <= cursor:
                continue
            p0 = max(p0, cursor)
            used = self.between(cursor, p0)
            if used >= remaining:
                break  # the deadline fell before this pause began
            remaining -= used
            counted += 1
            if p1 is None:
                return self.add(p0, remaining), added, counted, p0
            added += self.between(p0, p1)
            cursor = p1
        return self.add(cursor, remaining), added, counted, None


# ------------------------------------------------------------------------------------ engine


def _episodes(facts: InquiryFacts) -> list[tuple[datetime, list[TimelineEvent]]]:
    events = sorted(facts.events, key=lambda e: e.at)
    starts = [facts.received_at] + [e.at for e in events if e.type == "reopened" and e.at > facts.received_at]
    out: list[tuple[datetime, list[TimelineEvent]]] = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else None
        out.append((start, [e for e in events if e.at >= start and (end is None or e.at < end)]))
    return out


def _facts_until(facts: InquiryFacts, until: datetime | None) -> tuple[dict[str, Any], list[str]]:
    """Match facts after applying the reclassifications up to ``until``, plus a note of each."""
    current: dict[str, Any] = {
        "channel": facts.channel.value,
        "category": facts.category,
        "urgency": facts.urgency.value,
        "customer_tier": facts.customer_tier.value,
        "team": facts.team,
        "region": facts.region,
        "level": facts.level,
    }
    notes: list[str] = []
    for e in sorted(facts.events, key=lambda e: e.at):
        if until is not None and e.at >= until:
            break
        if e.type not in ("classified", "reclassified"):
            continue
        changed = {k: str(e.data[k]) for k in _FACT_FIELDS if e.data.get(k) is not None}
        changed = {k: v for k, v in changed.items() if current.get(k) != v}
        if changed:
            current.update(changed)
            notes.append(f"reclassified at {_iso(e.at)} ({', '.join(f'{k}={v}' for k, v in changed.items())})")
    return current, notes


def _match_facts(policy: SlaPolicy, current: dict[str, Any]) -> dict[str, Any]:
    facts = dict(current)
    if facts.get("team") is None and facts.get("category") in policy.categories:
        facts["team"] = policy.categories[facts["category"]].team
    return facts


def _meets(kind: str, event: TimelineEvent) -> bool:
    if event.type in _MET_BY[kind]:
        return True
    flag = _FLAG_MEETS.get(kind)
    return flag is not None and event.type in _REPLY and bool(event.data.get(flag))


def _iso(at: datetime) -> str:
    return as_utc(at).isoformat().replace("+00:00", "Z")


def _human(d: timedelta) -> str:
    seconds = int(d.total_seconds())
    if seconds % 3600 == 0 and seconds >= 3600:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0 and seconds >= 60:
        return f"{seconds // 60} min"
    return f"{d.total_seconds():g} s"


def _pauses(events: Sequence[TimelineEvent]) -> list[tuple[datetime, datetime | None]]:
    out: list[tuple[datetime, datetime | None]] = []
    since: datetime | None = None
    for e in events:
        if e.type == "waiting_on_customer" and since is None:
            since = e.at
        elif e.type == "customer_replied" and since is not None:
            out.append((since, e.at))
            since = None
        elif e.type in _TERMINAL:
            break
    if since is not None:
        out.append((since, None))
    return out


def _episode_deadlines(
    policy: SlaPolicy,
    facts: InquiryFacts,
    number: int,
    start: datetime,
    events: list[TimelineEvent],
    until: datetime | None,
) -> list[Deadline]:
    current, reclass_notes = _facts_until(facts, until)
    match = _match_facts(policy, current)
    terminal = next((e for e in events if e.type in _TERMINAL), None)
    pauses = _pauses(events)
    computed: dict[str, Deadline] = {}
    order = sorted(DEADLINE_KINDS, key=lambda k: 1 if _before_of(policy, match, k) else 0)
    for kind in order:
        rule = select_rule(policy, kind, match)
        if rule is None:
            continue
        target = rule.targets[kind]  # type: ignore[index]
        deadline = _one(policy, rule, kind, target, match, number, start, events, pauses, terminal, computed)
        if deadline is None:
            continue
        if reclass_notes:
            deadline = deadline.model_copy(update={"why": f"{deadline.why}; {'; '.join(reclass_notes)}"})
        computed[kind] = deadline
    return [computed[k] for k in DEADLINE_KINDS if k in computed]


def _before_of(policy: SlaPolicy, match: dict[str, Any], kind: str) -> str | None:
    rule = select_rule(policy, kind, match)
    return rule.targets[kind].before if rule is not None else None  # type: ignore[index]


def _one(
    policy: SlaPolicy,
    rule: Rule,
    kind: str,
    target: Target,
    match: dict[str, Any],
    number: int,
    start: datetime,
    events: list[TimelineEvent],
    pauses: list[tuple[datetime, datetime | None]],
    terminal: TimelineEvent | None,
    computed: dict[str, Deadline],
) -> Deadline | None:
    span = target.to_timedelta()
    warn = policy.warn_for(rule, kind)
    ladder = target.escalation or rule.escalation or policy.defaults.escalation
    clock_start = start
    if kind == "contact_after_assign":
        assigned = [e for e in events if e.type == "assigned" and (terminal is None or e.at <= terminal.at)]
        if not assigned:
            return None
        clock_start = assigned[-1].at
    head = f"rule {rule.id} sets {kind} = {target.describe()}"
    paused_since: datetime | None = None
    if target.before is not None:
        base = computed.get(target.before)
        if base is None:
            return None
        due = max(clock_start, base.due - span)
        why = f"{head} before the {target.before} deadline ({_iso(base.due)}), on the calendar clock"
        paused_since = base.paused_since
        warn_at = None if warn is None else max(clock_start, due - warn.remaining_of(due - clock_start))
    else:
        clock = _Clock(policy, target, match.get("region"))
        used_pauses = pauses if kind in _PAUSABLE else []
        due, added, counted, paused_since = clock.due(clock_start, span, used_pauses)
        origin = "assignment" if kind == "contact_after_assign" else ("reopen" if number > 1 else "receipt")
        why = f"{head} on the {clock.label}, from {origin} at {_iso(clock_start)}"
        if counted:
            why += f"; {counted} wait(s) on the customer added {_human(added)}"
        if paused_since is not None:
            why += f"; paused since {_iso(paused_since)} (waiting on the customer)"
        warn_at = None
        if warn is not None:
            left = warn.remaining_of(span)
            warn_at = clock_start if left >= span else clock.due(clock_start, span - left, used_pauses)[0]
    met = next((e for e in events if e.at >= clock_start and _meets(kind, e)), None)
    if met is None and terminal is not None and terminal.at >= clock_start:
        met = terminal
    if met is not None:
        paused_since = None
    return Deadline(
        kind=kind,
        due=as_utc(due),
        rule=rule.id,
        why=why,
        episode=number,
        start=clock_start,
        warn_at=None if warn_at is None else as_utc(warn_at),
        met_at=met.at if met else None,
        met_by=met.type if met else None,
        paused_since=paused_since,
        escalation=ladder,
    )


def compute_deadlines(policy: SlaPolicy, facts: InquiryFacts) -> list[Deadline]:
    """Every deadline of every episode of the inquiry, in episode then kind order."""
    out: list[Deadline] = []
    episodes = _episodes(facts)
    for i, (start, events) in enumerate(episodes):
        until = episodes[i + 1][0] if i + 1 < len(episodes) else None
        out.extend(_episode_deadlines(policy, facts, i + 1, start, events, until))
    return out


def pending_deadlines(policy: SlaPolicy, facts: InquiryFacts) -> list[Deadline]:
    """The latest episode's deadlines that are neither met nor paused, earliest first."""
    all_deadlines = compute_deadlines(policy, facts)
    if not all_deadlines:
        return []
    latest = max(d.episode for d in all_deadlines)
    return sorted((d for d in all_deadlines if d.episode == latest and d.is_pending), key=lambda d: d.due)


def next_deadline(policy: SlaPolicy, facts: InquiryFacts) -> Deadline | None:
    """The earliest pending deadline, or None when nothing is pending."""
    pending = pending_deadlines(policy, facts)
    return pending[0] if pending else None
