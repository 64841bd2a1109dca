"""Fires what moto only stores: due EventBridge Scheduler schedules (one-time `at()` and recurring
`cron()`, each in its ScheduleExpressionTimezone, in every schedule group), rate() rules, and SQS
messages for queues with a Lambda event source mapping (honouring each message's DelaySeconds).

Runs on the local clock (which may run faster than real time): a message sent with DelaySeconds=30
is delivered 30 clock seconds after it was sent, as Lambda's poller would once SQS shows it. moto
would deliver a queue's messages inside SendMessage (and never a delayed one); the pump takes that
over. It records how late each timer fired, in clock time, for `make bench`.
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
_CRON = re.compile(r"^cron\((\S+) (\S+) (\S+) (\S+) (\S+)(?: (\S+))?\)$")
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


_clock: list[Callable[[], datetime]] = []  # the pump's clock, stamped on each message sent


def hold_queue_messages_for_the_pump(now: Callable[[], datetime]) -> None:
    """moto's SendMessage invokes a queue's Lambda mapping at once and never delivers a delayed
    message; on AWS Lambda polls and sees a message only after its DelaySeconds. Stamp each message
    with the local clock and leave delivery to the pump."""
    from moto.sqs.models import Queue

    _clock[:] = [now]
    if getattr(Queue.add_message, "_desk_held", False):
        return

    def add_message(queue: Any, message: Any) -> None:
        message.desk_sent_at = _clock[0]() if _clock else datetime.now(UTC)
        with queue._messages_lock:
            queue._messages.append(message)
            queue._messages_lock.notify_all()

    add_message._desk_held = True  # type: ignore[attr-defined]
    Queue.add_message = add_message  # type: ignore[method-assign,assignment]


@dataclass
class _Schedule:
    at: datetime
    target_arn: str
    payload: Any
    delete_after: bool
    failures: int = 0
    group: str = ""
    cron: str | None = None  # a recurring schedule's expression: after firing, its next occurrence
    zone: str | None = None


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
        self._cache: dict[tuple[str, str, str], _Schedule] = {}  # (group, name, last modified)
        self._next_rule_fire: dict[str, datetime] = {}
        self.lateness: list[float] = []  # seconds of clock time between due and fired (schedules)
        self.queue_lateness: list[float] = []  # the same for SQS message timers
        self.fired = 0
        self.delivered = 0  # SQS messages delivered to their functions
        self._attempts: dict[str, int] = {}
        hold_queue_messages_for_the_pump(now)
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
        self._deliver_queues()
        self._fire_schedules()
        self._fire_rules()

    def _deliver_queues(self) -> None:
        """Each queue with a Lambda mapping: the messages due by now on the local clock, in
        batches of the mapping's size, as one SQS event each (failed items come back later)."""
        from moto.sqs.models import sqs_backends

        from .stack import ACCOUNT, REGION

        now = self._now()
        for queue in list(sqs_backends[ACCOUNT][REGION].queues.values()):
            mappings = [m for m in queue.lambda_event_source_mappings.values() if m.enabled]
            if not mappings:
                continue
            with queue._messages_lock:
                due = [m for m in queue._messages if self._due(m) <= now]
                for message in due:
                    queue._messages.remove(message)
            mapping = mappings[0]
            size = int(getattr(mapping, "batch_size", 10) or 10)
            for start in range(0, len(due), size):
                self._pool.submit(self._deliver, queue, mapping.function_arn, due[start : start + size])

    @staticmethod
    def _due(message: Any) -> datetime:
        sent = getattr(message, "desk_sent_at", None) or datetime.now(UTC)
        delay = max(0.0, (float(message.delayed_until) - float(message.sent_timestamp or 0)) / 1000.0)
        return sent + timedelta(seconds=delay if message.delayed_until else 0)

    def _deliver(self, queue: Any, function_arn: str, batch: list[Any]) -> None:
        event = {"Records": [_sqs_record(queue, m, self._attempts.get(m.id, 0) + 1) for m in batch]}
        failed: set[str] = set()
        try:
            answer = self._invoke(function_arn, event)
            if isinstance(answer, dict):
                failed = {str(f.get("itemIdentifier")) for f in answer.get("batchItemFailures") or []}
        except Exception:
            LOG.exception("delivery from queue %s failed", queue.name)
            failed = {m.id for m in batch}
        now = self._now()
        for message in batch:
            if message.id in failed:
                self._attempts[message.id] = self._attempts.get(message.id, 0) + 1
                if self._attempts[message.id] < 3:  # back on the queue (AWS: after the visibility timeout)
                    with queue._messages_lock:
                        queue._messages.append(message)
                continue
            self._attempts.pop(message.id, None)
            self.queue_lateness.append((now - self._due(message)).total_seconds())
            self.delivered += 1

    def _listed(self) -> list[tuple[str, str, str, str, dict[str, Any], str | None, float]]:
        """Every group's schedules, read from the emulator's own state: moto only stores schedules,
        and listing thousands through its HTTP API every tick would make the pump late."""
        from moto.scheduler.models import scheduler_backends

        from .stack import ACCOUNT, REGION

        found = []
        for group_name, group in list(scheduler_backends[ACCOUNT][REGION].schedule_groups.items()):
            try:
                schedules = list(group.schedules.values())
            except RuntimeError:  # a schedule was added while copying: the next tick sees it
                continue
            found += [
                (
                    group_name,
                    s.name,
                    s.schedule_expression,
                    s.schedule_expression_timezone,
                    s.target,
                    s.action_after_completion,
                    float(s.last_modified_date),
                )
                for s in schedules
                if s.state != "DISABLED"  # Scheduler's default is ENABLED (moto's update leaves None)
            ]
        return found

    def _fire_schedules(self) -> None:
        now = self._now()
        due: list[tuple[str, tuple[str, str, str], _Schedule]] = []
        for group, name, expression, zone, target, after, modified in self._listed():
            key = (group, name, str(modified))
            schedule = self._cache.get(key)
            if schedule is None:
                schedule = _parse(expression, zone, target, after, now)
                if schedule is None:
                    continue
                schedule.group = group
                self._cache[key] = schedule
            if schedule.at <= now:
                due.append((name, key, schedule))
        # Scheduler invokes targets in parallel; so does the pump (a slow target delays no other)
        list(self._pool.map(lambda item: self._fire(*item), due))

    def _fire(self, name: str, key: tuple[str, str, str], schedule: _Schedule) -> None:
        try:
            self._invoke(schedule.target_arn, schedule.payload)
        except Exception:
            schedule.failures += 1
            LOG.exception("schedule %s failed (attempt %d)", name, schedule.failures)
            if schedule.failures < 3:
                return  # Scheduler retries too
        self.lateness.append((self._now() - schedule.at).total_seconds())
        self.fired += 1
        if schedule.cron is not None:  # recurring: on to its next occurrence after this one
            following = cron_next(schedule.cron, schedule.zone, max(schedule.at, self._now()))
            if following is not None:
                schedule.at, schedule.failures = following, 0
                return
        if schedule.delete_after or schedule.failures >= 3:
            with contextlib.suppress(self._scheduler.exceptions.ResourceNotFoundException):
                self._scheduler.delete_schedule(Name=name, GroupName=schedule.group or self._group)
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


