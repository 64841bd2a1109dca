"""BusinessCalendar: holidays and make-up days, split shifts, exceptions, DST, zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from inquiry_desk.deadlines.calendar import BusinessCalendar

from .conftest import NEW_YORK, SHANGHAI

H = 3600
SPLIT = [(9 * H, 12 * H), (13 * H + 1800, 18 * H)]  # 09:00-12:00, 13:30-18:00
CN = BusinessCalendar("Asia/Shanghai", {d: SPLIT for d in range(5)}, country="CN", name="cn")
NY = BusinessCalendar("America/New_York", {d: [(9 * H, 17 * H)] for d in range(5)}, country="US", name="ny")
NY_24X7 = BusinessCalendar("America/New_York", {d: [(0, 24 * H)] for d in range(7)}, name="ny24")


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def ny(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=NEW_YORK)


def test_china_2026_makeup_sunday_4_january_is_a_working_day() -> None:
    assert CN.is_open(sh(2026, 1, 4, 10, 0))  # Sunday, 调休 working day
    assert not CN.is_open(sh(2026, 1, 3, 10, 0))  # Saturday
    assert not CN.is_open(sh(2026, 1, 2, 10, 0))  # Friday, New Year day off (substituted)
    assert not CN.is_open(sh(2026, 1, 1, 10, 0))  # New Year's Day


def test_deadline_over_new_year_lands_on_the_makeup_sunday() -> None:
    # 1 h left on 31 Dec, then 1-3 Jan closed, Sunday 4 Jan is worked: the 2nd hour ends 10:00.
    due = CN.add_business_time(sh(2025, 12, 31, 17, 0), timedelta(hours=2))
    assert due == sh(2026, 1, 4, 10, 0)
    assert due.tzinfo == UTC


def test_without_makeup_days_the_sunday_stays_closed() -> None:
    plain = BusinessCalendar("Asia/Shanghai", {d: SPLIT for d in range(5)}, country="CN", makeup_days=False)
    assert not plain.is_open(sh(2026, 1, 4, 10, 0))
    assert plain.add_business_time(sh(2025, 12, 31, 17, 0), timedelta(hours=2)) == sh(2026, 1, 5, 10, 0)


def test_spring_festival_2026_closure_and_its_makeup_saturdays() -> None:
    for day in range(15, 24):  # Sunday 15 .. Monday 23 February: all closed
        assert not CN.is_open(sh(2026, 2, day, 10, 0)), day
    assert CN.is_open(sh(2026, 2, 14, 10, 0))  # Saturday make-up day before the festival
    assert CN.is_open(sh(2026, 2, 28, 10, 0))  # Saturday make-up day after it
    # Half an hour left on the 14th, then nothing until Tuesday 24th 09:00.
    assert CN.add_business_time(sh(2026, 2, 14, 17, 30), timedelta(hours=1)) == sh(2026, 2, 24, 9, 30)
    assert CN.business_time_between(sh(2026, 2, 14, 18, 0), sh(2026, 2, 24, 9, 0)) == timedelta(0)


def test_split_shift_skips_the_lunch_break() -> None:
    assert CN.add_business_time(sh(2026, 3, 10, 11, 30), timedelta(hours=1)) == sh(2026, 3, 10, 14, 0)
    assert CN.business_time_between(sh(2026, 3, 10, 11, 0), sh(2026, 3, 10, 14, 0)) == timedelta(hours=1, minutes=30)
    assert not CN.is_open(sh(2026, 3, 10, 12, 30))


def test_work_ending_at_a_shift_end_is_due_at_the_closing_instant() -> None:
    due = CN.add_business_time(sh(2026, 3, 10, 11, 0), timedelta(hours=1))
    assert due == sh(2026, 3, 10, 12, 0)  # not 13:30
    assert not CN.is_open(due)  # the closing instant itself is not open ...
    assert CN.is_open(due - timedelta(microseconds=1))  # ... the instant before it is


def test_start_in_closed_hours_starts_at_the_next_opening() -> None:
    assert CN.add_business_time(sh(2026, 3, 10, 20, 0), timedelta(minutes=30)) == sh(2026, 3, 11, 9, 30)
    assert CN.add_business_time(sh(2026, 3, 10, 20, 0), timedelta(0)) == sh(2026, 3, 11, 9, 0)
    assert CN.add_business_time(sh(2026, 3, 10, 12, 0), timedelta(0)) == sh(2026, 3, 10, 12, 0)


def test_extra_closed_and_open_dates() -> None:
    cal = BusinessCalendar(
        "Asia/Shanghai",
        {d: SPLIT for d in range(5)},
        country="CN",
        closed_dates=[date(2026, 3, 11)],
        open_dates={date(2026, 3, 14): [(10 * H, 12 * H)]},
    )
    assert not cal.is_open(sh(2026, 3, 11, 10, 0))
    assert cal.add_business_time(sh(2026, 3, 10, 17, 0), timedelta(hours=2)) == sh(2026, 3, 12, 10, 0)
    assert cal.is_open(sh(2026, 3, 14, 11, 0))  # a Saturday opened for a sale
    assert cal.add_business_time(sh(2026, 3, 13, 17, 0), timedelta(hours=2)) == sh(2026, 3, 14, 11, 0)


def test_dst_spring_forward_day_is_23_hours_long() -> None:
    assert NY_24X7.business_time_between(ny(2026, 3, 8, 0, 0), ny(2026, 3, 9, 0, 0)) == timedelta(hours=23)
    assert NY_24X7.add_business_time(ny(2026, 3, 8, 0, 0), timedelta(hours=23)) == ny(2026, 3, 9, 0, 0)


def test_dst_fall_back_day_is_25_hours_long() -> None:
    assert NY_24X7.business_time_between(ny(2026, 11, 1, 0, 0), ny(2026, 11, 2, 0, 0)) == timedelta(hours=25)
    assert NY_24X7.add_business_time(ny(2026, 11, 1, 0, 0), timedelta(hours=25)) == ny(2026, 11, 2, 0, 0)


def test_office_hours_keep_their_wall_clock_across_both_transitions() -> None:
    spring = NY.add_business_time(ny(2026, 3, 6, 16, 0), timedelta(hours=2))
    assert spring == ny(2026, 3, 9, 10, 0) and spring == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)  # EDT
    fall = NY.add_business_time(ny(2026, 10, 30, 16, 0), timedelta(hours=2))
    assert fall == ny(2026, 11, 2, 10, 0) and fall == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)  # EST


def test_us_federal_holiday_closes_the_new_york_calendar() -> None:
    assert not NY.is_open(ny(2026, 1, 19, 10, 0))  # Martin Luther King Jr. Day
    assert NY.add_business_time(ny(2026, 1, 16, 16, 0), timedelta(hours=2)) == ny(2026, 1, 20, 10, 0)


def test_customer_in_one_zone_served_by_a_team_in_another() -> None:
    # 21:00 Tuesday in Los Angeles is 12:00 Wednesday in Shanghai: lunch, so the clock starts 13:30.
    received = datetime(2026, 3, 10, 21, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    due = CN.add_business_time(received, timedelta(hours=1))
    assert due == sh(2026, 3, 11, 14, 30)
    assert due.tzinfo == UTC and due.isoformat() == "2026-03-11T06:30:00+00:00"


def test_long_targets_cross_years_and_match_the_measured_business_time() -> None:
    start = sh(2026, 12, 30, 10, 0)
    due = CN.add_business_time(start, timedelta(days=90))
    assert due.year == 2028 or due.year == 2027
    assert CN.business_time_between(start, due) == timedelta(days=90)
    assert CN.business_time_between(due, start) == -timedelta(days=90)


def test_refuses_naive_datetimes_negative_durations_and_never_open_calendars() -> None:
    with pytest.raises(ValueError, match="time zone"):
        CN.add_business_time(datetime(2026, 3, 10, 10, 0), timedelta(hours=1))
    with pytest.raises(ValueError, match="negative"):
        CN.add_business_time(sh(2026, 3, 10, 10, 0), timedelta(hours=-1))
    never = BusinessCalendar("UTC", {}, name="closed")
    with pytest.raises(ValueError, match="closed: not enough open time within"):
        never.add_business_time(datetime(2026, 1, 1, tzinfo=UTC), timedelta(hours=1))


def test_rejects_overlapping_or_out_of_day_shifts() -> None:
    with pytest.raises(ValueError, match="overlap"):
        BusinessCalendar("UTC", {0: [(9 * H, 12 * H), (11 * H, 13 * H)]})
    with pytest.raises(ValueError):
        BusinessCalendar("UTC", {0: [(20 * H, 25 * H)]})
