"""In-memory Timers (EventBridge Scheduler), Notifier (SNS) and Ladders (Step Functions), the
ports of `deadlines.enforcer`, behaving as `adapters.scheduler`, `adapters.sns` and
`adapters.stepfunctions` do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from inquiry_desk.deadlines.contracts import TimerSpec


class FakeTimers:
    """The one armed timer per inquiry (port `Timers`), as `adapters.timers.DeadlineTimers` keeps
    it: `arm` replaces the inquiry's timer (None disarms) and counts the requests it took: nothing
    when the instant is unchanged, one to arm or disarm, two to move (delete + create)."""

    def __init__(self) -> None:
        self.armed: dict[str, TimerSpec] = {}
        self.requests = 0

    def arm(self, inquiry_id: str, timer: TimerSpec | None, now: datetime, replacing: TimerSpec | None) -> int:
        current = self.armed.get(inquiry_id)
        if timer is not None and timer.same_instant(current):
            return 0
        used = 0
        if current is not None:
            del self.armed[inquiry_id]
            used += 1
        if timer is not None:
            self.armed[inquiry_id] = timer
            used += 1
        self.requests += used
        return used

    def of(self, inquiry_id: str) -> TimerSpec | None:
        return self.armed.get(inquiry_id)

    def due(self, now: datetime) -> list[TimerSpec]:
        """The timers that have fired by `now` (each fires once, then it is gone)."""
        fired = sorted((t for t in self.armed.values() if t.at <= now), key=lambda t: (t.at, t.inquiry_id))
        for timer in fired:
            del self.armed[timer.inquiry_id]
        return fired


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
        self.executions: dict[str, dict[str, Any]] = {}
        self.starts = 0

    def start(self, name: str, state: dict[str, Any]) -> None:
        self.starts += 1
        self.executions.setdefault(name, dict(state))