def _parse(
    expression: str, zone: str | None, target: dict[str, Any], after: str | None, now: datetime
) -> _Schedule | None:
    payload = json.loads(target["Input"]) if target.get("Input") else {}
    if expression.startswith("cron("):
        first = cron_next(expression, zone, now)
        if first is None:
            return None
        return _Schedule(first, target["Arn"], payload, False, cron=expression, zone=zone)
    match = _AT.match(expression)
    if match is None:
        return None  # rate() schedules: none of ours
    local = datetime.fromisoformat(match.group(1))
    if zone and zone != "UTC":
        from zoneinfo import ZoneInfo

        at = local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    else:
        at = local.replace(tzinfo=UTC)
    return _Schedule(at, target["Arn"], payload, after == "DELETE")


_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}


def _cron_field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> list[int] | None:
    """One field of a Scheduler cron expression: `*` or `?` (None: any), numbers, names, a-b ranges,
    a/step and lists of them. `L`, `W` and `#` are refused (ValueError): none of our schedules uses them."""
    if text in ("*", "?"):
        return None
    values: set[int] = set()

    def number(part: str) -> int:
        return names[part.upper()] if names and part.upper() in names else int(part)

    for part in text.split(","):
        base, _, step = part.partition("/")
        if base in ("*", ""):
            start, end = low, high
        elif "-" in base:
            a, b = base.split("-", 1)
            start, end = number(a), number(b)
        else:
            start = number(base)
            end = high if step else start
        values.update(range(start, end + 1, int(step) if step else 1))
    if not values or min(values) < low or max(values) > high:
        raise ValueError(f"cron field {text!r} outside {low}-{high}")
    return sorted(values)


