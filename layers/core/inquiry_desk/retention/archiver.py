"""Move closed inquiries older than the policy's age to the archive (R8.1, R8.4)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from inquiry_desk.ports import InquiryRepository, Timeline
from inquiry_desk.retention.policy import RetentionPolicy


class Archive(Protocol):
    def closed_received_on(self, day: date) -> list[str]: ...

    def store(self, timeline: Timeline) -> None: ...


class Archiver:
    def __init__(self, repository: InquiryRepository, archive: Archive, policy: RetentionPolicy) -> None:
        self._repo = repository
        self._archive = archive
        self._policy = policy

    def sweep(self, now: datetime) -> list[str]:
        """Archive every due inquiry of the sweep window; return their ids."""
        moved: list[str] = []
        for day in self._policy.days_to_sweep(now):
            for inquiry_id in self._archive.closed_received_on(day):
                timeline = self._repo.timeline(inquiry_id)
                if timeline is None or not self._policy.due(timeline.inquiry, now):
                    continue
                self._archive.store(timeline)
                moved.append(inquiry_id)
        return moved
