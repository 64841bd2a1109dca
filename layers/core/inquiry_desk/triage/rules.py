"""Classification, urgency and routing of a new inquiry (R1.4, R1.5, R4.1).

Rules are data (the policy's `categories`); this module only applies them. Keyword matching is
the automatic first pass; an agent can always override with a reclassify action.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from inquiry_desk.model import Urgency

T = TypeVar("T")


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


def peak_order(
    queue: Sequence[T],
    peak_waiting: int,
    first: Iterable[str],
    category: Callable[[T], str | None],
    urgent: Callable[[T], bool],
) -> list[T]:
    """A queue in its deadline order; at peak (more than `peak_waiting`), the `first` categories
    come first — urgent ones before the rest — each group keeping its deadline order (R3.5)."""
    if len(queue) <= peak_waiting:
        return list(queue)
    first_set = set(first)

    def rank(item: T) -> int:
        if category(item) in first_set:
            return 0 if urgent(item) else 1
        return 2

    return sorted(queue, key=rank)  # sorted() is stable: deadline order holds within each group
