"""The promised completion of a resolution (R2.8): "X working days" in the team's calendar (pure)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class WorkingCalendar(Protocol):
    timezone: str

    def shifts_on(self, day: date) -> list[tuple[datetime, datetime]]: ...


def promised_completion(calendar: WorkingCalendar, at: datetime, working_days: int) -> datetime:
    """The close of business of the `working_days`-th working day after `at`'s local date.

    The day of the resolution does not count (a promise made at 17:55 gives the customer whole
    days); holidays and make-up working days follow the calendar. 0 days means today's close, or
    the next working day's close when today is no longer open.
    """
    if working_days < 0:
        raise ValueError("working days cannot be negative")
    day = at.astimezone(ZoneInfo(calendar.timezone)).date()
    if working_days == 0:
        shifts = calendar.shifts_on(day)
        if shifts and shifts[-1][1] > at:
            return shifts[-1][1]
        working_days = 1
    counted = 0
    for _ in range(working_days * 7 + 60):  # bounded: no calendar closes for two months
        day += timedelta(days=1)
        shifts = calendar.shifts_on(day)
        if shifts:
            counted += 1
            if counted == working_days:
                return shifts[-1][1]
    raise ValueError(f"no {working_days} working days found in the calendar after {day}")


def working_time_point(calendar: WorkingCalendar, start: datetime, end: datetime, share: float) -> datetime | None:
    """The instant at which `share` of the calendar's working time between `start` and `end` has
    passed (e.g. halfway through a promise of 3 working days), or None when none lies between."""
    zone = ZoneInfo(calendar.timezone)
    day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    intervals: list[tuple[datetime, datetime]] = []
    while day <= last:
        for opens, closes in calendar.shifts_on(day):
            a, b = max(opens, start), min(closes, end)
            if b > a:
                intervals.append((a, b))
        day += timedelta(days=1)
    left = sum((b - a for a, b in intervals), timedelta()) * share
    for a, b in intervals:
        if left <= b - a:
            return a + left
        left -= b - a
    return None


def working_days_before(calendar: WorkingCalendar, end: datetime, working_days: int) -> datetime | None:
    """The close of business `working_days` working days before `end`'s local date (one working day
    before a promise due Thursday evening: Wednesday's close)."""
    day = end.astimezone(ZoneInfo(calendar.timezone)).date()
    counted = 0
    for _ in range(working_days * 7 + 60):
        day -= timedelta(days=1)
        shifts = calendar.shifts_on(day)
        if shifts:
            counted += 1
            if counted == working_days:
                return min(shifts[-1][1], end)
    return None


class MilestonePoint(Protocol):
    name: str
    share_of_promise: float | None
    working_days_before: int | None


def milestone_instants(
    calendar: WorkingCalendar,
    resolved: datetime,
    promised: datetime,
    points: list[MilestonePoint],
    margin: timedelta,
) -> dict[str, datetime]:
    """When each progress update of a promise is due (R2.8), in the team calendar; a milestone
    within `margin` of the resolution or of the promise itself is left out."""
    out: dict[str, datetime] = {}
    for point in points:
        if point.share_of_promise is not None:
            at = working_time_point(calendar, resolved, promised, point.share_of_promise)
        else:
            at = working_days_before(calendar, promised, int(point.working_days_before or 1))
        if at is not None and resolved + margin < at < promised - margin:
            out[point.name] = at
    return out
