"""The retention policy (policies/retention.json) and which inquiries are due for the archive."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from inquiry_desk.model import Inquiry, Status

SIX_MONTHS_DAYS = 183  # R8.1: every record is kept at least six months


class RetentionPolicy(BaseModel):
    model_config = ConfigDict(extra="ignore")

    minimum_days: int = Field(ge=SIX_MONTHS_DAYS)
    archive_closed_after_days: int = Field(gt=0)
    sweep_days: int = Field(ge=1, le=92)
    archive_cheaper_class_after_days: int = Field(ge=30)
    archive_keep_days: int = Field(gt=0)

    @model_validator(mode="after")
    def _never_before_six_months(self) -> RetentionPolicy:
        if self.archive_closed_after_days < self.minimum_days:
            raise ValueError("archive_closed_after_days must be at least minimum_days (R8.1)")
        if self.archive_keep_days + self.archive_closed_after_days < self.minimum_days:
            raise ValueError("the archive must keep records until minimum_days have passed")
        return self

    def cutoff(self, now: datetime) -> datetime:
        return now - timedelta(days=self.archive_closed_after_days)

    def days_to_sweep(self, now: datetime) -> list[date]:
        """The received-days whose closed inquiries may be due (oldest first)."""
        last = self.cutoff(now).date()
        return [last - timedelta(days=n) for n in range(self.sweep_days, -1, -1)]

    def due(self, inquiry: Inquiry, now: datetime) -> bool:
        closed_at = inquiry.archived_at
        return inquiry.status is Status.CLOSED and closed_at is not None and closed_at <= self.cutoff(now)


def retention_path() -> Path:
    return Path(__file__).resolve().parent.parent / "policies" / "retention.json"


def load_retention(path: Path | None = None) -> RetentionPolicy:
    return RetentionPolicy.model_validate(json.loads((path or retention_path()).read_text()))
