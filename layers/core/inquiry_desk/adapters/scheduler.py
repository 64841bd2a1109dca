"""EventBridge Scheduler: the long deadline timers, one schedule per inquiry (port `Timers` via
adapters.timers)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from inquiry_desk.deadlines.contracts import TimerFired, TimerSpec
from inquiry_desk.deadlines.decisions import NamedTimer


class SchedulerTimers:
    """One one-time schedule per inquiry (`at()`, UTC, ActionAfterCompletion DELETE) in one group,
    named after the inquiry, so moving the inquiry's timer is one UpdateSchedule."""

    def __init__(self, client: Any, group: str, target_arn: str, role_arn: str) -> None:
        self._client = client
        self._group = group
        self._target = target_arn
        self._role = role_arn

    def put(self, inquiry_id: str, timer: TimerSpec, fire_at: datetime, exists: bool) -> int:
        """Create or move the inquiry's schedule to fire at `fire_at` with `timer` as its input;
        `exists` says which call to try first. Returns the requests made (1, or 2 when wrong)."""
        spec = {
            "Name": inquiry_id,
            "GroupName": self._group,
            "ScheduleExpression": f"at({fire_at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S')})",
            "ScheduleExpressionTimezone": "UTC",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "State": "ENABLED",  # said on every update too: moto's UpdateSchedule drops an unsaid State
            "ActionAfterCompletion": "DELETE",
            "Target": {"Arn": self._target, "RoleArn": self._role, "Input": TimerFired(timer=timer).model_dump_json()},
        }
        first, second, expected = (
            (self._client.update_schedule, self._client.create_schedule, "ResourceNotFoundException")
            if exists
            else (self._client.create_schedule, self._client.update_schedule, "ConflictException")
        )
        try:
            first(**spec)
            return 1
        except ClientError as err:
            if err.response["Error"]["Code"] != expected:
                raise
        second(**spec)
        return 2

    def delete(self, inquiry_id: str) -> int:
        try:
            self._client.delete_schedule(Name=inquiry_id, GroupName=self._group)
        except ClientError as err:
            if err.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
        return 1


class NamedScheduleSet:
    """The closing loop's timers (survey, reminder, confirmation timeout): one one-time schedule
    each, named `<inquiry>-<what>-e<episode>`, in the same group as the deadline timer (which is
    named by the inquiry id alone). Minute precision is right for them (hours ahead)."""

    def __init__(self, client: Any, group: str, target_arn: str, role_arn: str) -> None:
        self._client = client
        self._group = group
        self._target = target_arn
        self._role = role_arn

    def _existing(self, inquiry_id: str) -> set[str]:
        existing: set[str] = set()
        for page in self._client.get_paginator("list_schedules").paginate(
            GroupName=self._group, NamePrefix=f"{inquiry_id}-"
        ):
            existing.update(s["Name"] for s in page.get("Schedules", []))
        return existing

    def _spec(self, timer: NamedTimer) -> dict[str, Any]:
        return {
            "Name": timer.name,
            "GroupName": self._group,
            "ScheduleExpression": f"at({timer.at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S')})",
            "ScheduleExpressionTimezone": "UTC",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "State": "ENABLED",  # said on every update too: moto's UpdateSchedule drops an unsaid State
            "ActionAfterCompletion": "DELETE",
            "Target": {
                "Arn": timer.target or self._target,
                "RoleArn": self._role,
                "Input": json.dumps(timer.payload),
            },
        }

    def ensure(self, inquiry_id: str, timers: Sequence[NamedTimer]) -> int:
        """Create the missing ones of `timers` (the reconciler's repair of a lost timer): one list
        request, and one create per missing schedule; existing ones are left as they are."""
        if not timers:
            return 0
        existing, created = self._existing(inquiry_id), 0
        for timer in timers:
            if timer.name in existing:
                continue
            try:
                self._client.create_schedule(**self._spec(timer))
                created += 1
            except ClientError as err:
                if err.response["Error"]["Code"] != "ConflictException":
                    raise
        return created

    def sync(self, inquiry_id: str, timers: Sequence[NamedTimer]) -> dict[str, int]:
        """Make the inquiry's named schedules exactly `timers`: create or move each, delete the rest."""
        existing = self._existing(inquiry_id)
        created = moved = deleted = 0
        for timer in timers:
            spec = self._spec(timer)
            if timer.name in existing:
                self._client.update_schedule(**spec)
                moved += 1
                continue
            try:
                self._client.create_schedule(**spec)
                created += 1
            except ClientError as err:
                if err.response["Error"]["Code"] != "ConflictException":
                    raise
                self._client.update_schedule(**spec)
                moved += 1
        for name in existing - {t.name for t in timers}:
            try:
                self._client.delete_schedule(Name=name, GroupName=self._group)
                deleted += 1
            except ClientError as err:
                if err.response["Error"]["Code"] != "ResourceNotFoundException":
                    raise
        return {"created": created, "moved": moved, "deleted": deleted}
