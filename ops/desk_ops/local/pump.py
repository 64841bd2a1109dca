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
from concurrent.futures import ThreadPoolExecutor
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
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="desk-pump-fire")
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="desk-pump", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.tick()
            except Exception:  # the pump must outlive one bad tick
                LOG.exception("pump tick failed")

    def tick(self) -> None:
        self._fire_schedules()
        self._fire_rules()

    def _listed(self) -> list[tuple[str, str, str, dict[str, Any], str | None, float]]:
        """The group's schedules, read from the emulator's own state: moto only stores schedules,
        and listing thousands through its HTTP API every tick would make the pump late."""
        from moto.scheduler.models import scheduler_backends

        from .stack import ACCOUNT, REGION

        group = scheduler_backends[ACCOUNT][REGION].schedule_groups.get(self._group)
        if group is None:
            return []
        try:
            schedules = list(group.schedules.values())
        except RuntimeError:  # a schedule was added while copying: the next tick sees it
            return []
        return [
            (
                s.name,
                s.schedule_expression,
                s.schedule_expression_timezone,
                s.target,
                s.action_after_completion,
                float(s.last_modified_date),
            )
            for s in schedules
            if s.state == "ENABLED"
        ]

    def _fire_schedules(self) -> None:
        now = self._now()
        due: list[tuple[str, tuple[str, str], _Schedule]] = []
        for name, expression, zone, target, after, modified in self._listed():
            key = (name, str(modified))
            schedule = self._cache.get(key)
            if schedule is None:
                schedule = _parse(expression, zone, target, after)
                if schedule is None:
                    continue
                self._cache[key] = schedule
            if schedule.at <= now:
                due.append((name, key, schedule))
        # Scheduler invokes targets in parallel; so does the pump (a slow target delays no other)
        list(self._pool.map(lambda item: self._fire(*item), due))

    def _fire(self, name: str, key: tuple[str, str], schedule: _Schedule) -> None:
        try:
            self._invoke(schedule.target_arn, schedule.payload)
        except Exception:
            schedule.failures += 1
            LOG.exception("schedule %s failed (attempt %d)", name, schedule.failures)
            if schedule.failures < 3:
                return  # Scheduler retries too
        self.lateness.append((self._now() - schedule.at).total_seconds())
        self.fired += 1
        if schedule.delete_after or schedule.failures >= 3:
            with contextlib.suppress(self._scheduler.exceptions.ResourceNotFoundException):
                self._scheduler.delete_schedule(Name=name, GroupName=self._group)
        self._cache.pop(key, None)

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


def _parse(expression: str, zone: str | None, target: dict[str, Any], after: str | None) -> _Schedule | None:
    match = _AT.match(expression)
    if match is None:
        return None  # only one-time schedules are product timers
    local = datetime.fromisoformat(match.group(1))
    if zone and zone != "UTC":
        from zoneinfo import ZoneInfo

        at = local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    else:
        at = local.replace(tzinfo=UTC)
    payload = json.loads(target["Input"]) if target.get("Input") else {}
    return _Schedule(at, target["Arn"], payload, after == "DELETE")
