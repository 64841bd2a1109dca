"""The same counters recomputed from whole timelines, inquiry by inquiry: the audit of the counters.

Written independently of ``counting`` (one pass over a finished timeline, asking "what happened to
this inquiry", not "what does this event add"), so that the equality of the two over a month of
traffic checks the counting, its day buckets and its exactly-once writes. Used by the tests and by
``desk report --audit``; never by a report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

from inquiry_desk.model import CustomerTier, EventType, InquiryEvent
from inquiry_desk.ports import Timeline
from inquiry_desk.reports import metrics as m
from inquiry_desk.reports.counting import ALL, SURVEY_ANSWERED, _meets, cohort_day
from inquiry_desk.reports.settings import ReportPolicy

Rows = dict[str, dict[str, dict[str, int]]]  # day -> dimension -> counter -> value


def recompute(timelines: Iterable[Timeline], policy: ReportPolicy) -> Rows:
    timelines = list(timelines)
    by_customer: dict[str, list[tuple[object, str, str]]] = defaultdict(list)
    for t in timelines:
        by_customer[t.inquiry.customer_id].append(
            (t.inquiry.received_at, t.inquiry.channel.value, t.inquiry.inquiry_id)
        )
    rows: Rows = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for t in timelines:
        _one(t, policy, rows, by_customer[t.inquiry.customer_id])
    return {d: {k: dict(v) for k, v in dims.items()} for d, dims in rows.items()}


def _one(t: Timeline, policy: ReportPolicy, rows: Rows, history: list[tuple[object, str, str]]) -> None:
    inquiry = t.inquiry
    events = sorted(t.events, key=lambda e: e.seq)
    received = next(e for e in events if e.type == EventType.RECEIVED)
    first_class = next((e for e in events if e.type == EventType.CLASSIFIED), None)
    info = first_class.data if first_class else {}
    team, category = (
        str(info.get("team") or inquiry.team or "none"),
        str(info.get("category") or inquiry.category or "none"),
    )
    day = cohort_day(received.at, policy)
    cohort = [
        ALL,
        f"channel#{inquiry.channel.value}",
        f"team#{team}",
        f"category#{category}",
        f"team_channel#{team}/{inquiry.channel.value}",
    ]

    def add(counter: str, amount: int = 1, agent: str | None = None) -> None:
        for dim in cohort + ([f"agent#{agent}"] if agent else []):
            rows[day][dim][counter] += amount

    add(m.RECEIVED)
    vip = inquiry.customer_tier is CustomerTier.VIP
    if vip:
        add(m.VIP_RECEIVED)
    words = [w.lower() for w in policy.wait_complaint_keywords]
    if category == "complaint" and any(w in str(k).lower() for k in info.get("matched") or [] for w in words):
        add(m.WAIT_COMPLAINTS)
    earlier = [h for h in history if (h[0], h[2]) < (received.at, inquiry.inquiry_id)]
    if earlier:
        last = max(earlier, key=lambda h: (h[0], h[2]))
        if received.at - last[0] <= timedelta(days=policy.repeat_window_days):  # type: ignore[operator]
            add(m.REPEAT)
            if last[1] != inquiry.channel.value:
                add(m.CHANNEL_SWITCH)

    urgencies = [str(e.data["urgency"]) for e in events if e.type == EventType.CLASSIFIED and e.data.get("urgency")]
    if any(u != urgencies[0] for u in urgencies[1:]):
        add(m.PRIORITY_CORRECTED)

    replies = [e for e in events if e.type == EventType.REPLIED]
    human = [e for e in replies if not policy.automated(e.actor)]
    bot = [e for e in replies if policy.automated(e.actor)]
    for e in human:
        add(m.HUMAN_REPLIES, agent=e.actor)
        if e.data.get("kb_article") or e.data.get("template") or e.data.get("content_ref"):
            add(m.KB_REPLIES, agent=e.actor)
        if e.data.get("suggestion_rank"):
            add(m.SUGGESTION_REPLIES, agent=e.actor)
    for _ in bot:
        add(m.AUTOMATED_REPLIES)
    if bot:
        add(m.BOT_HANDLED)
        if any(h.seq > bot[0].seq for h in human):
            add(m.BOT_TRANSFERRED)
    if replies:
        first = replies[0]
        agent = None if policy.automated(first.actor) else first.actor
        seconds = max(0, int((first.at - received.at).total_seconds()))
        add(m.FIRST_RESPONSES, agent=agent)
        add(m.FIRST_RESPONSE_SECONDS, seconds, agent=agent)
        target = policy.first_response_within_seconds.get(inquiry.channel.value)
        if target is not None:
            add(m.FIRST_RESPONSES_TARGETED)
            add(m.ANSWERED_IN_TIME if seconds <= target else m.ANSWERED_LATE)

    resolutions = [e for e in events if e.type == EventType.RESOLVED]
    if resolutions:
        r = resolutions[0]
        add(m.RESOLVED, agent=None if policy.automated(r.actor) else r.actor)
        if policy.automated(r.actor):
            add(m.BOT_RESOLVED)
        before = [e for e in events if e.seq < r.seq]
        if not any(
            e.type == EventType.REOPENED
            or (e.type in (EventType.CUSTOMER_REPLIED, EventType.MESSAGE_ADDED) and e.seq > 1)
            for e in before
        ):
            add(m.FIRST_CONTACT_RESOLVED)
    for _ in (e for e in events if e.type == EventType.REOPENED):
        add(m.REOPENED)

    for e in (e for e in events if str(e.type) == SURVEY_ANSWERED):
        try:
            score = int(e.data.get("score"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if not 1 <= score <= 5:
            continue
        owner = _owner_before(events, e.seq, policy)
        add(m.CSAT_ANSWERS, agent=owner)
        add(m.CSAT_SCORE_SUM, score, agent=owner)
        if score >= policy.positive_score_at_least:
            add(m.CSAT_POSITIVE, agent=owner)
        if score < policy.low_score_below:
            add(m.CSAT_LOW, agent=owner)

    _deadlines(events, policy, vip, add)


def _episodes(events: list[InquiryEvent]) -> list[list[InquiryEvent]]:
    out: list[list[InquiryEvent]] = [[]]
    for e in events:
        if e.type == EventType.REOPENED:
            out.append([])
        out[-1].append(e)
    return out


def _deadlines(events: list[InquiryEvent], policy: ReportPolicy, vip: bool, add: object) -> None:
    """Per episode and kind, the first of (an event meeting it, a breach of it) decides."""
    for number, episode in enumerate(_episodes(events), start=1):
        decided: set[str] = set()
        for e in episode:
            if e.type == EventType.DEADLINE_BREACHED:
                kind = str(e.data.get("kind"))
                ep = int(e.data.get("episode") or number)
                if ep == number and kind not in decided:
                    decided.add(kind)
                    add(m.BREACHES)  # type: ignore[operator]
                    if kind in policy.sla_kinds:
                        add(m.sla_breached(kind))  # type: ignore[operator]
                continue
            if e.type == EventType.REOPENED:
                continue
            for kind in policy.sla_kinds:
                if kind not in decided and _meets(kind, e):
                    decided.add(kind)
                    add(m.sla_met(kind))  # type: ignore[operator]
                    if kind == "first_reply" and number == 1 and vip:
                        add(m.VIP_COVERED)  # type: ignore[operator]


def _owner_before(events: list[InquiryEvent], seq: int, policy: ReportPolicy) -> str | None:
    owner: str | None = None
    for e in events:
        if e.seq >= seq:
            break
        if e.type in (EventType.ACKNOWLEDGED, EventType.STATUS_CHANGED):
            owner = owner or e.actor
        elif e.type in (EventType.ASSIGNED, EventType.ESCALATED) and e.data.get("owner"):
            owner = str(e.data["owner"])
        elif e.type == EventType.REPLIED and not policy.automated(e.actor):
            owner = owner or e.actor
    return owner
