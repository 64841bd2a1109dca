"""The review vocabulary (pure data)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Protocol

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


class ReviewStore(Protocol):
    def put_review(self, review: Review) -> None: ...

    def reviews(self, day: str) -> list[Review]: ...

    def get_review(self, day: str, agent: str, inquiry_id: str) -> Review | None: ...
