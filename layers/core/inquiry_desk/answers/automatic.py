"""Automatic answers to a new inquiry (R1.6, R7.3): which templates to send, decided purely.

The greeting on conversational channels; the received notice, or out of hours the notice that
says when a person will answer (the team calendar's next opening); and the FAQ answer of the
inquiry's category when the classification is confident enough. Which ones is data
(``templates.json`` ``auto``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from inquiry_desk.answers.templates import Composed, automatic_settings, compose, has


def automatic_answers(
    channel: str,
    language: str | None,
    category: str | None,
    confidence: float,
    at: datetime,
    is_open: Callable[[datetime], bool],
    next_open: Callable[[datetime], datetime],
    timezone: str,
    settings: dict[str, Any] | None = None,
    variant_key: str | None = None,
) -> list[Composed]:
    """`variant_key` (the inquiry id) picks the inquiry's A/B variant of a template under test (R7.1)."""
    auto = automatic_settings() if settings is None else settings
    out: list[Composed] = []
    if channel in auto.get("greeting_channels", ()):
        out.append(compose("greeting", language))
    if not is_open(at) and auto.get("out_of_hours", True):
        opens = next_open(at).astimezone(ZoneInfo(timezone))
        out.append(compose("out_of_hours", language, next_open=opens.strftime("%Y-%m-%d %H:%M")))
    elif auto.get("received", True):
        out.append(compose("received", language))
    faq = f"faq.{category}"
    if category and has(faq) and confidence >= float(auto.get("faq_min_confidence", 1.0)):
        out.append(compose(faq, language, variant_key))
    return out
