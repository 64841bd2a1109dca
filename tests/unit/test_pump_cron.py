"""The local pump fires Scheduler cron schedules as Scheduler does: in the schedule's time zone."""

from __future__ import annotations

from datetime import UTC, datetime

from desk_ops.local.pump import cron_next


def test_a_daily_cron_fires_at_its_wall_clock_time_in_its_time_zone_R9_2() -> None:
    before = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)  # 17:00 in Shanghai
    assert cron_next("cron(30 17 * * ? *)", "Asia/Shanghai", before) == datetime(2026, 4, 1, 9, 30, tzinfo=UTC)
    fired = datetime(2026, 4, 1, 9, 30, tzinfo=UTC)
    assert cron_next("cron(30 17 * * ? *)", "Asia/Shanghai", fired) == datetime(2026, 4, 2, 9, 30, tzinfo=UTC)
    # New York: 16:30 EDT in April is 20:30 UTC, in January (EST) 21:30 UTC
    assert cron_next("cron(30 16 * * ? *)", "America/New_York", before) == datetime(2026, 4, 1, 20, 30, tzinfo=UTC)
    winter = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)
    assert cron_next("cron(30 16 * * ? *)", "America/New_York", winter) == datetime(2026, 1, 5, 21, 30, tzinfo=UTC)


def test_weekdays_steps_and_what_the_pump_refuses() -> None:
    saturday = datetime(2026, 4, 4, 9, 30, tzinfo=UTC)
    monday_9_ny = datetime(2026, 4, 6, 13, 0, tzinfo=UTC)
    assert cron_next("cron(0 9 ? * MON-FRI *)", "America/New_York", saturday) == monday_9_ny
    assert cron_next("cron(0/15 * * * ? *)", None, saturday) == datetime(2026, 4, 4, 9, 45, tzinfo=UTC)
    assert cron_next("cron(0 9 L * ? *)", "UTC", saturday) is None
    assert cron_next("rate(5 minutes)", "UTC", saturday) is None
