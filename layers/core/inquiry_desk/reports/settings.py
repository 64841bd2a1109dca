"""The report policy (policies/reports.json): time zone, SLA kinds measured, targets, thresholds."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, ValidationError


class Surge(BaseModel):
    factor: float = Field(gt=1)
    min_count: int = Field(ge=1)


class Monitor(BaseModel):
    waiting_threshold: int = Field(ge=1)
    handle_within_minutes: int = Field(ge=1)
    response_rise_factor: float = Field(gt=1)
    response_rise_min_samples: int = Field(ge=1)
    baseline_hours: int = Field(ge=1)
    unconfirmed_after_minutes: int = Field(ge=1)


class DailyReport(BaseModel):
    """When and to whom each team's daily report goes (R9.2): see reports.json for the rules."""

    before_end_of_day_minutes: int = Field(ge=0, le=24 * 60)
    team_calendars: dict[str, str] = Field(default_factory=dict)
    supervisors_group: str = Field(min_length=1)
    list_limit: int = Field(ge=1)


class Operations(BaseModel):
    breaches_per_hour_alarm: int = Field(ge=1)
    iterator_age_alarm_seconds: int = Field(ge=1)


class StoredReportsRules(BaseModel):
    infrequent_access_after_days: int = Field(ge=30)  # S3's minimum for STANDARD_IA
    keep_days: int = Field(ge=1)


class ReportPolicy(BaseModel):
    time_zone: str
    targets: dict[str, float]
    sla_kinds: list[str]
    first_response_within_seconds: dict[str, int]
    positive_score_at_least: int = Field(ge=1, le=5)
    low_score_below: int = Field(ge=1, le=6)
    repeat_window_days: int = Field(ge=1)
    automated_actors: list[str]
    wait_complaint_keywords: list[str]
    small_channel_monthly: int = Field(ge=1)
    surge: Surge
    monitor: Monitor
    daily_report: DailyReport
    stored_reports: StoredReportsRules
    operations: Operations

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def automated(self, actor: str) -> bool:
        """A reply or resolution by the bot or the system, not by a person."""
        return any(actor == a or actor.startswith(f"{a}:") for a in self.automated_actors)


def shipped_report_policy_path() -> Path:
    return Path(__file__).resolve().parent.parent / "policies" / "reports.json"


def parse_report_policy(data: Any, source: str = "<reports>") -> ReportPolicy:
    """Validate a report policy document; errors as ``PolicyError`` (JSON path, reason)."""
    from inquiry_desk.deadlines.policy import PolicyError, problems_of

    if not isinstance(data, dict):
        raise PolicyError(source, [("$", "the report policy must be a JSON object")])
    raw = dict(data)
    if isinstance(raw.get("targets"), dict):
        raw["targets"] = {k: v for k, v in raw["targets"].items() if k != "note"}
    try:
        policy = ReportPolicy.model_validate({k: v for k, v in raw.items() if not k.startswith("$")})
    except ValidationError as exc:
        raise PolicyError(source, problems_of(exc)) from None
    try:
        ZoneInfo(policy.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise PolicyError(source, [("$.time_zone", f"unknown time zone {policy.time_zone!r}")]) from None
    return policy


@cache
def load_report_policy(path: str | None = None) -> ReportPolicy:
    p = Path(path or shipped_report_policy_path())
    return parse_report_policy(json.loads(p.read_text(encoding="utf-8")), str(p))
