"""In-memory Timers (EventBridge Scheduler), Notifier (SNS) and Ladders (Step Functions), the
ports of `deadlines.enforcer`, behaving as `adapters.scheduler`, `adapters.sns` and
`adapters.stepfunctions` do."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from inquiry_desk.deadlines.decisions import Timer


class FakeTimers:
    """One schedule per timer name; `sync` makes an inquiry's schedules exactly `timers` and
    counts as SchedulerTimers does (created, moved: an existing name updated, deleted)."""

    def __init__(self) -> None:
        self.schedules: dict[str, Timer] = {}

    def sync(self, inquiry_id: str, timers: Sequence[Timer]) -> dict[str, int]:
        existing = {name for name in self.schedules if name.startswith(f"{inquiry_id}-")}
        created = moved = 0
        for timer in timers:
            if timer.name in existing or timer.name in self.schedules:
                moved += 1
            else:
                created += 1
            self.schedules[timer.name] = timer
        stale = existing - {t.name for t in timers}
        for name in stale:
            del self.schedules[name]
        return {"created": created, "moved": moved, "deleted": len(stale)}

    def of(self, inquiry_id: str) -> dict[str, Timer]:
        return {n: t for n, t in self.schedules.items() if n.startswith(f"{inquiry_id}-")}

    def due(self, now: datetime) -> list[Timer]:
        """The schedules that have fired by `now` (Scheduler then deletes them: ActionAfterCompletion)."""
        fired = sorted((t for t in self.schedules.values() if t.at <= now), key=lambda t: (t.at, t.name))
        for timer in fired:
            del self.schedules[timer.name]
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
