"""Benchmarks of the SLA domain, called by ``make bench``. Nothing runs (or prints) on import.

Each function returns ``{"metric_name": {"value": float, "unit": str, "target": str}}``;
:func:`bench_vs_businesstimedelta` adds a ``"disagreements"`` list.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from inquiry_desk.deadlines.calendar import BusinessCalendar
from inquiry_desk.deadlines.engine import InquiryFacts, TimelineEvent, compute_deadlines
from inquiry_desk.deadlines.policy import SlaPolicy, load_policy, shipped_policy_path
from inquiry_desk.model import Channel, CustomerTier, Urgency

__all__ = ["bench_deadlines_per_second", "bench_distance_cost_ratio", "bench_vs_businesstimedelta"]

_CN = "cn_office"


def _metric(value: float, unit: str, target: str) -> dict[str, Any]:
    return {"value": float(value), "unit": unit, "target": target}


def _starts(n: int, seed: int, year: int = 2026) -> list[datetime]:
    rng = random.Random(seed)
    origin = datetime(year, 1, 1, tzinfo=UTC)
    return [origin + timedelta(seconds=rng.randrange(365 * 86_400)) for _ in range(n)]


def _sample_facts(policy: SlaPolicy, n: int = 64) -> list[InquiryFacts]:
    rng = random.Random(7)
    channels = [Channel(c) for c in ("chat", "email", "wechat", "phone", "weibo", "in_store", "app_message")]
    categories = list(policy.categories)
    out = []
    for start in _starts(n, 11):
        events = [TimelineEvent(type="classified", at=start + timedelta(seconds=20))]
        if rng.random() < 0.7:
            events.append(TimelineEvent(type="acknowledged", at=start + timedelta(minutes=2)))
        if rng.random() < 0.5:
            events.append(TimelineEvent(type="assigned", at=start + timedelta(minutes=1)))
            events.append(TimelineEvent(type="replied", at=start + timedelta(minutes=9)))
        if rng.random() < 0.3:
            events.append(TimelineEvent(type="waiting_on_customer", at=start + timedelta(minutes=30)))
            events.append(TimelineEvent(type="customer_replied", at=start + timedelta(hours=5)))
        out.append(
            InquiryFacts(
                channel=rng.choice(channels),
                category=rng.choice(categories),
                urgency=rng.choice(list(Urgency)),
                customer_tier=rng.choice([CustomerTier.NORMAL, CustomerTier.NORMAL, CustomerTier.VIP]),
                region=rng.choice([None, "CN", "US"]),
                received_at=start,
                events=events,
            )
        )
    return out


def bench_deadlines_per_second(seconds_budget: float = 1.0) -> dict[str, Any]:
    """Full ``compute_deadlines`` runs on a mix of inquiries with the shipped policy, for the budget."""
    policy = load_policy(shipped_policy_path())
    sample = _sample_facts(policy)
    for facts in sample:  # warm the calendars' year caches
        compute_deadlines(policy, facts)
    inquiries = deadlines = 0
    began = time.perf_counter()
    while time.perf_counter() - began < seconds_budget:
        for facts in sample:
            deadlines += len(compute_deadlines(policy, facts))
            inquiries += 1
    elapsed = time.perf_counter() - began
    return {
        "sla_inquiries_per_second": _metric(inquiries / elapsed, "inquiries/s", ">= 1000"),
        "sla_deadlines_per_second": _metric(deadlines / elapsed, "deadlines/s", ">= 5000"),
    }


def _time(cal: BusinessCalendar, starts: list[datetime], duration: timedelta) -> float:
    began = time.perf_counter()
    for s in starts:
        cal.add_business_time(s, duration)
    return time.perf_counter() - began


def bench_distance_cost_ratio(rounds: int = 15, n: int = 400) -> dict[str, Any]:
    """90-day vs 1-hour business-time targets, same calendar and starts, interleaved in one run.

    The value is the median over rounds of (time for 90-day targets / time for 1-hour targets).
    """
    cal = load_policy(shipped_policy_path()).calendar(_CN)
    starts = _starts(n, 3)
    short, long_ = timedelta(hours=1), timedelta(days=90)
    _time(cal, starts, long_)  # warm the year caches for both
    _time(cal, starts, short)
    ratios, t_short, t_long = [], [], []
    for _ in range(rounds):
        a = _time(cal, starts, short)
        b = _time(cal, starts, long_)
        t_short.append(a)
        t_long.append(b)
        ratios.append(b / a)
    ratios.sort()
    return {
        "sla_distance_cost_ratio": _metric(ratios[len(ratios) // 2], "x", "<= 2"),
        "sla_add_business_time_1h_us": _metric(min(t_short) / n * 1e6, "us/call", "informational"),
        "sla_add_business_time_90d_us": _metric(min(t_long) / n * 1e6, "us/call", "informational"),
    }


def bench_vs_businesstimedelta(n: int = 300) -> dict[str, Any]:
    """Compare with ``businesstimedelta`` on the China office calendar (Mon-Fri 09:00-12:00,
    13:30-18:00, CN holidays) for 2026 starts and 1-40 h business-time targets.

    Returns the speed ratio (their time / ours) and every disagreement with its reason.
    businesstimedelta cannot express make-up working days (its HolidayRule only removes time), so
    every deadline whose span crosses a 调休 weekend workday differs.
    """
    import businesstimedelta as btd
    import holidays
    import pytz

    policy = load_policy(shipped_policy_path())
    cal = policy.calendar(_CN)
    tz = pytz.timezone("Asia/Shanghai")
    days = [0, 1, 2, 3, 4]
    rule = btd.Rules(
        [
            btd.WorkDayRule(start_time=_t(9), end_time=_t(18), working_days=days, tz=tz),
            btd.LunchTimeRule(start_time=_t(12), end_time=_t(13, 30), working_days=days, tz=tz),
            btd.HolidayRule(holidays.China(years=[2026, 2027]), tz=tz),
        ]
    )
    rng = random.Random(5)
    cases = [(s, timedelta(hours=rng.choice([1, 2, 4, 8, 24, 40]))) for s in _starts(n, 9)]
    cal.add_business_time(cases[0][0], timedelta(days=60))  # warm our caches for the whole range
    began = time.perf_counter()
    ours = [cal.add_business_time(s, d) for s, d in cases]
    t_ours = time.perf_counter() - began
    began = time.perf_counter()
    theirs = [(s + btd.BusinessTimeDelta(rule, timedelta=d)).astimezone(UTC) for s, d in cases]
    t_theirs = time.perf_counter() - began
    # The same calendar without make-up days: if it agrees with businesstimedelta, the make-up
    # day is proven to be the whole difference.
    plain = policy.calendars[_CN].model_copy(update={"makeup_days": False}).build("cn_office_no_makeup")
    makeups = [d for d in _dates(2026, 2027) if not plain.shifts_on(d) and cal.shifts_on(d)]
    disagreements = []
    for (start, duration), a, b in zip(cases, ours, theirs, strict=True):
        if a == b:
            continue
        lo, hi = min(a, b), max(a, b)
        local_span = (start.astimezone(tz).date(), hi.astimezone(tz).date())
        crossed = [d for d in makeups if local_span[0] <= d <= local_span[1]]
        if crossed and plain.add_business_time(start, duration) == b:
            reason = (
                f"make-up working day {', '.join(map(str, crossed))} (调休) is open in our calendar; "
                "businesstimedelta's HolidayRule can only remove time, not add a weekend workday"
            )
        elif cal.business_time_between(lo, hi) == timedelta(0):
            reason = (
                "same business time: ours is the closing instant of the shift where the work completes, "
                "businesstimedelta returns the next opening instead"
            )
        else:
            reason = "unexplained"
        disagreements.append(
            {
                "start": start.isoformat(),
                "duration_hours": duration.total_seconds() / 3600,
                "ours": a.isoformat(),
                "businesstimedelta": b.isoformat(),
                "reason": reason,
            }
        )
    unexplained = sum(1 for d in disagreements if d["reason"] == "unexplained")
    return {
        "sla_speedup_vs_businesstimedelta": _metric(t_theirs / t_ours, "x", ">= 1"),
        "sla_disagreements_vs_businesstimedelta": _metric(len(disagreements), "cases", f"all explained (of {n})"),
        "sla_unexplained_disagreements": _metric(unexplained, "cases", "0"),
        "disagreements": disagreements,
    }


def _dates(first_year: int, last_year: int) -> list[date]:
    d, end = date(first_year, 1, 1), date(last_year, 12, 31)
    out = []
    while d <= end:
        out.append(d)
        d += timedelta(days=1)
    return out


def _t(hour: int, minute: int = 0) -> Any:
    from datetime import time as clock

    return clock(hour, minute)
