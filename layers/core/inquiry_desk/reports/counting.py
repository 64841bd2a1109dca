"""What one timeline event adds to the per-day counters: a pure function of the event and the
events before it, so counting an event twice is detectable (its key) and counting all events one
by one, in any batch, gives the same totals.

Dimensions: ``all``, ``channel#<c>``, ``team#<t>``, ``category#<c>`` (the classification at intake:
a later reclassification does not move the inquiry between rows; it is measured by priority
accuracy), ``team_channel#<t>/<c>`` (one team's channel: the rows of its daily e-mail) and
``agent#<user>`` for what an agent did (replies, first responses, resolutions,
knowledge-base use, the survey scores of the inquiries they owned).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from inquiry_desk.deadlines import TimelineEvent
from inquiry_desk.deadlines import engine as deadline_engine
from inquiry_desk.model import CustomerTier, EventType, Inquiry, InquiryEvent
from inquiry_desk.reports import metrics as m
from inquiry_desk.reports.settings import ReportPolicy

SURVEY_ANSWERED = EventType.SURVEY_ANSWERED  # issue 10: data.score 1-5
ALL = "all"
TEAM_CHANNEL = "team_channel"

# (customer id, received at) -> (received at, channel) of that customer's previous inquiry, if any
PreviousInquiry = Callable[[str, datetime, str], tuple[datetime, str] | None]


@dataclass(frozen=True)
class Drill:
    """One inquiry behind a counter: drill-down from a figure to the inquiries."""

    counter: str
    inquiry_id: str
    seq: int
    dims: dict[str, str]  # channel, team, category, agent (when an agent did it)


@dataclass
class Counting:
    """Everything one event changes, written together and at most once (keyed by ``key``)."""

    key: str  # <inquiry id>#<seq>
    day: str  # the cohort day (yyyy-mm-dd in the report time zone)
    counters: dict[str, dict[str, int]] = field(default_factory=dict)  # dimension -> counter -> amount
    drills: list[Drill] = field(default_factory=list)
    waiting: tuple[str, str, datetime] | None = None  # ("start"|"stop", channel, since): live queue
    response: tuple[str, datetime, int] | None = None  # (channel, at, seconds): live response time

    @property
    def empty(self) -> bool:
        return not self.counters and self.waiting is None and self.response is None

    def add(
        self, counter: str, amount: int, dims: Sequence[str], inquiry_id: str, seq: int, labels: dict[str, str]
    ) -> None:
        for dim in dims:
            row = self.counters.setdefault(dim, {})
            row[counter] = row.get(counter, 0) + amount
        if counter not in m.SUMS:
            self.drills.append(Drill(counter, inquiry_id, seq, labels))


@dataclass
class _State:
    """The inquiry as the events before the one being counted left it."""

    urgency: str | None = None
    owner: str | None = None
    episode: int = 1
    replied: bool = False
    resolved: bool = False
    reopened: bool = False
    customer_wrote_again: bool = False
    bot_replied: bool = False
    transferred: bool = False
    corrected: bool = False
    waiting: bool = True
    waiting_since: datetime | None = None  # when the current wait for an answer began
    closed_kinds: set[tuple[str, int]] = field(default_factory=set)  # (kind, episode) met or breached


def team_channel(team: str, channel: str) -> str:
    """The dimension of one team's inquiries on one channel (the rows of the team's daily e-mail)."""
    return f"{TEAM_CHANNEL}#{team}/{channel}"


def cohort_day(at: datetime, policy: ReportPolicy) -> str:
    return at.astimezone(policy.zone).date().isoformat()


def _classification(inquiry: Inquiry, events: Sequence[InquiryEvent]) -> dict[str, Any]:
    first = next((e for e in events if e.type == EventType.CLASSIFIED), None)
    data = first.data if first else {}
    return {
        "category": str(data.get("category") or inquiry.category or "none"),
        "team": str(data.get("team") or inquiry.team or "none"),
        "urgency": str(data.get("urgency") or inquiry.urgency.value),
        "matched": [str(k) for k in data.get("matched") or []],
    }


def _fold(state: _State, e: InquiryEvent, policy: ReportPolicy) -> None:
    """Advance the state past one event (also used for the events before the counted one)."""
    kind = str(e.type)
    if kind == EventType.CLASSIFIED and e.data.get("urgency"):
        if state.urgency is not None and str(e.data["urgency"]) != state.urgency:
            state.corrected = True
        state.urgency = str(e.data["urgency"])
    if kind == EventType.ACKNOWLEDGED or kind == EventType.STATUS_CHANGED:
        state.owner = state.owner or e.actor
    if kind in (EventType.ASSIGNED, EventType.ESCALATED) and e.data.get("owner"):
        state.owner = str(e.data["owner"])
    if kind == EventType.REPLIED:
        state.owner = state.owner or (None if policy.automated(e.actor) else e.actor)
        if policy.automated(e.actor):
            state.bot_replied = True
        elif state.bot_replied:
            state.transferred = True
        state.replied = True
        state.waiting = False
    if kind in (EventType.CUSTOMER_REPLIED, EventType.MESSAGE_ADDED) and e.seq > 1:
        state.customer_wrote_again = True
    if kind in (EventType.RESOLVED, EventType.CLOSED):
        state.resolved = state.resolved or kind == EventType.RESOLVED
        state.waiting = False
    if kind in (EventType.RECEIVED, EventType.REOPENED):
        state.waiting_since = e.at
    if kind == EventType.REOPENED:
        state.reopened = True
        state.waiting = True
        state.episode = int(e.data.get("episode") or state.episode + 1)
    for sla_kind in policy.sla_kinds:
        if _meets(sla_kind, e):
            state.closed_kinds.add((sla_kind, state.episode))
    if kind == EventType.DEADLINE_BREACHED:
        state.closed_kinds.add((str(e.data.get("kind")), int(e.data.get("episode") or state.episode)))


def _meets(kind: str, e: InquiryEvent) -> bool:
    """The SLA engine's own rule of which event meets which deadline (resolved/closed end them all)."""
    if str(e.type) in ("resolved", "closed"):
        return True
    # the engine reads only .type and .data: a stored event serves as its TimelineEvent
    return deadline_engine._meets(kind, cast(TimelineEvent, e))


