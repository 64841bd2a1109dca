"""Daily, weekly, monthly and quarterly reports from the day counters (R9.2): no table scan.

A report reads one partition per day of its period (the day's rows: one per channel, team,
category and agent seen that day), so its cost depends on the period, never on the history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from inquiry_desk.reports import metrics as m
from inquiry_desk.reports.counting import ALL, TEAM_CHANNEL
from inquiry_desk.reports.settings import ReportPolicy
from inquiry_desk.reports.store import CounterStore

Period = Literal["daily", "weekly", "monthly", "quarterly"]
PERIODS: tuple[Period, ...] = ("daily", "weekly", "monthly", "quarterly")


def period_days(period: Period, on: date) -> list[date]:
    """The days of the period that contains ``on`` (weeks start on Monday)."""
    if period == "daily":
        return [on]
    if period == "weekly":
        start = on - timedelta(days=on.weekday())
        return [start + timedelta(days=i) for i in range(7)]
    if period == "monthly":
        start, end = on.replace(day=1), _next_month(on.replace(day=1))
    else:
        first_month = 3 * ((on.month - 1) // 3) + 1
        start = on.replace(month=first_month, day=1)
        end = _next_month(_next_month(_next_month(start)))
    return [start + timedelta(days=i) for i in range((end - start).days)]


def _next_month(d: date) -> date:
    return d.replace(year=d.year + 1, month=1) if d.month == 12 else d.replace(month=d.month + 1)


def previous_period_day(period: Period, on: date) -> date:
    return period_days(period, on)[0] - timedelta(days=1)


@dataclass
class Report:
    period: Period
    start: date
    end: date  # inclusive
    rows: dict[str, dict[str, int]]  # dimension -> counters summed over the period
    days: dict[str, dict[str, int]]  # day -> the "all" row of that day (the trend)
    previous: dict[str, dict[str, int]] = field(default_factory=dict)  # the period before, for trends
    flags: list[dict[str, Any]] = field(default_factory=list)
    items_read: int = 0

    def figures(self, policy: ReportPolicy, dimension: str = ALL) -> dict[str, float | None]:
        counters = self.rows.get(dimension, {})
        return {metric.id: metric.value(counters) for metric in m.catalogue(policy)}

    def dimensions(self, kind: str) -> list[str]:
        return sorted(d for d in self.rows if d.startswith(f"{kind}#"))

    def to_json(self, policy: ReportPolicy) -> dict[str, Any]:
        catalogue = m.catalogue(policy)
        return {
            "period": self.period,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "time_zone": policy.time_zone,
            "metrics": [
                {
                    "id": x.id,
                    "title": x.title,
                    "requirement": x.requirement,
                    "formula": x.formula,
                    "target": x.target,
                    "unit": x.unit,
                    "kind": x.kind,
                    "drill": x.drill,
                }
                for x in catalogue
            ],
            "figures": {dim: self.figures(policy, dim) for dim in sorted(self.rows)},
            "counters": self.rows,
            "trend": [
                {
                    "day": d,
                    "received": r.get(m.RECEIVED, 0),
                    "resolved": r.get(m.RESOLVED, 0),
                    "first_response": m.metric(policy, "first_response").value(r),
                }
                for d, r in sorted(self.days.items())
            ],
            "previous": {dim: self.figures_of(policy, c) for dim, c in sorted(self.previous.items())},
            "days": self.days,  # each day's "all" counters (a stored report renders its trend again)
            "previous_counters": self.previous,
            "flags": self.flags,
            "items_read": self.items_read,
        }

    @staticmethod
    def figures_of(policy: ReportPolicy, counters: dict[str, int]) -> dict[str, float | None]:
        return {metric.id: metric.value(counters) for metric in m.catalogue(policy)}


def _sum(
    store: CounterStore, days: list[date], teams: frozenset[str] | None = None
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    per_day: dict[str, dict[str, int]] = {}
    for d in days:
        day_rows = store.day(d.isoformat())
        if teams is not None:
            day_rows = only_teams(day_rows, teams)
        per_day[d.isoformat()] = dict(day_rows.get(ALL, {}))
        for dim, counters in day_rows.items():
            for name, value in counters.items():
                rows[dim][name] += int(value)
    return {k: dict(v) for k, v in rows.items()}, per_day


def build_report(
    store: CounterStore, policy: ReportPolicy, period: Period, on: date, teams: frozenset[str] | None = None
) -> Report:
    """`teams`: the report a supervisor of these teams sees (see `only_teams`); None: the whole desk."""
    before = store.items_read
    days = period_days(period, on)
    rows, per_day = _sum(store, days, teams)
    report = Report(period, days[0], days[-1], rows, per_day)
    if period in ("monthly", "quarterly"):
        report.previous, _ = _sum(store, period_days(period, previous_period_day(period, on)), teams)
        report.flags = _flags(report, policy, period)
    report.items_read = store.items_read - before
    return report


def _flags(report: Report, policy: ReportPolicy, period: Period) -> list[dict[str, Any]]:
    """Surges (a category's volume jumped against the previous period) and small channels (R9.2, R9.3)."""
    flags: list[dict[str, Any]] = []
    for dim in report.dimensions("category"):
        now = report.rows[dim].get(m.RECEIVED, 0)
        was = report.previous.get(dim, {}).get(m.RECEIVED, 0)
        if now >= policy.surge.min_count and now >= policy.surge.factor * max(was, 1):
            flags.append(
                {
                    "flag": "surge",
                    "dimension": dim,
                    "received": now,
                    "previous": was,
                    "why": f"{now} received against {was} the period before (factor {policy.surge.factor})",
                }
            )
    if period == "monthly":
        for dim in report.dimensions("channel"):
            now = report.rows[dim].get(m.RECEIVED, 0)
            if now < policy.small_channel_monthly:
                flags.append(
                    {
                        "flag": "small_channel",
                        "dimension": dim,
                        "received": now,
                        "why": f"under {policy.small_channel_monthly} inquiries this month (R9.3)",
                    }
                )
    return flags


def drill_down(
    store: CounterStore,
    policy: ReportPolicy,
    period: Period,
    on: date,
    metric_id: str,
    dimension: str = ALL,
    teams: frozenset[str] | None = None,
) -> list[str]:
    """The inquiry ids behind one figure (its drill counter), e.g. chats answered late yesterday.

    `teams`: only inquiries counted for these teams (the drill's team label, R8.2); None: all.
    """
    metric = m.metric(policy, metric_id)
    if metric.drill is None:
        raise KeyError(f"{metric_id} is a share of replies, not of inquiries: no drill-down")
    kind, _, value = dimension.partition("#")
    wanted = {kind: value}
    if kind == TEAM_CHANNEL:  # team_channel#<team>/<channel>: both must match
        team, _, channel = value.partition("/")
        wanted = {"team": team, "channel": channel}
    ids: list[str] = []
    for d in period_days(period, on):
        for drill in store.drill(d.isoformat(), metric.drill):
            if teams is not None and drill.dims.get("team") not in teams:
                continue
            if dimension == ALL or all(drill.dims.get(k) == v for k, v in wanted.items()):
                ids.append(drill.inquiry_id)
    return sorted(set(ids))


UNRESOLVED = "unresolved"  # drill-down of the resolution rate's gap (R9.1: the reasons for unresolved ones)


def unresolved(
    store: CounterStore,
    policy: ReportPolicy,
    period: Period,
    on: date,
    dimension: str = ALL,
    teams: frozenset[str] | None = None,
) -> list[str]:
    """Inquiries received in the period and never resolved: the gap behind the resolution rate."""
    received = set(drill_down(store, policy, period, on, "volume", dimension, teams))
    resolved = set(drill_down(store, policy, period, on, "resolution_rate", dimension, teams))
    return sorted(received - resolved)


def unresolved_reasons(ids: list[str], status_of: Callable[[str], tuple[str, str | None]]) -> list[dict[str, Any]]:
    """Each unresolved inquiry with why: its status now and, when it waits on the customer, the reason."""
    out = []
    for iid in ids:
        status, reason = status_of(iid)
        out.append({"inquiry_id": iid, "status": status, "reason": reason or status.replace("_", " ")})
    return out


TEAM_DIMENSION = "team"


def only_teams(day_rows: dict[str, dict[str, int]], teams: frozenset[str]) -> dict[str, dict[str, int]]:
    """One day's rows as a supervisor of `teams` sees them (R8.2): their teams' rows, and as the
    total ("all") the sum of those rows. Rows per channel, category or agent add up inquiries of
    every team (the counters are not split by team), so they are left out, and with them the flags.
    """
    prefix = f"{TEAM_DIMENSION}#"
    rows = {d: c for d, c in day_rows.items() if d.startswith(prefix) and d.removeprefix(prefix) in teams}
    total: dict[str, int] = defaultdict(int)
    for counters in rows.values():
        for name, value in counters.items():
            total[name] += int(value)
    return {ALL: dict(total), **rows}
