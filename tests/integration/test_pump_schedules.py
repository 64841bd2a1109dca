"""A schedule that was moved still fires locally, as it does on AWS (R2.1, R5.3 timers).

EventBridge Scheduler's UpdateSchedule replaces every field and gives an omitted `State` its default,
ENABLED. moto's update stores the omitted State as None, and the local pump used to fire only
`ENABLED` schedules: every survey, reminder or deadline timer that had been moved once never fired
on `make run` (found running the README's survey demo). Both sides are held here: our adapter says
`State` on every write, and the pump treats anything but DISABLED as enabled, like Scheduler."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from desk_ops.local.pump import Pump
from inquiry_desk.adapters.scheduler import NamedScheduleSet
from inquiry_desk.deadlines.decisions import NamedTimer


def _group() -> tuple[Any, str]:
    scheduler = boto3.client("scheduler", region_name="us-east-1")
    group = f"pump-test-{uuid.uuid4().hex[:8]}"
    scheduler.create_schedule_group(Name=group)
    return scheduler, group


def test_a_moved_named_timer_stays_enabled_R5_3(stack: Any) -> None:
    scheduler, group = _group()
    target = stack.functions["sla_timer"]["FunctionArn"]
    timers = NamedScheduleSet(scheduler, group, target, "arn:aws:iam::123456789012:role/scheduler")
    now = datetime.now(UTC).replace(microsecond=0)
    first = NamedTimer("Q1-survey-e1", now + timedelta(hours=2), {"loop": {"inquiry_id": "Q1"}})
    assert timers.sync("Q1", [first])["created"] == 1
    moved = NamedTimer("Q1-survey-e1", now + timedelta(hours=3), {"loop": {"inquiry_id": "Q1"}})
    assert timers.sync("Q1", [moved])["moved"] == 1
    stored = scheduler.get_schedule(Name="Q1-survey-e1", GroupName=group)
    assert stored["State"] == "ENABLED"
    assert stored["ScheduleExpression"] == f"at({(now + timedelta(hours=3)).strftime('%Y-%m-%dT%H:%M:%S')})"


def test_the_pump_fires_a_schedule_updated_without_a_state_as_scheduler_does(stack: Any) -> None:
    scheduler, group = _group()
    spec = {
        "Name": "moved-elsewhere",
        "GroupName": group,
        "ScheduleExpressionTimezone": "UTC",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {"Arn": stack.functions["sla_timer"]["FunctionArn"], "RoleArn": "arn:aws:iam::1:role/r"},
    }
    scheduler.create_schedule(ScheduleExpression="at(2030-01-01T00:00:00)", **spec)
    scheduler.update_schedule(ScheduleExpression="at(2030-01-02T00:00:00)", **spec)  # State omitted
    scheduler.create_schedule(
        ScheduleExpression="at(2030-01-01T00:00:00)", **{**spec, "Name": "switched-off"}, State="DISABLED"
    )
    pump = Pump(boto3.session.Session(region_name="us-east-1"), lambda: datetime.now(UTC), lambda *_: None, group)
    try:
        listed = {name for listed_group, name, *_ in pump._listed() if listed_group == group}
    finally:
        pump.stop()
    assert listed == {"moved-elsewhere"}
