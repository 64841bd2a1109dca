"""Fires what moto only stores: due EventBridge Scheduler one-time schedules and rate() rules.

Runs on the local clock (which may run faster than real time) and records how late each timer
fired, in clock time, for `make bench`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

LOG = logging.getLogger("desk.pump")
_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


@dataclass
class _Schedule:
    at: datetime
    target_arn: str
    payload: Any
    delete_after: bool
    failures: int = 0


class Pump:
    def __init__(
        self,
        session: Any,
        now: Callable[[], datetime],
        invoke: Callable[[str, Any], Any],  # (function ARN, event)
        group: str,
        interval: float = 0.2,
    ) -> None:
        self._scheduler = session.client("scheduler")
        self._events = session.client("events")
        self._now = now
        self._invoke = invoke
        self._group = group
        self._interval = interval
        self._cache: dict[tuple[str, str], _Schedule] = {}
        self._next_rule_fire: dict[str, datetime] = {}
        self.lateness: list[float] = []  # seconds of clock time between due and fired
        self.fired = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="desk-pump", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.tick()
            except Exception:  # the pump must outlive one bad tick
                LOG.exception("pump tick failed")

    def tick(self) -> None:
        self._fire_schedules()
        self._fire_rules()

    def _fire_schedules(self) -> None:
        listed: list[dict[str, Any]] = []
        for page in self._scheduler.get_paginator("list_schedules").paginate(GroupName=self._group):
            listed.extend(page.get("Schedules", []))
        now = self._now()
        for item in listed:
            key = (item["Name"], str(item.get("LastModificationDate")))
            schedule = self._cache.get(key)
            if schedule is None:
                schedule = self._describe(item["Name"])
                if schedule is None:
                    continue
                self._cache[key] = schedule
            if schedule.at > now:
                continue
            try:
                self._invoke(schedule.target_arn, schedule.payload)
            except Exception:
                schedule.failures += 1
                LOG.exception("schedule %s failed (attempt %d)", item["Name"], schedule.failures)
                if schedule.failures < 3:
                    continue  # Scheduler retries too
            self.lateness.append((self._now() - schedule.at).total_seconds())
            self.fired += 1
            if schedule.delete_after or schedule.failures >= 3:
                with contextlib.suppress(self._scheduler.exceptions.ResourceNotFoundException):
                    self._scheduler.delete_schedule(Name=item["Name"], GroupName=self._group)
            self._cache.pop(key, None)

    def _describe(self, name: str) -> _Schedule | None:
        try:
            got = self._scheduler.get_schedule(Name=name, GroupName=self._group)
        except self._scheduler.exceptions.ResourceNotFoundException:
            return None
        match = _AT.match(got["ScheduleExpression"])
        if match is None:
            return None  # only one-time schedules are product timers
        zone = got.get("ScheduleExpressionTimezone") or "UTC"
        if zone != "UTC":
            from zoneinfo import ZoneInfo

            at = datetime.fromisoformat(match.group(1)).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
        else:
            at = datetime.fromisoformat(match.group(1)).replace(tzinfo=UTC)
        target = got["Target"]
        payload = json.loads(target["Input"]) if target.get("Input") else {}
        return _Schedule(at, target["Arn"], payload, got.get("ActionAfterCompletion") == "DELETE")

    def _fire_rules(self) -> None:
        now = self._now()
        for rule in self._events.list_rules().get("Rules", []):
            match = _RATE.match(rule.get("ScheduleExpression") or "")
            if match is None or rule.get("State") == "DISABLED":
                continue
            period = timedelta(seconds=int(match.group(1)) * _UNIT[match.group(2)])
            due = self._next_rule_fire.setdefault(rule["Arn"], now + period)
            if now < due:
                continue
            self._next_rule_fire[rule["Arn"]] = due + period
            for target in self._events.list_targets_by_rule(Rule=rule["Name"]).get("Targets", []):
                event = (
                    json.loads(target["Input"])
                    if target.get("Input")
                    else {
                        "source": "aws.events",
                        "detail-type": "Scheduled Event",
                        "resources": [rule["Arn"]],
                        "time": now.isoformat(),
                        "detail": {},
                    }
                )
                try:
                    self._invoke(target["Arn"], event)
                except Exception:
                    LOG.exception("rule %s target failed", rule["Name"])
