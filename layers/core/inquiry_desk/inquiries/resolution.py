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
