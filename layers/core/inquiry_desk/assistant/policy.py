"""The assistant's policy (``policies/assistant.json``): data, validated at load."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from inquiry_desk.model import known_time_zone

SHIPPED = Path(__file__).resolve().parent.parent / "policies" / "assistant.json"


class AssistantPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    version: str
    enabled: bool = False
    channels: frozenset[str] = frozenset()
    answer_categories: frozenset[str] = frozenset({"order_logistics", "order_payment"})
    handoff_categories: frozenset[str] = frozenset()
    # urgency reasons that mean "upset or at risk: a person" (triage's urgent_because prefixes)
    handoff_urgent_because: frozenset[str] = frozenset({"signal"})
    handoff_min_confidence: float = Field(default=0.6, ge=0, le=1)
    person_words: tuple[str, ...] = ()
    max_bot_answers: int = Field(default=2, ge=1, le=10)
    max_verification_attempts: int = Field(default=2, ge=1, le=5)
    handoff_within_seconds: int = Field(default=30, ge=1, le=3600)
    recent_order_days: int = Field(default=90, ge=1, le=3650)
    order_number_pattern: str
    exception_texts: dict[str, str] = Field(default_factory=dict)
    labels: dict[str, dict[str, str]] = Field(default_factory=dict)
    # the zone the shop's customers read times in (tracking events are stored in UTC)
    customer_time_zone: str = "Asia/Shanghai"

    @field_validator("customer_time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_time_zone(value)

    @field_validator("order_number_pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        re.compile(value)
        return value

    def answers_on(self, channel: str) -> bool:
        return self.enabled and channel in self.channels

    def asks_for_person(self, text: str) -> bool:
        lowered = text.lower()
        for word in self.person_words:
            w = word.lower()
            if w.isascii():
                if re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", lowered):
                    return True
            elif w in lowered:
                return True
        return False

    def upset(self, category: str, confidence: float, urgent_because: tuple[str, ...]) -> bool:
        """A complaint, dispute or fault (when triage is sure enough), or an urgent signal."""
        if category in self.handoff_categories and confidence >= self.handoff_min_confidence:
            return True
        return any(why.split(":", 1)[0] in self.handoff_urgent_because for why in urgent_because)

    def label(self, language: str, value: str) -> str:
        lang = "en" if language.startswith("en") else "zh"
        return self.labels.get(lang, {}).get(value, value)


def load_assistant_policy(path: str | Path | None = None) -> AssistantPolicy:
    return _load(str(path or SHIPPED))


@cache
def _load(path: str) -> AssistantPolicy:
    return AssistantPolicy.model_validate_json(Path(path).read_text(encoding="utf-8"))
