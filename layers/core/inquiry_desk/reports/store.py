"""The port reports need from storage, and an in-memory implementation of it (tests, audits).

The DynamoDB adapter (``adapters/report_store.py``) keeps the same items in the single table; a
daily report reads one partition (the day's rows), whatever the history holds.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from inquiry_desk.reports.counting import Counting, Drill


@dataclass(frozen=True)
class Waiting:
    channel: str
    count: int
    oldest_since: datetime | None


@dataclass(frozen=True)
class ResponseHour:
    hour: str  # yyyy-mm-ddTHH (UTC)
    count: int
    seconds: int


class CounterStore(Protocol):
    items_read: int  # items read by report queries so far (the bench's figure)

    def apply(self, counting: Counting) -> bool:
        """Write everything ``counting`` changes at most once; False when it was counted before."""

    def day(self, day: str) -> dict[str, dict[str, int]]:
        """dimension -> counter -> value for one cohort day (one Query)."""

    def drill(self, day: str, counter: str) -> list[Drill]: ...

    def waiting(self, channel: str) -> Waiting: ...

    def response_hours(self, channel: str, since_hour: str) -> list[ResponseHour]: ...

    def previous_inquiry(self, customer_id: str, before: datetime, inquiry_id: str) -> tuple[datetime, str] | None: ...

    def alert(self, name: str) -> dict[str, Any] | None: ...

    def save_alert(self, name: str, state: dict[str, Any] | None) -> None: ...


def hour_of(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H")


class MemoryCounterStore:
    """CounterStore in memory, with the same exactly-once rule as the table (a set of counted keys)."""

    def __init__(self) -> None:
        self.counted: set[str] = set()
        self.rows: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
        self.drills: dict[tuple[str, str], dict[str, Drill]] = defaultdict(dict)
        self.queue: dict[str, dict[str, datetime]] = defaultdict(dict)
        self.hours: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
        self.inquiries: dict[str, list[tuple[datetime, str, str]]] = defaultdict(list)  # customer -> (at, channel, id)
        self.alerts: dict[str, dict[str, Any]] = {}
        self.items_read = 0

    def alert(self, name: str) -> dict[str, Any] | None:
        return self.alerts.get(name)

    def save_alert(self, name: str, state: dict[str, Any] | None) -> None:
        if state is None:
            self.alerts.pop(name, None)
        else:
            self.alerts[name] = dict(state)

    def apply(self, counting: Counting) -> bool:
        if counting.empty:
            return False
        if counting.key in self.counted:
            return False
        self.counted.add(counting.key)
        for dim, counters in counting.counters.items():
            for name, amount in counters.items():
                self.rows[counting.day][dim][name] += amount
        for d in counting.drills:
            self.drills[(counting.day, d.counter)][f"{d.inquiry_id}#{d.seq:06d}"] = d
        inquiry_id = counting.key.split("#")[0]
        if counting.waiting is not None:
            action, channel, since = counting.waiting
            if action == "start":
                self.queue[channel][inquiry_id] = since
            else:
                self.queue[channel].pop(inquiry_id, None)
        if counting.response is not None:
            channel, at, seconds = counting.response
            cell = self.hours[channel][hour_of(at)]
            cell[0] += 1
            cell[1] += seconds
        return True

    def day(self, day: str) -> dict[str, dict[str, int]]:
        rows = self.rows.get(day, {})
        self.items_read += len(rows)
        return {dim: dict(c) for dim, c in rows.items()}

    def drill(self, day: str, counter: str) -> list[Drill]:
        found = list(self.drills.get((day, counter), {}).values())
        self.items_read += len(found)
        return found

    def waiting(self, channel: str) -> Waiting:
        queue = self.queue.get(channel, {})
        return Waiting(channel, len(queue), min(queue.values()) if queue else None)

    def response_hours(self, channel: str, since_hour: str) -> list[ResponseHour]:
        hours = self.hours.get(channel, {})
        return [ResponseHour(h, c[0], c[1]) for h, c in sorted(hours.items()) if h >= since_hour]

    def previous_inquiry(self, customer_id: str, before: datetime, inquiry_id: str) -> tuple[datetime, str] | None:
        earlier = [(at, ch, i) for at, ch, i in self.inquiries.get(customer_id, []) if (at, i) < (before, inquiry_id)]
        if not earlier:
            return None
        at, channel, _ = max(earlier)
        return at, channel
