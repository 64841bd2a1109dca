"""A generated month of inquiry timelines: several channels and time zones, bots and agents, pauses,
reopenings, breaches, surveys and reclassifications. Deterministic for a seed.

Used by the report equality tests (counters vs timelines) and by ``make bench``.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from inquiry_desk.model import Channel, CustomerTier, EventType, Inquiry, InquiryEvent, Urgency
from inquiry_desk.ports import Timeline

CHANNELS = [Channel.CHAT, Channel.WECHAT, Channel.EMAIL, Channel.PHONE, Channel.WHATSAPP, Channel.SMS]
CATEGORIES = [
    ("order_problem", "orders"),
    ("complaint", "complaints"),
    ("pre_sales", "sales"),
    ("usage_help", "support"),
]
AGENTS = ["alice", "bob", "chen", "dana"]
ZONES = [timezone(timedelta(hours=8)), timezone(timedelta(hours=-5)), UTC, timezone(timedelta(hours=5, minutes=30))]


def month_of_traffic(start: datetime, days: int = 30, per_day: int = 40, seed: int = 7) -> list[Timeline]:
    """``per_day`` inquiries on each of ``days`` days from ``start``. Each day's traffic depends only
    on the seed and the day, so a longer history holds the very same days as a shorter one."""
    out: list[Timeline] = []
    for d in range(days):
        out.extend(day_of_traffic(start + timedelta(days=d), per_day, seed))
    return out


def day_of_traffic(day: datetime, per_day: int, seed: int = 7) -> list[Timeline]:
    rng = random.Random(f"{seed}:{day.date().isoformat()}")
    customers = [f"C{n:05d}" for n in range(per_day * 10)]
    out = []
    for n in range(per_day):
        zone = rng.choice(ZONES)
        # around the clock, in the customer's own zone: day boundaries differ from the report's
        at = (day + timedelta(seconds=rng.randrange(86400))).astimezone(zone)
        out.append(_inquiry(rng, f"Q{day:%Y%m%d}{n:05d}", rng.choice(customers), at))
    return out


def _inquiry(rng: random.Random, iid: str, customer: str, at: datetime) -> Timeline:
    channel = rng.choice(CHANNELS)
    category, team = rng.choice(CATEGORIES)
    urgency = Urgency.URGENT if rng.random() < 0.2 else Urgency.NORMAL
    inquiry = Inquiry(
        inquiry_id=iid,
        customer_id=customer,
        channel=channel,
        received_at=at,
        description="…",
        category=category,
        team=team,
        urgency=urgency,
        customer_tier=CustomerTier.VIP if rng.random() < 0.1 else CustomerTier.NORMAL,
    )
    events: list[InquiryEvent] = []
    clock = at

    def ev(etype: str, actor: str = "system", after: float = 0, **data: Any) -> None:
        nonlocal clock
        clock = clock + timedelta(seconds=after)
        events.append(InquiryEvent(inquiry_id=iid, seq=len(events) + 1, type=etype, at=clock, actor=actor, data=data))

    matched = ["等了很久 waiting"] if category == "complaint" and rng.random() < 0.3 else []
    ev(EventType.RECEIVED, customer, channel=channel.value)
    ev(EventType.CLASSIFIED, category=category, urgency=urgency.value, team=team, matched=matched)
    ev(EventType.ASSIGNED, team=team, owner=None)
    agent = rng.choice(AGENTS)
    if rng.random() < 0.15:
        ev(EventType.REPLIED, "bot", after=rng.randrange(1, 30), message_id="m")
    wait = rng.choice([20, 60, 100, 200, 900, 4000, 20000])
    if wait > 1800 and rng.random() < 0.7:
        ev(EventType.DEADLINE_BREACHED, after=1800, kind="acknowledge", episode=1)
        wait -= 1800
    if rng.random() < 0.5:
        ev(EventType.ACKNOWLEDGED, agent, after=wait / 2)
    if rng.random() < 0.1:
        ev(EventType.CLASSIFIED, agent, after=5, urgency="normal" if urgency is Urgency.URGENT else "urgent")
    if rng.random() < 0.9:
        extra = {"template": "T1"} if rng.random() < 0.2 else {}
        ev(EventType.REPLIED, agent, after=wait / 2, message_id="m", **extra)
    if rng.random() < 0.3:  # a pause, then the customer answers
        ev(EventType.WAITING_ON_CUSTOMER, agent, after=60, reason="need photo")
        ev(EventType.CUSTOMER_REPLIED, customer, after=rng.randrange(60, 86400))
        ev(EventType.MESSAGE_ADDED, customer, channel=channel.value)
    if rng.random() < 0.1:
        ev(EventType.DEADLINE_BREACHED, after=3600, kind="resolve", episode=1)
    if rng.random() < 0.85:
        ev(EventType.RESOLVED, "bot" if rng.random() < 0.05 else agent, after=rng.randrange(60, 7200), result="done")
        if rng.random() < 0.5:
            ev("survey_answered", customer, after=rng.randrange(60, 3 * 86400), score=rng.randint(1, 5))
        if rng.random() < 0.12:  # reopened by the customer, answered and resolved again
            ev(EventType.REOPENED, customer, after=rng.randrange(60, 86400), reason="customer replied", episode=2)
            if rng.random() < 0.3:
                ev(EventType.DEADLINE_BREACHED, after=7200, kind="first_reply", episode=2)
            ev(EventType.REPLIED, agent, after=rng.randrange(60, 3600), message_id="m2")
            ev(EventType.RESOLVED, agent, after=600, result="done again")
    events.sort(key=lambda e: e.seq)
    return Timeline(inquiry.model_copy(update={"event_count": len(events)}), events, [])
