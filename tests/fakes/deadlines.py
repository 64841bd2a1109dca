"""In-memory Timers (SQS message timers + EventBridge Scheduler), NamedSchedules (Scheduler),
Notifier (SNS) and Ladders (Step Functions): the ports of `deadlines.enforcer`, behaving as
`adapters.timers`, `adapters.scheduler`, `adapters.sns` and `adapters.stepfunctions` do."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from inquiry_desk.adapters.scheduler import SchedulerTimers
from inquiry_desk.adapters.sqs import MAX_DELAY_SECONDS, QueueTimers
from inquiry_desk.adapters.timers import DeadlineTimers
from inquiry_desk.deadlines.contracts import LadderState, TimerSpec
from inquiry_desk.deadlines.decisions import NamedTimer


@dataclass(frozen=True)
class Pending:
    """A timer on its way to sla_timer: an SQS message (delivered at `at`) or a schedule (fires at `at`)."""

    at: datetime
    timer: TimerSpec
    leg: str  # "queue" or "scheduler"


class _MemoryQueue(QueueTimers):
    """The SQS leg: a sent message cannot be recalled; it is delivered after its delay."""

    def __init__(self, messages: list[Pending]) -> None:
        super().__init__(client=None, queue_url="memory://timers")
        self.messages = messages
        self.now: datetime | None = None

    def send(self, timer: TimerSpec, delay_seconds: int) -> int:
        if not 0 <= delay_seconds <= MAX_DELAY_SECONDS:
            raise ValueError(f"an SQS message timer is 0..{MAX_DELAY_SECONDS} s, not {delay_seconds}")
        assert self.now is not None
        self.messages.append(Pending(self.now + timedelta(seconds=delay_seconds), timer, "queue"))
        return 1


class _MemoryScheduler(SchedulerTimers):
    """The Scheduler leg: one schedule per inquiry, moved in place; `put` tries the call `exists`
    says first and pays a second request when that was wrong, as the adapter does."""

    def __init__(self) -> None:
        super().__init__(client=None, group="memory", target_arn="memory:sla_timer", role_arn="memory:role")
        self.schedules: dict[str, Pending] = {}

    def put(self, inquiry_id: str, timer: TimerSpec, fire_at: datetime, exists: bool) -> int:
        right_guess = exists == (inquiry_id in self.schedules)
        self.schedules[inquiry_id] = Pending(fire_at, timer, "scheduler")
        return 1 if right_guess else 2

    def delete(self, inquiry_id: str) -> int:
        self.schedules.pop(inquiry_id, None)
        return 1


class FakeTimers:
    """The one deadline timer per inquiry (port `Timers`): `adapters.timers.DeadlineTimers` itself
    (which leg, how many requests) on in-memory legs. So, as on AWS: an instant within 900 s is one
    SQS message (never recalled: a superseded one is still delivered, and sla_timer finds it
    stale), a later one is the inquiry's schedule, fired `HANDOVER` ahead of the instant and moved
    in place (one request). `armed` is the instant the enforcer last armed; `requests` counts the
    AWS requests made."""

    def __init__(self) -> None:
        self.messages: list[Pending] = []
        self._queue = _MemoryQueue(self.messages)
        self._scheduler = _MemoryScheduler()
        self._timers = DeadlineTimers(self._queue, self._scheduler)
        self.armed: dict[str, TimerSpec] = {}
        self.requests = 0

    @property
    def schedules(self) -> dict[str, Pending]:
        return self._scheduler.schedules

    def arm(self, inquiry_id: str, timer: TimerSpec | None, now: datetime, replacing: TimerSpec | None) -> int:
        self._queue.now = now
        used = self._timers.arm(inquiry_id, timer, now, replacing)
        if timer is None:
            self.armed.pop(inquiry_id, None)
        else:
            self.armed[inquiry_id] = timer
        self.requests += used
        return used

    def of(self, inquiry_id: str) -> TimerSpec | None:
        return self.armed.get(inquiry_id)

    def pending(self, inquiry_id: str) -> list[Pending]:
        """Everything still to be delivered for the inquiry (messages and its schedule), in time order."""
        mine = [p for p in self.messages if p.timer.inquiry_id == inquiry_id]
        if inquiry_id in self.schedules:
            mine.append(self.schedules[inquiry_id])
        return sorted(mine, key=lambda p: p.at)

    def next_delivery(self) -> datetime | None:
        """When sla_timer next receives something (any inquiry), if anything is on its way."""
        instants = [p.at for p in self.messages] + [p.at for p in self.schedules.values()]
        return min(instants, default=None)

    def due(self, now: datetime) -> list[TimerSpec]:
        """What sla_timer receives by `now`, in delivery order; each is delivered once, then gone
        (a delivered schedule deletes itself: ActionAfterCompletion DELETE)."""
        delivered = [p for p in self.messages if p.at <= now]
        delivered += [p for p in self.schedules.values() if p.at <= now]
        self.messages[:] = [p for p in self.messages if p.at > now]
        for gone in [i for i, p in self.schedules.items() if p.at <= now]:
            del self.schedules[gone]
        return [p.timer for p in sorted(delivered, key=lambda p: (p.at, p.timer.inquiry_id))]

    def lose(self) -> None:
        """Every message and schedule is lost (what the reconciler is for)."""
        self.messages.clear()
        self.schedules.clear()
        self.armed.clear()


class FakeNamedSchedules:
    """The closing loop's named one-time schedules (port `NamedSchedules`), as
    `adapters.scheduler.NamedScheduleSet` keeps them: `sync` creates, moves (in place) and deletes."""

    def __init__(self) -> None:
        self.schedules: dict[str, dict[str, NamedTimer]] = {}
        self.syncs = 0

    def sync(self, inquiry_id: str, timers: Sequence[NamedTimer]) -> dict[str, int]:
        self.syncs += 1
        existing = self.schedules.get(inquiry_id, {})
        wanted = {t.name: t for t in timers}
        counts = {
            "created": len(wanted.keys() - existing.keys()),
            "moved": len(wanted.keys() & existing.keys()),
            "deleted": len(existing.keys() - wanted.keys()),
        }
        self.schedules[inquiry_id] = wanted
        return counts

    def ensure(self, inquiry_id: str, timers: Sequence[NamedTimer]) -> int:
        existing = self.schedules.setdefault(inquiry_id, {})
        missing = [t for t in timers if t.name not in existing]
        existing.update({t.name: t for t in missing})
        return len(missing)

    def forget(self, inquiry_id: str, name: str) -> None:
        """A schedule lost (deleted by hand, a failed create): what the reconciler repairs."""
        self.schedules.get(inquiry_id, {}).pop(name, None)

    def of(self, inquiry_id: str) -> dict[str, NamedTimer]:
        return dict(self.schedules.get(inquiry_id, {}))


@dataclass(frozen=True)
class Notice:
    kind: str
    subject: str
    body: dict[str, Any]


class FakeNotifier:
    def __init__(self) -> None:
        self.sent: list[Notice] = []

    def notify(self, kind: str, subject: str, body: dict[str, Any]) -> None:
        self.sent.append(Notice(kind, subject[:99], dict(body)))  # SNS subjects: 99 characters at most

    def audiences(self) -> list[str]:
        return [str(n.body.get("audience")) for n in self.sent]


class FakeLadders:
    """One execution per name: a second start with the same name is ignored (ExecutionAlreadyExists)."""

    def __init__(self) -> None:
        self.executions: dict[str, LadderState] = {}
        self.starts = 0

    def start(self, name: str, state: LadderState) -> None:
        self.starts += 1
        self.executions.setdefault(name, state)
