"""Shared fixtures of the SLA tests: the shipped policy (loaded once) and fact builders."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from inquiry_desk.deadlines import InquiryFacts, SlaPolicy, compute_deadlines, load_policy, shipped_policy_path

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
# Tuesday 10 March 2026, 10:00 in Shanghai: an ordinary working morning.
T0 = datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(scope="session")
def policy() -> SlaPolicy:
    return load_policy(shipped_policy_path())


def facts(**kw: Any) -> InquiryFacts:
    base: dict[str, Any] = {"channel": "chat", "category": None, "received_at": T0, "events": []}
    base.update(kw)
    return InquiryFacts.model_validate(base)


def by_kind(policy: SlaPolicy, f: InquiryFacts, episode: int | None = None) -> dict[str, Any]:
    out = {}
    for d in compute_deadlines(policy, f):
        if episode is None or d.episode == episode:
            out[d.kind] = d
    return out


def after(d: Any, start: datetime = T0) -> timedelta:
    """How long after ``start`` a deadline is due."""
    return d.due - start
