"""Daily quality sampling (R6.1): a random share of each agent's answered inquiries (at least the
policy's minimum) lands in the supervisors' review queue; the outcome is recorded on the review
and on the inquiry's timeline. Sampling a day again picks the same inquiries (seeded by the day)."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from inquiry_desk.corrections.model import Cause
from inquiry_desk.errors import NotFound, PayloadError
from inquiry_desk.inquiries.service import InquiryService
from inquiry_desk.model import Direction, EventType, Inquiry, Status
from inquiry_desk.ports import InquiryRepository
from inquiry_desk.quality.model import Corrector, Review, ReviewStore
from inquiry_desk.surveys.policy import Sampling

SYSTEM = "quality"
_ANSWERED = frozenset({Status.RESOLVED, Status.CLOSED})


@dataclass(frozen=True)
class FoundWrong:
    """What a reviewer found wrong in a failed answer: the corrected text, the cause, which answer
    (default: the agent's latest in the inquiry), whether the whole template/article version it came
    from is wrong (every customer who got it) and whether to start the correction now."""

    corrected_text: str
    cause: str
    message_id: str | None = None
    whole_content: bool = False
    start: bool = False


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
        corrections: Corrector | None = None,
    ) -> None:
        self._store = store
        self._repo = repository
        self._inquiries = inquiries
        self._sampling = sampling
        self._now = now
        self._corrections = corrections  # a failed review may start a correction (R6.1 -> R6.2)

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
        self,
        day: str,
        agent: str,
        inquiry_id: str,
        outcome: Literal["pass", "fail"],
        notes: str | None,
        by: str,
        found_wrong: FoundWrong | None = None,
    ) -> Review:
        """The review's outcome on the review and the timeline. A failed review with the corrected
        text (`found_wrong`) opens a correction candidate for the supervisors on the inquiry, or
        starts the correction at once when the reviewer says so (R6.1 -> R6.2)."""
        review = self._store.get_review(day, agent, inquiry_id)
        if review is None:
            raise NotFound(f"no review of {inquiry_id} for {agent} on {day}")
        if found_wrong is not None and outcome != "fail":
            raise PayloadError("only a failed review names wrong content to correct")
        now = self._now()
        correction_id = review.correction_id
        if found_wrong is not None:
            correction_id = self._found_wrong(review, found_wrong, by, now) or correction_id
        done = review.model_copy(
            update={
                "outcome": outcome,
                "notes": notes,
                "reviewed_by": by,
                "reviewed_at": now,
                "correction_id": correction_id,
            }
        )
        self._store.put_review(done)
        self._inquiries.record(
            inquiry_id, now, by, EventType.REVIEWED, {"day": day, "agent": agent, "outcome": outcome, "notes": notes}
        )
        return done

    def _found_wrong(self, review: Review, wrong: FoundWrong, by: str, now: datetime) -> str | None:
        timeline = self._repo.timeline(review.inquiry_id)
        if timeline is None:
            raise NotFound(f"no inquiry {review.inquiry_id}")
        answers = [m for m in timeline.messages if m.direction is Direction.OUTBOUND and m.author == review.agent]
        if wrong.message_id is not None:
            answers = [m for m in answers if m.message_id == wrong.message_id]
        if not answers:
            raise PayloadError(f"{review.agent} sent no such answer in inquiry {review.inquiry_id}")
        message = answers[-1]  # the reviewed answer: the one named, or the agent's latest
        content_ref = message.content_ref if wrong.whole_content else None
        if wrong.whole_content and not content_ref:
            raise PayloadError("that answer came from no template or article: correct the message itself")
        try:
            cause = Cause(wrong.cause)
        except ValueError:
            raise PayloadError(f"no cause {wrong.cause!r}; causes are {', '.join(c.value for c in Cause)}") from None
        correction_id = None
        if wrong.start:
            if self._corrections is None:
                raise PayloadError("corrections cannot be started from here")
            started = self._corrections.mark_wrong(
                by,
                wrong.corrected_text,
                cause,
                content_ref=content_ref,
                inquiry_id=None if content_ref else review.inquiry_id,
                message_id=None if content_ref else message.message_id,
                source_inquiry_id=review.inquiry_id,
            )
            correction_id = str(started.correction_id)
        data = {
            "via": "quality_review",
            "status": "started" if correction_id else "open",
            "message_id": message.message_id,
            "content_ref": content_ref or message.content_ref,
            "corrected_text": wrong.corrected_text,
            "cause": cause.value,
            "correction_id": correction_id,
            "reported": True,
        }
        self._inquiries.record(
            review.inquiry_id, now, by, EventType.CORRECTION_CANDIDATE, {k: v for k, v in data.items() if v}
        )
        return correction_id
