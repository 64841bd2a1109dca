"""The local system's clock: real time, optionally running `speed` times faster from start."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class FastClock:
    def __init__(self, speed: float = 1.0, start: datetime | None = None) -> None:
        if speed <= 0:
            raise ValueError("clock speed must be positive")
        self.speed = speed
        self._origin = start or datetime.now(UTC)
        self._mono = time.monotonic()
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            elapsed = (time.monotonic() - self._mono) * self.speed
            return self._origin + timedelta(seconds=elapsed) + self._offset

    def advance(self, delta: timedelta) -> None:
        """Jump forward (tests and the `desk clock advance` command)."""
        with self._lock:
            self._offset += delta

    def real_seconds_until(self, at: datetime) -> float:
        return max(0.0, (at - self.now()).total_seconds() / self.speed)
