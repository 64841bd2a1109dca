"""Daily quality sampling (R6.1): a random share of each agent's answered inquiries (at least the
policy's minimum) lands in the supervisors' review queue; the outcome is recorded on the review
and on the inquiry's timeline. Sampling a day again picks the same inquiries (seeded by the day)."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from inquiry_desk.errors import NotFound
from inquiry_desk.inquiries.service import InquiryService
from inquiry_desk.model import EventType, Inquiry, Status
from inquiry_desk.ports import InquiryRepository
from inquiry_desk.quality.model import Review, ReviewStore
from inquiry_desk.surveys.policy import Sampling

SYSTEM = "quality"
_ANSWERED = frozenset({Status.RESOLVED, Status.CLOSED})


def sample_size(answered: int, sampling: Sampling) -> int:
    return min(answered, max(sampling.minimum_per_agent, math.ceil(answered * sampling.share)))


def choose(day: str, inquiries: list[Inquiry], sampling: Sampling) -> dict[str, list[Inquiry]]:
    """Per agent, the sampled inquiries (pure; the same day always gives the same choice)."""
    by_agent: dict[str, list[Inquiry]] = {}
    for inquiry in inquiries:
        if inquiry.owner and (inquiry.first_response_at is not None or inquiry.status in _ANSWERED):
            by_agent.setdefault(inquiry.owner, []).append(inquiry)
    chosen: dict[str, list[Inquiry]] = {}
    for agent, mine in sorted(by_agent.items()):
        mine.sort(key=lambda i: i.inquiry_id)
        rng = random.Random(f"{day}#{agent}")
        chosen[agent] = rng.sample(mine, sample_size(len(mine), sampling))
    return chosen


class QualityService:
    def __init__(
        self,
        store: ReviewStore,
        repository: InquiryRepository,
        inquiries: InquiryService,
        sampling: Sampling,
        now: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._repo = repository
        self._inquiries = inquiries
        self._sampling = sampling
        self._now = now

    def sample(self, day: date | None = None) -> dict[str, int]:
        """Sample `day` (default: yesterday, UTC) into the review queue; safe to run twice."""
        now = self._now()
        day = day or (now.astimezone(UTC).date() - timedelta(days=1))
        start = datetime.combine(day, time(0), tzinfo=UTC)
        found = [i for i in self._repo.recent(start, limit=10_000) if i.received_at < start + timedelta(days=1)]
        queued = {(r.agent, r.inquiry_id) for r in self._store.reviews(day.isoformat())}
        counts: dict[str, int] = {}
        for agent, picked in choose(day.isoformat(), found, self._sampling).items():
            counts[agent] = len(picked)
            for inquiry in picked:
                if (agent, inquiry.inquiry_id) in queued:
                    continue
                self._store.put_review(
                    Review(day=day.isoformat(), agent=agent, inquiry_id=inquiry.inquiry_id, sampled_at=now)
                )
                self._inquiries.record(
                    inquiry.inquiry_id, now, SYSTEM, EventType.REVIEW_SAMPLED, {"day": day.isoformat(), "agent": agent}
                )
        return counts

    def queue(self, day: str, teams: frozenset[str] | None = None) -> list[Review]:
        """The day's reviews; `teams`: only those of inquiries in these teams (R8.2), None: all."""
        reviews = self._store.reviews(day)
        if teams is None:
            return reviews
        return [r for r in reviews if (found := self._repo.get(r.inquiry_id)) is not None and found.team in teams]

    def record_outcome(
        self, day: str, agent: str, inquiry_id: str, outcome: Literal["pass", "fail"], notes: str | None, by: str
    ) -> Review:
        review = self._store.get_review(day, agent, inquiry_id)
        if review is None:
            raise NotFound(f"no review of {inquiry_id} for {agent} on {day}")
        now = self._now()
        done = review.model_copy(update={"outcome": outcome, "notes": notes, "reviewed_by": by, "reviewed_at": now})
        self._store.put_review(done)
        self._inquiries.record(
            inquiry_id, now, by, EventType.REVIEWED, {"day": day, "agent": agent, "outcome": outcome, "notes": notes}
        )
        return done
