"""The correction vocabulary (pure data)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, Field


class Cause(StrEnum):
    """Why the wrong content went out (R6.2)."""

    KNOWLEDGE_GAP = "knowledge_gap"
    TRAINING = "training"
    SYSTEM_FAULT = "system_fault"


class Correction(BaseModel):
    correction_id: str
    wrong: str  # a content ref (template:returns@3, article:faq-12@7) or message:<inquiry>/<message>
    corrected_text: str = Field(min_length=1, max_length=5_000)
    cause: Cause
    public: bool = False  # auto-reply, FAQ, article or template: the public content must be fixed
    created_at: datetime
    created_by: str
    status: str = "open"  # open -> sending -> done
    fix_due_at: datetime | None = None
    fixed_at: datetime | None = None
    fix_escalated_at: datetime | None = None
    affected: int | None = None
    corrected: int = 0
    source_inquiry_id: str | None = None  # a survey report that led here (R6.3)
    teams: list[str] = Field(default_factory=list)  # teams whose customers got the wrong content (R8.2)


class Recipient(BaseModel):
    """One affected customer and the inquiry the correction is sent in (their latest that got it)."""

    customer_id: str
    inquiry_id: str
    message_id: str


class Delivery(BaseModel):
    correction_id: str
    customer_id: str
    inquiry_id: str
    message_id: str
    at: datetime
    team: str | None = None  # the inquiry's team when corrected: who may see this delivery (R8.2)


class LineageEntry(BaseModel):
    content_ref: str
    inquiry_id: str
    message_id: str
    customer_id: str
    at: datetime


class CorrectionStore(Protocol):
    def put_correction(self, correction: Correction) -> None: ...

    def get_correction(self, correction_id: str) -> Correction | None: ...

    def corrections(self, limit: int = 100) -> list[Correction]: ...

    def lineage(self, content_ref: str) -> list[LineageEntry]: ...

    def put_delivery(self, delivery: Delivery) -> None: ...

    def deliveries(self, correction_id: str) -> list[Delivery]: ...


class Executions(Protocol):
    def start(self, name: str, state: dict[str, object]) -> None: ...
