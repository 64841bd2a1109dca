"""Property tests (hypothesis) of the calendar arithmetic and the pause semantics."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from inquiry_desk.deadlines import InquiryFacts, SlaPolicy, compute_deadlines, load_policy, shipped_policy_path
from inquiry_desk.deadlines.calendar import BusinessCalendar

H = 3600
POLICY: SlaPolicy = load_policy(shipped_policy_path())
CN = POLICY.calendar("cn_office")
NY = POLICY.calendar("us_east")
# A calendar with exceptions of every sort, in a zone with DST.
ODD = BusinessCalendar(
    "America/New_York",
    {0: [(0, 3 * H), (8 * H, 12 * H)], 2: [(1 * H, 4 * H)], 5: [(22 * H, 24 * H)], 6: [(0, 2 * H + 1800)]},
    country="US",
    closed_dates=[date(2026, 3, 9), date(2026, 11, 2)],
    open_dates={date(2026, 3, 8): [(1 * H, 4 * H)], date(2026, 11, 1): [(0, 24 * H)]},
    name="odd",
)
CALENDARS = st.sampled_from([CN, NY, ODD])
INSTANTS = st.datetimes(min_value=datetime(2025, 6, 1), max_value=datetime(2027, 6, 1), timezones=st.just(UTC))
DURATIONS = st.integers(min_value=1, max_value=120 * 24 * H).map(lambda s: timedelta(seconds=s))
SETTINGS = settings(max_examples=150, deadline=None)


def reference_add(cal: BusinessCalendar, start: datetime, duration: timedelta) -> datetime:
    """Slow, obvious reference: walk the days' shifts one by one."""
    remaining = duration
    day = start.astimezone(cal._tz).date()  # the calendar's own zone
    while True:
        for a, b in cal.shifts_on(day):
            if b <= start:
                continue
            a = max(a, start)
            if remaining <= b - a:
                return a + remaining
            remaining -= b - a
        day += timedelta(days=1)


@SETTINGS
@given(CALENDARS, INSTANTS, DURATIONS)
def test_a_business_deadline_never_lands_in_closed_hours(
    cal: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    due = cal.add_business_time(start, duration)
    assert due > start
    assert cal.is_open(due - timedelta(microseconds=1))  # open up to it; due may be a closing instant
    assert cal.business_time_between(start, due) == duration


@SETTINGS
@given(CALENDARS, INSTANTS, DURATIONS)
def test_week_skipping_agrees_with_a_day_by_day_walk(
    cal: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    assert cal.add_business_time(start, duration) == reference_add(cal, start, duration)


@SETTINGS
@given(CALENDARS, INSTANTS, DURATIONS, DURATIONS)
def test_adding_business_time_is_monotonic_in_the_duration(
    cal: BusinessCalendar, start: datetime, d1: timedelta, d2: timedelta
) -> None:
    lo, hi = sorted((d1, d2))
    assert cal.add_business_time(start, lo) <= cal.add_business_time(start, hi)


@SETTINGS
@given(CALENDARS, INSTANTS, INSTANTS, DURATIONS)
def test_adding_business_time_is_monotonic_in_the_start(
    cal: BusinessCalendar, s1: datetime, s2: datetime, duration: timedelta
) -> None:
    lo, hi = sorted((s1, s2))
    assert cal.add_business_time(lo, duration) <= cal.add_business_time(hi, duration)


@SETTINGS
@given(CALENDARS, INSTANTS, INSTANTS)
def test_business_time_between_is_additive(cal: BusinessCalendar, a: datetime, b: datetime) -> None:
    mid = a + (b - a) / 3
    assert cal.business_time_between(a, b) == cal.business_time_between(a, mid) + cal.business_time_between(mid, b)


PAUSES = st.lists(st.tuples(st.integers(0, 200 * H), st.integers(1, 30 * H)), min_size=1, max_size=4)


@SETTINGS
@given(
    st.sampled_from(["usage_help", "complaint", "suggestion", "pre_sales"]),
    st.sampled_from(["chat", "email", "wechat"]),
    INSTANTS,
    PAUSES,
)
def test_pausing_never_makes_a_deadline_earlier(
    category: str, channel: str, received: datetime, pauses: list[tuple[int, int]]
) -> None:
    events = []
    cursor = received
    for gap, length in pauses:
        cursor += timedelta(seconds=gap)
        events.append({"type": "waiting_on_customer", "at": cursor})
        cursor += timedelta(seconds=length)
        events.append({"type": "customer_replied", "at": cursor})
    base = {"channel": channel, "category": category, "received_at": received}
    plain = InquiryFacts.model_validate(base)
    paused = InquiryFacts.model_validate({**base, "events": events})
    before = {d.kind: d.due for d in compute_deadlines(POLICY, plain)}
    after = {d.kind: d.due for d in compute_deadlines(POLICY, paused)}
    assert before.keys() == after.keys()
    for kind, due in before.items():
        assert after[kind] >= due, kind
