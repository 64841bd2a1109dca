"""Counting timeline events into the report counters, from the stream or a backfill."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from inquiry_desk.model import InquiryEvent
from inquiry_desk.ports import InquiryRepository, Timeline
from inquiry_desk.reports.counting import contributions
from inquiry_desk.reports.settings import ReportPolicy
from inquiry_desk.reports.store import CounterStore


class EventCounter:
    def __init__(self, repository: InquiryRepository, store: CounterStore, policy: ReportPolicy) -> None:
        self._repo = repository
        self._store = store
        self._policy = policy
        self._timelines: dict[str, Timeline | None] = {}

    def forget(self) -> None:
        """Drop the timelines read for the last batch (call at the start of each invocation)."""
        self._timelines.clear()

    def count(self, event: InquiryEvent) -> bool:
        """Count one new timeline event; False when it was counted before (a redelivery)."""
        if event.inquiry_id not in self._timelines:
            self._timelines[event.inquiry_id] = self._repo.timeline(event.inquiry_id)
        timeline = self._timelines[event.inquiry_id]
        if timeline is None or all(e.seq < event.seq for e in timeline.events):
            # the event is newer than the timeline read for this batch: read it again
            timeline = self._timelines[event.inquiry_id] = self._repo.timeline(event.inquiry_id)
        if timeline is None:
            return False
        return self.count_in(event, timeline)

    def count_in(self, event: InquiryEvent, timeline: Timeline) -> bool:
        """True when the event changed a figure now; False when it adds nothing or was counted before."""
        counting = contributions(event, timeline.inquiry, timeline.events, self._policy, self._store.previous_inquiry)
        return not counting.empty and self._store.apply(counting)

    def count_timeline(self, timeline: Timeline) -> int:
        """Count every event of one timeline not counted yet (backfill); returns how many were new."""
        return sum(self.count_in(e, timeline) for e in sorted(timeline.events, key=lambda e: e.seq))

    def backfill(
        self,
        days: Iterable[date],
        inquiries_on: Callable[[date], list[str]],
        progress: Callable[[date, int, int], None] | None = None,
    ) -> tuple[int, int]:
        """Count the timelines of every inquiry received on ``days`` (idempotent: run it twice, count once).
        Returns (inquiries read, events newly counted)."""
        read = counted = 0
        for day in days:
            ids = inquiries_on(day)
            for iid in ids:
                timeline = self._repo.timeline(iid)
                if timeline is not None:
                    read += 1
                    counted += self.count_timeline(timeline)
            if progress is not None:
                progress(day, len(ids), counted)
        return read, counted
