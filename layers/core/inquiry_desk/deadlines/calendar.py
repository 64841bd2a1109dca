"""Business calendars: when a team is open, and how much open time lies between two instants.

A calendar is an IANA time zone, weekly opening hours (several shifts a day allowed, e.g.
09:00-12:00 and 13:30-18:00), public holidays from the `holidays` package (country plus an
optional subdivision) *including make-up working days* (China's 调休: a Saturday or Sunday that is
a working day, e.g. Sunday 4 January 2026), extra closed dates and extra open dates with their own
hours.

Conventions (used consistently by every function here):

* Shifts are half-open in time: a shift ``09:00-12:00`` is open at 09:00:00 and closed at
  12:00:00. ``is_open`` therefore says False at the closing instant.
* A deadline computed by :meth:`BusinessCalendar.add_business_time` never lands in closed hours:
  it is the first instant at which the requested amount of open time has elapsed, so when the
  work completes exactly at the end of a shift the deadline *is* that closing instant (not the
  next opening). A positive duration therefore always ends inside ``(shift start, shift end]``.
* Business time is real elapsed time inside open shifts, so a shift spanning a DST change is an
  hour shorter or longer; shift boundaries are wall-clock times in the calendar's zone (a shift
  start that falls in a spring-forward gap is read with the offset before the change).
* A shift cannot cross midnight; write an overnight shift as ``22:00-24:00`` plus ``00:00-06:00``
  on the next day. ``24:00`` means the end of the day.

Cost does not grow with the distance: whole weeks are skipped arithmetically with the weekly
open-time total, and the days that differ from the weekly pattern (holidays, make-up days, extra
closed/open dates, DST days) are accounted for by a prefix sum over a sorted list, built once per
calendar and year. Only the last partial week is walked day by day.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = ["DAY_SECONDS", "BusinessCalendar", "Shift"]

DAY_SECONDS = 86_400
_US = 1_000_000  # microseconds per second: all internal arithmetic is in integer microseconds
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
# A business-time target that does not complete within this many days of its start is refused
# (a calendar that never opens would otherwise search forever).
_HORIZON_DAYS = 366 * 5

Shift = tuple[int, int]
"""One opening shift as (start, end) seconds after local midnight, 0 <= start < end <= 86400."""


def _to_us(at: datetime) -> int:
    if at.tzinfo is None or at.tzinfo.utcoffset(at) is None:
        raise ValueError("datetime must carry a time zone offset")
    return (at - _EPOCH) // _ONE_US


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _check_shifts(shifts: Iterable[Shift], where: str) -> tuple[Shift, ...]:
    out = tuple(sorted((int(s), int(e)) for s, e in shifts))
    previous_end = 0
    for s, e in out:
        if not 0 <= s < e <= DAY_SECONDS:
            raise ValueError(f"{where}: shift {s}-{e} s must satisfy 0 <= start < end <= 86400")
        if s < previous_end:
            raise ValueError(f"{where}: shifts overlap")
        previous_end = e
    return out


class BusinessCalendar:
    """Opening hours of one team in one time zone. Immutable after construction; caches lazily.

    Args:
        timezone: IANA zone name, e.g. ``"Asia/Shanghai"``.
        weekly: weekday (0 = Monday .. 6 = Sunday) -> shifts; missing weekdays are closed.
        country: ISO country code for public holidays (``holidays`` package), or None.
        subdiv: optional subdivision (state/province) for those holidays.
        makeup_days: honour the country's make-up working days (weekend days that are working
            days by decree, e.g. China's 调休). They get ``makeup_shifts``.
        makeup_shifts: hours on a make-up day; defaults to Monday's shifts.
        closed_dates: extra local dates on which the team is closed all day.
        open_dates: extra local dates with their own hours (override everything else that day).
        name: an id used in messages.
    """

    def __init__(
        self,
        timezone: str,
        weekly: Mapping[int, Sequence[Shift]],
        *,
        country: str | None = None,
        subdiv: str | None = None,
        makeup_days: bool = True,
        makeup_shifts: Sequence[Shift] | None = None,
        closed_dates: Iterable[date] = (),
        open_dates: Mapping[date, Sequence[Shift]] | None = None,
        name: str = "calendar",
    ) -> None:
        self.name = name
        self.timezone = timezone
        self._tz = ZoneInfo(timezone)
        for wd in weekly:
            if wd not in range(7):
                raise ValueError(f"{name}: weekday {wd} is not in 0..6")
        self._weekly: tuple[tuple[Shift, ...], ...] = tuple(
            _check_shifts(weekly.get(wd, ()), f"{name} weekday {wd}") for wd in range(7)
        )
        self._country = country
        self._subdiv = subdiv
        self._makeup_days = makeup_days
        self._makeup_shifts = (
            _check_shifts(makeup_shifts, f"{name} makeup") if makeup_shifts is not None else self._weekly[0]
        )
        self._closed = frozenset(closed_dates)
        self._open_dates = {d: _check_shifts(s, f"{name} open date {d}") for d, s in (open_dates or {}).items()}
        if country is not None:
            import holidays  # imported lazily: a calendar without holidays never pays for it

            holidays.country_holidays(country, subdiv=subdiv, years=[])  # fails fast on a bad code
        self._nominal = [sum(e - s for s, e in day) * _US for day in self._weekly]
        self._week_us = sum(self._nominal)
        # _nominal_prefix[i] = open time of weekdays 0..i-1 over two weeks (to sum across a wrap)
        self._nominal_prefix = [0]
        for i in range(14):
            self._nominal_prefix.append(self._nominal_prefix[-1] + self._nominal[i % 7])
        self._years: set[int] = set()
        self._holidays: set[date] = set()
        self._makeups: set[date] = set()
        self._exc: dict[int, int] = {}  # ordinal -> actual open us minus the weekday's nominal
        self._exc_ords: list[int] = []
        self._exc_prefix: list[int] = [0]
        self._days: dict[int, tuple[tuple[int, int], ...]] = {}
        self._totals: dict[int, int] = {}
        self._covered = (0, 0)  # ordinals [lo, hi) of the loaded years

    # ---------------------------------------------------------------- public API

    def is_open(self, at: datetime) -> bool:
        """True when ``at`` lies inside a shift (a shift's closing instant is not open)."""
        us = _to_us(at)
        return any(s <= us < e for s, e in self._intervals(self._local_ordinal(us)))

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """The instant (aware, UTC) at which ``duration`` of open time after ``start`` has elapsed.

        ``start`` may be in closed hours (the clock starts at the next opening). A zero duration
        returns ``start`` if it is open or a closing instant, else the next opening instant.
        Raises ValueError for a negative duration, a naive ``start``, or a calendar that does not
        provide that much open time within five years.
        """
        remaining = duration // _ONE_US
        if remaining < 0:
            raise ValueError("duration must not be negative")
        us = _to_us(start)
        day = first_day = self._local_ordinal(us)
        for s, e in self._intervals(day):
            if e < us or (e == us and remaining > 0):
                continue
            begin = max(s, us)
            if remaining <= e - begin:
                return _from_us(begin + remaining)
            remaining -= e - begin
        day += 1
        if remaining == 0:
            day = self._first_open_day(day)
            return _from_us(self._intervals(day)[0][0])
        # Skip whole weeks arithmetically; the exception prefix sum corrects for holidays etc.
        while self._week_us and remaining > self._week_us:
            weeks = remaining // self._week_us
            span = self._open_us(day, day + 7 * weeks)
            while span >= remaining and weeks > 1:  # extra hours (make-up/open dates) overshoot
                weeks = max(1, weeks - (span - remaining) // self._week_us - 1)
                span = self._open_us(day, day + 7 * weeks)
            if span >= remaining:  # only when weeks == 1: the walk below finishes it
                break
            remaining -= span
            day += 7 * weeks
            self._check_horizon(day, first_day)
        # Walk what is left (normally under a week of open time) day by day.
        totals = self._totals
        while True:
            total = totals.get(day)
            if total is None:
                total = self._day_total(day)
            if remaining <= total:
                for s, e in self._intervals(day):
                    if remaining <= e - s:
                        return _from_us(s + remaining)
                    remaining -= e - s
            remaining -= total
            day += 1
            if day - first_day > _HORIZON_DAYS:
                self._check_horizon(day, first_day)

    def business_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Open time between ``a`` and ``b`` (negative when ``b`` is before ``a``)."""
        ua, ub = _to_us(a), _to_us(b)
        if ub < ua:
            return -self.business_time_between(b, a)
        da, db = self._local_ordinal(ua), self._local_ordinal(ub)
        if da == db:
            total = sum(max(0, min(e, ub) - max(s, ua)) for s, e in self._intervals(da))
        else:
            total = sum(max(0, e - max(s, ua)) for s, e in self._intervals(da))
            total += self._open_us(da + 1, db)
            total += sum(max(0, min(e, ub) - s) for s, e in self._intervals(db))
        return timedelta(microseconds=total)

    def shifts_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open intervals of one local date, as aware UTC (start, end) pairs."""
        return [(_from_us(s), _from_us(e)) for s, e in self._intervals(day.toordinal())]

    @property
    def weekly_open_time(self) -> timedelta:
        """Open time of a regular week (no holidays, no DST change)."""
        return timedelta(microseconds=self._week_us)

    def __repr__(self) -> str:
        return f"BusinessCalendar({self.name!r}, {self.timezone!r})"

    # ---------------------------------------------------------------- internals

    def _check_horizon(self, day: int, first_day: int) -> None:
        if day - first_day > _HORIZON_DAYS:
            raise ValueError(f"{self.name}: not enough open time within {_HORIZON_DAYS} days")

    def _first_open_day(self, day: int) -> int:
        first = day
        while not self._intervals(day):
            day += 1
            if day - first > _HORIZON_DAYS:
                raise ValueError(f"{self.name}: never open within {_HORIZON_DAYS} days")
        return day

    def _local_ordinal(self, us: int) -> int:
        return _from_us(us).astimezone(self._tz).date().toordinal()

    def _wall_shifts(self, d: date) -> tuple[Shift, ...]:
        self._ensure_year(d.year)
        if d in self._open_dates:
            return self._open_dates[d]
        if d in self._closed or d in self._holidays:
            return ()
        weekly = self._weekly[d.weekday()]
        if not weekly and d in self._makeups:
            return self._makeup_shifts
        return weekly

    def _to_utc_intervals(self, d: date, shifts: tuple[Shift, ...]) -> tuple[tuple[int, int], ...]:
        midnight = datetime(d.year, d.month, d.day)
        out = []
        for s, e in shifts:
            a = _to_us((midnight + timedelta(seconds=s)).replace(tzinfo=self._tz))
            b = _to_us((midnight + timedelta(seconds=e)).replace(tzinfo=self._tz))
            if b > a:
                out.append((a, b))
        return tuple(out)

    def _intervals(self, ordinal: int) -> tuple[tuple[int, int], ...]:
        cached = self._days.get(ordinal)
        if cached is None:
            d = date.fromordinal(ordinal)
            cached = self._to_utc_intervals(d, self._wall_shifts(d))
            self._days[ordinal] = cached
        return cached

    def _day_total(self, ordinal: int) -> int:
        total = self._totals.get(ordinal)
        if total is None:
            total = self._totals[ordinal] = sum(e - s for s, e in self._intervals(ordinal))
        return total

    def _open_us(self, d0: int, d1: int) -> int:
        """Open microseconds over local dates [d0, d1) in O(log n)."""
        if d1 <= d0:
            return 0
        if d0 < self._covered[0] or d1 > self._covered[1]:
            self._ensure_year(date.fromordinal(d0).year)
            self._ensure_year(date.fromordinal(d1 - 1).year)
        weeks, rest = divmod(d1 - d0, 7)
        wd = (d0 + 6) % 7
        total = weeks * self._week_us + self._nominal_prefix[wd + rest] - self._nominal_prefix[wd]
        i0 = bisect.bisect_left(self._exc_ords, d0)
        i1 = bisect.bisect_left(self._exc_ords, d1)
        return total + self._exc_prefix[i1] - self._exc_prefix[i0]

    def _ensure_year(self, year: int) -> None:
        """Load holidays and exception days for ``year`` (and any gap to the years already loaded)."""
        if year in self._years:
            return
        if self._years:  # keep the loaded years contiguous so one range check covers them
            lo, hi = min(self._years), max(self._years)
            for y in range(min(year, lo), max(year, hi) + 1):
                if y != year and y not in self._years:
                    self._ensure_year(y)
        self._years.add(year)
        if self._country is not None:
            import holidays

            # The next year too: a make-up day late in December can be decreed with next year's list.
            found = holidays.country_holidays(self._country, subdiv=self._subdiv, years=[year, year + 1])
            self._holidays.update(found.keys())
            if self._makeup_days:
                self._makeups.update(getattr(found, "weekend_workdays", ()))
        first = date(year, 1, 1).toordinal()
        last = date(year, 12, 31).toordinal()
        for ordinal in range(first, last + 1):
            d = date.fromordinal(ordinal)
            weekly = self._weekly[d.weekday()]
            shifts = self._wall_shifts(d)
            if shifts == weekly and (not weekly or not self._dst_changes(d)):
                continue
            actual = sum(e - s for s, e in self._to_utc_intervals(d, shifts))
            delta = actual - self._nominal[d.weekday()]
            if delta:
                self._exc[ordinal] = delta
        self._exc_ords = sorted(self._exc)
        self._exc_prefix = [0]
        for ordinal in self._exc_ords:
            self._exc_prefix.append(self._exc_prefix[-1] + self._exc[ordinal])
        self._covered = (
            date(min(self._years), 1, 1).toordinal(),
            date(max(self._years) + 1, 1, 1).toordinal(),
        )

    def _dst_changes(self, d: date) -> bool:
        start = datetime(d.year, d.month, d.day, tzinfo=self._tz)
        end = start + timedelta(days=1)  # wall-clock arithmetic: next local midnight
        return start.utcoffset() != end.utcoffset()
