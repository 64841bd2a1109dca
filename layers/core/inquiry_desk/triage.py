"""Classification, urgency and routing of a new inquiry (R1.4, R1.5, R4.1).

Rules are data (the policy's `categories`); this module only applies them. Keyword matching is
the automatic first pass; an agent can always override with a reclassify action.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .model import Urgency


@dataclass(frozen=True)
class CategoryRule:
    category: str
    team: str
    urgency: Urgency = Urgency.NORMAL
    keywords: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True)
class Classification:
    category: str
    team: str
    urgency: Urgency
    tags: tuple[str, ...]
    matched: tuple[str, ...]  # the keywords that decided it (for the timeline's "why")


class Triage:
    def __init__(self, rules: Iterable[CategoryRule], fallback: CategoryRule) -> None:
        self._rules = tuple(rules)
        self._fallback = fallback

    def classify(self, text: str) -> Classification:
        """Pick the category whose keywords match most; urgent categories win ties (R3.5)."""
        lowered = text.casefold()
        best: tuple[int, int, int] | None = None
        winner = self._fallback
        matched: tuple[str, ...] = ()
        tags: list[str] = []
        for order, rule in enumerate(self._rules):
            hits = tuple(k for k in rule.keywords if k.casefold() in lowered)
            if not hits:
                continue
            tags.append(rule.category)
            score = (len(hits), 1 if rule.urgency is Urgency.URGENT else 0, -order)
            if best is None or score > best:
                best, winner, matched = score, rule, hits
        return Classification(
            category=winner.category,
            team=winner.team,
            urgency=winner.urgency,
            tags=tuple(t for t in tags if t != winner.category),
            matched=matched,
        )
