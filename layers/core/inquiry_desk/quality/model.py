"""The review vocabulary (pure data)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel


class Review(BaseModel):
    day: str  # the day whose answers were sampled (YYYY-MM-DD, UTC)
    agent: str
    inquiry_id: str
    sampled_at: datetime
    outcome: Literal["pending", "pass", "fail"] = "pending"
    notes: str | None = None
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    correction_id: str | None = None  # a failed review that started a correction (R6.1 -> R6.2)


class Corrector(Protocol):
    """What a failed review needs of corrections (R6.2): start one for a wrong message or content."""

    def mark_wrong(
        self,
        by: str,
        corrected_text: str,
        cause: Any,
        content_ref: str | None = None,
        inquiry_id: str | None = None,
        message_id: str | None = None,
        public: bool = False,
        source_inquiry_id: str | None = None,
    ) -> Any: ...


class ReviewStore(Protocol):
    def put_review(self, review: Review) -> None: ...

    def reviews(self, day: str) -> list[Review]: ...

    def get_review(self, day: str, agent: str, inquiry_id: str) -> Review | None: ...
