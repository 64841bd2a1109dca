"""In-memory stores of the closing loop: corrections, deliveries and the review queue (ports
`corrections.model.CorrectionStore` and `quality.model.ReviewStore`, as `adapters.loop_store`
keeps them in the table) and the corrections fan-out's executions (`adapters.stepfunctions`)."""

from __future__ import annotations

from inquiry_desk.corrections.model import Correction, Delivery, LineageEntry
from inquiry_desk.quality.model import Review

from tests.fakes.repository import FakeInquiryRepository


class FakeLoopStore:
    """Lineage is read from the repository, which writes it with each outbound message (as the
    DynamoDB adapter writes the CONTENT#<ref> items in the same transaction)."""

    def __init__(self, repository: FakeInquiryRepository) -> None:
        self._repo = repository
        self.items: dict[str, Correction] = {}
        self.sent: dict[tuple[str, str], Delivery] = {}
        self.review_items: dict[tuple[str, str, str], Review] = {}

    def put_correction(self, correction: Correction) -> None:
        self.items[correction.correction_id] = correction

    def get_correction(self, correction_id: str) -> Correction | None:
        return self.items.get(correction_id)

    def corrections(self, limit: int = 100) -> list[Correction]:
        return sorted(self.items.values(), key=lambda c: c.correction_id, reverse=True)[:limit]

    def lineage(self, content_ref: str) -> list[LineageEntry]:
        return self._repo.lineage(content_ref)

    def put_delivery(self, delivery: Delivery) -> None:
        self.sent[(delivery.correction_id, delivery.customer_id)] = delivery

    def deliveries(self, correction_id: str) -> list[Delivery]:
        return [d for (c, _), d in self.sent.items() if c == correction_id]

    def put_review(self, review: Review) -> None:
        self.review_items[(review.day, review.agent, review.inquiry_id)] = review

    def reviews(self, day: str) -> list[Review]:
        return [r for (d, _, _), r in self.review_items.items() if d == day]

    def get_review(self, day: str, agent: str, inquiry_id: str) -> Review | None:
        return self.review_items.get((day, agent, inquiry_id))


class FakeExecutions:
    """One execution per name (port `corrections.model.Executions`); a repeated name is ignored."""

    def __init__(self) -> None:
        self.started: dict[str, dict[str, object]] = {}

    def start(self, name: str, state: dict[str, object]) -> None:
        self.started.setdefault(name, state)
