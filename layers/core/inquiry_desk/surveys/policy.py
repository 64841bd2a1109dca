"""The closing-loop policy (policies/closing_loop.json): windows, keywords, thresholds, shares."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from inquiry_desk.deadlines.policy import Duration

MAX_SURVEY_DELAY = timedelta(hours=24)  # R5.3: the survey goes out within 24 h of resolution


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Resolution(_Strict):
    default_promise_working_days: int = Field(ge=0, le=60)


class SurveyPolicy(_Strict):
    delay: Duration
    reminder_after: Duration
    link_valid: Duration
    template: str = "survey"
    reminder_template: str = "survey_reminder"

    @model_validator(mode="after")
    def _within_a_day(self) -> SurveyPolicy:
        if self.delay.to_timedelta() > MAX_SURVEY_DELAY:
            raise ValueError("survey.delay must be at most 24 hours (R5.3)")
        if self.link_valid.to_timedelta() <= self.reminder_after.to_timedelta():
            raise ValueError("survey.link_valid must outlast the reminder")
        return self


class Keywords(_Strict):
    zh: list[str] = Field(default_factory=list)
    en: list[str] = Field(default_factory=list)

    def all(self) -> list[str]:
        return [*self.zh, *self.en]


class Confirmation(_Strict):
    window: Duration
    keywords: dict[Literal["confirm", "unhappy"], Keywords]
    max_reply_length: int = Field(default=40, ge=1)


class Unhappy(_Strict):
    score_at_most: int = Field(ge=1, le=5)
    urgency: Literal["normal", "urgent"] = "urgent"
    owner: str = "supervisors:{team}"


class Corrections(_Strict):
    fix_public_content_within: Duration
    template: str = "correction"


class Sampling(_Strict):
    share: float = Field(gt=0, le=1)
    minimum_per_agent: int = Field(ge=0)


class LiabilityWords(_Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Disputes(_Strict):
    """R2.9: who can be liable (with the words the customer is told), what counts as evidence, how
    much evidence a decision needs, and the template the result is reported with."""

    category: str = "dispute"
    liabilities: dict[str, LiabilityWords]
    evidence_kinds: list[str] = Field(min_length=1)
    evidence_needed: int = Field(default=1, ge=0)
    result_template: str = "dispute_result"


class Milestone(_Strict):
    """One progress update while a promise runs (R2.8): at a share of the promised time, counted
    in working days of the team calendar, or a number of working days before the promise."""

    name: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")
    share_of_promise: float | None = Field(default=None, gt=0, lt=1)
    working_days_before: int | None = Field(default=None, ge=1, le=30)

    @model_validator(mode="after")
    def _one_rule(self) -> Milestone:
        if (self.share_of_promise is None) == (self.working_days_before is None):
            raise ValueError(f"milestone {self.name}: give share_of_promise or working_days_before, not both")
        return self


class Milestones(_Strict):
    template: str = "promise_progress"
    points: list[Milestone] = Field(default_factory=list)
    skip_within: Duration  # a milestone this close to the resolution or the promise is not sent


class Reconcile(_Strict):
    """The reconciler's sweep for lost closing-loop timers: inquiries received within `lookback`
    (at most `limit` of them, newest first) that are resolved or closed."""

    lookback: Duration
    limit: int = Field(default=1000, ge=1, le=10_000)


class ClosingLoopPolicy(_Strict):
    schema_: str | None = Field(default=None, alias="$schema")
    comment: str | list[str] | None = Field(default=None, alias="$comment")
    version: str = Field(min_length=1)
    resolution: Resolution
    survey: SurveyPolicy
    confirmation: Confirmation
    unhappy: Unhappy
    corrections: Corrections
    sampling: Sampling
    disputes: Disputes
    milestones: Milestones
    reconcile: Reconcile

    def verdict_of(self, text: str) -> Literal["confirm", "unhappy"] | None:
        """A short reply that says the customer is happy or not with the resolution (R5.2), else None.

        Unhappy words are looked for first ("not resolved" contains "resolved"); English keywords
        match whole words, Chinese ones anywhere; long messages are never read as a verdict.
        """
        clean = re.sub(r"[\s\W_]+", " ", text.casefold()).strip()
        if not clean or len(clean) > self.confirmation.max_reply_length:
            return None
        for verdict in ("unhappy", "confirm"):
            words = self.confirmation.keywords.get(verdict)
            for word in words.all() if words else []:
                w = word.casefold()
                if w.isascii():
                    if re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", clean):
                        return verdict
                elif w in clean.replace(" ", ""):
                    return verdict
        return None


def shipped_closing_loop_path() -> Path:
    return Path(__file__).resolve().parent.parent / "policies" / "closing_loop.json"


def parse_closing_loop(data: Any, source: str = "<closing_loop>") -> ClosingLoopPolicy:
    """Validate a closing-loop document; errors as ``PolicyError`` (JSON path, reason)."""
    from inquiry_desk.deadlines.policy import PolicyError, problems_of

    try:
        return ClosingLoopPolicy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(source, problems_of(exc)) from None


@cache
def load_closing_loop(path: str | None = None) -> ClosingLoopPolicy:
    p = Path(path) if path else shipped_closing_loop_path()
    return parse_closing_loop(json.loads(p.read_text(encoding="utf-8")), str(p))
