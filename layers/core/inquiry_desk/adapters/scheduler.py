"""EventBridge Scheduler: the deadline timers (port `Timers`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from inquiry_desk.deadlines.decisions import Timer


class SchedulerTimers:
    """One one-time schedule per timer (`at()`, UTC, ActionAfterCompletion DELETE) in one group."""

    def __init__(self, client: Any, group: str, target_arn: str, role_arn: str) -> None:
        self._client = client
        self._group = group
        self._target = target_arn
        self._role = role_arn

    def sync(self, inquiry_id: str, timers: Sequence[Timer]) -> dict[str, int]:
        """Make the inquiry's schedules exactly `timers`: create or move each, delete the rest."""
        existing: set[str] = set()
        for page in self._client.get_paginator("list_schedules").paginate(
            GroupName=self._group, NamePrefix=f"{inquiry_id}-"
        ):
            existing.update(s["Name"] for s in page.get("Schedules", []))
        created = moved = deleted = 0
        wanted = {t.name for t in timers}
        for timer in timers:
            spec = {
                "Name": timer.name,
                "GroupName": self._group,
                "ScheduleExpression": f"at({timer.at.strftime('%Y-%m-%dT%H:%M:%S')})",
                "ScheduleExpressionTimezone": "UTC",
                "FlexibleTimeWindow": {"Mode": "OFF"},
                "ActionAfterCompletion": "DELETE",
                "Target": {
                    "Arn": timer.target or self._target,
                    "RoleArn": self._role,
                    "Input": json.dumps(timer.payload),
                },
            }
            if timer.name in existing:
                self._client.update_schedule(**spec)
                moved += 1
            else:
                try:
                    self._client.create_schedule(**spec)
                    created += 1
                except ClientError as err:
                    if err.response["Error"]["Code"] != "ConflictException":
                        raise
                    self._client.update_schedule(**spec)
                    moved += 1
        for name in existing - wanted:
            try:
                self._client.delete_schedule(Name=name, GroupName=self._group)
                deleted += 1
            except ClientError as err:
                if err.response["Error"]["Code"] != "ResourceNotFoundException":
                    raise
        return {"created": created, "moved": moved, "deleted": deleted}
