"""The named-schedules contract (the closing loop's survey, reminder and confirmation timeout):
the same assertions on the in-memory fake (tests/fakes) and on the EventBridge Scheduler adapter
in moto (one schedule per name, an inquiry's schedules made exactly what the enforcer asks for).
The one deadline timer per inquiry has its own tests (tests/unit/services, test_timer_precision)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from inquiry_desk.adapters.scheduler import NamedScheduleSet
from inquiry_desk.deadlines.decisions import NamedTimer

from infra import names
from tests.fakes import FakeNamedSchedules

AT = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=30)


@pytest.fixture(params=["fake", "scheduler"])
def timers(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "fake":
        yield FakeNamedSchedules()
        return
    stack = request.getfixturevalue("stack")
    yield NamedScheduleSet(
        boto3.client("scheduler", region_name="us-east-1"),
        stack.outputs[names.OUT_SCHEDULE_GROUP],
        "arn:aws:lambda:us-east-1:123456789012:function:sla-timer",
        "arn:aws:iam::123456789012:role/scheduler",
    )


def _timers(inquiry_id: str, *kinds: str, at: datetime = AT) -> list[NamedTimer]:
    return [
        NamedTimer(f"{inquiry_id}-{k}-e1", at, {"timer": {"inquiry_id": inquiry_id, "kind": k, "episode": 1}})
        for k in kinds
    ]


def test_R5_3_sync_creates_moves_and_deletes_an_inquirys_named_schedules(timers: Any) -> None:
    inquiry_id = f"Q{uuid.uuid4().hex[:10].upper()}"
    other = f"Q{uuid.uuid4().hex[:10].upper()}"
    assert timers.sync(other, _timers(other, "resolve")) == {"created": 1, "moved": 0, "deleted": 0}
    assert timers.sync(inquiry_id, _timers(inquiry_id, "acknowledge", "resolve")) == {
        "created": 2,
        "moved": 0,
        "deleted": 0,
    }
    later = AT + timedelta(hours=1)
    assert timers.sync(inquiry_id, _timers(inquiry_id, "resolve", "first_reply", at=later)) == {
        "created": 1,
        "moved": 1,
        "deleted": 1,
    }
    assert timers.sync(inquiry_id, []) == {"created": 0, "moved": 0, "deleted": 2}
    assert timers.sync(other, _timers(other, "resolve")) == {"created": 0, "moved": 1, "deleted": 0}  # untouched


def test_R5_3_ensure_recreates_only_the_missing_named_schedules(timers: Any) -> None:
    inquiry_id = f"Q{uuid.uuid4().hex[:10].upper()}"
    timers.sync(inquiry_id, _timers(inquiry_id, "survey", "confirm-timeout"))
    assert timers.ensure(inquiry_id, _timers(inquiry_id, "survey", "confirm-timeout")) == 0
    timers.sync(inquiry_id, _timers(inquiry_id, "confirm-timeout"))  # the survey schedule is gone
    assert timers.ensure(inquiry_id, _timers(inquiry_id, "survey", "confirm-timeout")) == 1
    assert timers.ensure(inquiry_id, _timers(inquiry_id, "survey", "confirm-timeout")) == 0
    assert timers.ensure(inquiry_id, []) == 0
    assert timers.sync(inquiry_id, []) == {"created": 0, "moved": 0, "deleted": 2}


def test_R4_3_a_moved_named_schedule_stays_enabled(stack: Any) -> None:
    """UpdateSchedule replaces every setting: the adapter says State each time, so a moved schedule
    (a department request's, the closing loop's) still fires (moto dropped an unsaid State)."""
    client = boto3.client("scheduler", region_name="us-east-1")
    group = stack.outputs[names.OUT_SCHEDULE_GROUP]
    schedules = NamedScheduleSet(client, group, "arn:aws:lambda:us-east-1:123456789012:function:sla-timer", "r")
    inquiry_id = f"Q{uuid.uuid4().hex[:10].upper()}"
    schedules.sync(inquiry_id, _timers(inquiry_id, "dept"))
    assert schedules.sync(inquiry_id, _timers(inquiry_id, "dept", at=AT + timedelta(hours=2)))["moved"] == 1
    assert client.get_schedule(Name=f"{inquiry_id}-dept-e1", GroupName=group)["State"] == "ENABLED"