def contributions(
    event: InquiryEvent,
    inquiry: Inquiry,
    events: Sequence[InquiryEvent],
    policy: ReportPolicy,
    previous: PreviousInquiry | None = None,
) -> Counting:
    """What ``event`` adds. ``events`` is the inquiry's timeline (at least up to the event)."""
    ordered = sorted(events, key=lambda x: x.seq)
    received = next((x for x in ordered if x.type == EventType.RECEIVED), None)
    received_at = received.at if received else inquiry.received_at
    counting = Counting(key=f"{event.inquiry_id}#{event.seq}", day=cohort_day(received_at, policy))
    state = _State()
    for before in ordered:
        if before.seq >= event.seq:
            break
        _fold(state, before, policy)
    facts = _classification(inquiry, ordered)
    channel = inquiry.channel.value
    cohort = [
        ALL,
        f"channel#{channel}",
        f"team#{facts['team']}",
        f"category#{facts['category']}",
        team_channel(facts["team"], channel),
    ]
    labels = {"channel": channel, "team": facts["team"], "category": facts["category"]}
    iid, seq, kind = event.inquiry_id, event.seq, str(event.type)

    def add(counter: str, amount: int = 1, agent: str | None = None) -> None:
        dims = cohort + ([f"agent#{agent}"] if agent else [])
        counting.add(counter, amount, dims, iid, seq, {**labels, **({"agent": agent} if agent else {})})

    automated = policy.automated(event.actor)
    if kind == EventType.RECEIVED:
        add(m.RECEIVED)
        counting.waiting = ("start", channel, event.at)
        if inquiry.customer_tier is CustomerTier.VIP:
            add(m.VIP_RECEIVED)
        if facts["category"] == "complaint" and _mentions_waiting(facts["matched"], policy):
            add(m.WAIT_COMPLAINTS)
        prior = previous(inquiry.customer_id, event.at, iid) if previous else None
        if prior is not None and (event.at - prior[0]).total_seconds() <= policy.repeat_window_days * 86400:
            add(m.REPEAT)
            if prior[1] != channel:
                add(m.CHANNEL_SWITCH)
    elif kind == EventType.CLASSIFIED and event.seq > 1 and event.data.get("urgency") and not state.corrected:
        if state.urgency is not None and str(event.data["urgency"]) != state.urgency:
            add(m.PRIORITY_CORRECTED)
    elif kind == EventType.REPLIED:
        agent = None if automated else event.actor
        add(m.AUTOMATED_REPLIES if automated else m.HUMAN_REPLIES, agent=agent)
        if automated and not state.bot_replied:
            add(m.BOT_HANDLED)
        if not automated and state.bot_replied and not state.transferred:
            add(m.BOT_TRANSFERRED)
        if not automated and (
            event.data.get("kb_article") or event.data.get("template") or event.data.get("content_ref")
        ):
            add(m.KB_REPLIES, agent=agent)
        if not automated and event.data.get("suggestion_rank"):
            add(m.SUGGESTION_REPLIES, agent=agent)
        if not state.replied:
            seconds = max(0, int((event.at - received_at).total_seconds()))
            add(m.FIRST_RESPONSES, agent=agent)
            add(m.FIRST_RESPONSE_SECONDS, seconds, agent=agent)
            counting.response = (channel, event.at, seconds)
            target = policy.first_response_within_seconds.get(channel)
            if target is not None:
                add(m.FIRST_RESPONSES_TARGETED)
                add(m.ANSWERED_IN_TIME if seconds <= target else m.ANSWERED_LATE)
        if state.waiting:
            counting.waiting = ("stop", channel, state.waiting_since or received_at)
    elif kind == EventType.RESOLVED and not state.resolved:
        add(m.RESOLVED, agent=None if automated else event.actor)
        if automated:
            add(m.BOT_RESOLVED)
        if not state.customer_wrote_again and not state.reopened:
            add(m.FIRST_CONTACT_RESOLVED)
    elif kind == EventType.REOPENED:
        add(m.REOPENED)
        counting.waiting = ("start", channel, event.at)
    elif kind == SURVEY_ANSWERED:
        score = _score(event.data.get("score"))
        if score is not None:
            owner = state.owner
            add(m.CSAT_ANSWERS, agent=owner)
            add(m.CSAT_SCORE_SUM, score, agent=owner)
            if score >= policy.positive_score_at_least:
                add(m.CSAT_POSITIVE, agent=owner)
            if score < policy.low_score_below:
                add(m.CSAT_LOW, agent=owner)
    if kind in (EventType.RESOLVED, EventType.CLOSED) and state.waiting:
        counting.waiting = ("stop", channel, state.waiting_since or received_at)
    _count_deadlines(event, state, policy, inquiry, add)
    return counting


def _count_deadlines(
    event: InquiryEvent, state: _State, policy: ReportPolicy, inquiry: Inquiry, add: Callable[..., None]
) -> None:
    if event.type == EventType.DEADLINE_BREACHED:
        kind, episode = str(event.data.get("kind")), int(event.data.get("episode") or state.episode)
        if episode == state.episode and (kind, episode) not in state.closed_kinds:
            add(m.BREACHES)
            if kind in policy.sla_kinds:
                add(m.sla_breached(kind))
        return
    for kind in policy.sla_kinds:
        if (kind, state.episode) in state.closed_kinds or not _meets(kind, event):
            continue
        if event.type == EventType.REOPENED:
            continue
        add(m.sla_met(kind))
        if kind == "first_reply" and state.episode == 1 and inquiry.customer_tier is CustomerTier.VIP:
            add(m.VIP_COVERED)


def _score(raw: Any) -> int | None:
    try:
        score = int(raw)
    except (TypeError, ValueError):
        return None
    return score if 1 <= score <= 5 else None


def _mentions_waiting(matched: Sequence[str], policy: ReportPolicy) -> bool:
    words = [w.lower() for w in policy.wait_complaint_keywords]
    return any(any(w in k.lower() for w in words) for k in matched)