def cron_next(expression: str, zone: str | None, after: datetime) -> datetime | None:
    """The first occurrence of a Scheduler `cron(min hour day-of-month month day-of-week year)`
    strictly after `after`, in the schedule's time zone (wall clock, as Scheduler reads it), as UTC.
    None (and a log line) for an expression the pump does not understand: it never fires."""
    from zoneinfo import ZoneInfo

    from dateutil import rrule  # type: ignore[import-untyped]

    match = _CRON.match(expression)
    try:
        if match is None:
            raise ValueError("not cron(min hour day-of-month month day-of-week [year])")
        minutes, hours, dom, month, dow, year = match.groups()
        weekdays = _cron_field(dow, 1, 7, _DAYS)
        rule = rrule.rrule(
            rrule.YEARLY,
            dtstart=after.astimezone(ZoneInfo(zone or "UTC")).replace(tzinfo=None, second=0, microsecond=0),
            byminute=_cron_field(minutes, 0, 59) or list(range(60)),
            byhour=_cron_field(hours, 0, 23) or list(range(24)),
            bymonth=_cron_field(month, 1, 12) or list(range(1, 13)),
            bymonthday=None if weekdays else (_cron_field(dom, 1, 31) or list(range(1, 32))),
            byweekday=[(d - 2) % 7 for d in weekdays] if weekdays else None,  # Scheduler: 1 = Sunday
            bysecond=0,
        )
        years = _cron_field(year or "*", 1970, 2199)
    except (ValueError, KeyError) as err:
        LOG.error("schedule expression %s not understood (%s): it will not fire", expression, err)
        return None
    local_after = after.astimezone(ZoneInfo(zone or "UTC")).replace(tzinfo=None)
    for found in rule.xafter(local_after, count=2000):
        if years is None or found.year in years:
            return found.replace(tzinfo=ZoneInfo(zone or "UTC")).astimezone(UTC)
    return None


def _sqs_record(queue: Any, message: Any, attempt: int) -> dict[str, Any]:
    """One record of the SQS event Lambda's poller sends."""
    return {
        "messageId": message.id,
        "receiptHandle": message.receipt_handle or message.id,
        "body": message.body,
        "attributes": {
            "ApproximateReceiveCount": str(attempt),
            "SentTimestamp": str(message.sent_timestamp),
            "SenderId": "local",
            "ApproximateFirstReceiveTimestamp": str(message.sent_timestamp),
        },
        "messageAttributes": {},
        "md5OfBody": message.body_md5,
        "eventSource": "aws:sqs",
        "eventSourceARN": queue.queue_arn,
        "awsRegion": queue.region,
    }
