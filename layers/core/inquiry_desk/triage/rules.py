"""Classification and urgency of a new inquiry (R1.4, R1.5), and the peak-time queue order (R3.5).

The categories, their teams, keywords, the confidence threshold and the urgency signals are data
(the policy); the weights are data (``model.json``, ``make train``). The text is normalised
(``normalise``), turned into features (``features``) and scored by the linear model; the policy's
keywords are features of that model, so an admin's new keyword counts at once. Below the
threshold the inquiry gets the policy's default category (a triage queue), never a guess.
Urgency: the customer's tier, an urgent signal in the text, or the urgency model. An agent can
always override with a reclassify action (recorded, and exported as training data).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from inquiry_desk.model import Urgency
from inquiry_desk.triage.features import RULE_VALUE, RuleSet, extract
from inquiry_desk.triage.linear import TriageModel
from inquiry_desk.triage.normalise import normalise

T = TypeVar("T")


@dataclass(frozen=True)
class CategoryRule:
    category: str
    team: str
    urgency: Urgency = Urgency.NORMAL
    keywords: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True)
class UrgencySignal:
    """Words that mark an inquiry urgent (safety, payment problems, order anomalies: R1.5)."""

    signal: str
    keywords: Sequence[str]
    urgent: bool = True
    tag: str | None = None


@dataclass(frozen=True)
class Classification:
    category: str
    team: str
    urgency: Urgency
    tags: tuple[str, ...]
    matched: tuple[str, ...]  # the keywords that support it (for the timeline's "why")
    confidence: float = 1.0  # the model's probability of `candidate`
    candidate: str | None = None  # the model's best category, also when below the threshold
    urgent_because: tuple[str, ...] = ()  # "tier:vip", "category:complaint", "signal:safety", "model"
    model_version: str | None = None

    def explain(self) -> dict[str, object]:
        """The classification as timeline data."""
        return {
            "category": self.category,
            "urgency": self.urgency.value,
            "team": self.team,
            "matched": list(self.matched),
            "confidence": f"{self.confidence:.3f}",  # text: DynamoDB items take no floats
            "candidate": self.candidate,
            "urgent_because": list(self.urgent_because),
            "model_version": self.model_version,
        }


@dataclass(frozen=True)
class TriageSettings:
    threshold: float = 0.4
    min_letters: int = 8
    tag_share: float = 0.25
    urgent_tiers: frozenset[str] = frozenset({"vip"})
    signals: Sequence[UrgencySignal] = ()


class Triage:
    def __init__(
        self,
        rules: Iterable[CategoryRule],
        fallback: CategoryRule,
        model: TriageModel | None = None,
        settings: TriageSettings | None = None,
    ) -> None:
        self._rules = {r.category: r for r in rules}
        self._fallback = fallback
        self._model = model
        self._settings = settings or TriageSettings()
        self._keywords = RuleSet.of({c: tuple(r.keywords) for c, r in self._rules.items()})
        self._signals = RuleSet.of({s.signal: tuple(s.keywords) for s in self._settings.signals})
        self._signal_spec = {s.signal: s for s in self._settings.signals}

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(self._rules)

    def classify(self, text: str, tier: str | None = None) -> Classification:
        x, keyword_hits, signal_hits = extract(text, self._keywords, self._signals)
        probabilities = self._category_probabilities(x, keyword_hits)
        ranked = sorted(probabilities.items(), key=lambda kv: (-kv[1], kv[0]))
        candidate, confidence = ranked[0] if ranked else (self._fallback.category, 0.0)
        if not keyword_hits and _letters(text) < self._settings.min_letters:
            confidence = 0.0  # a bare greeting or a few characters: nothing to go on
        confident = bool(ranked) and confidence >= self._settings.threshold and candidate in self._rules
        rule = self._rules[candidate] if confident else self._fallback

        because: list[str] = []
        if tier is not None and tier in self._settings.urgent_tiers:
            because.append(f"tier:{tier}")
        urgent_mass = sum(p for c, p in ranked if c in self._rules and self._rules[c].urgency is Urgency.URGENT)
        if urgent_mass >= 0.5:  # complaint, fault or dispute (all urgent) even when unsure which
            because.append("category:" + (rule.category if rule.urgency is Urgency.URGENT else "urgent_kind"))
        because += [f"signal:{s}" for s in signal_hits if self._signal_spec[s].urgent]
        if self._model is not None and self._urgent_by_model(x, candidate):
            because.append("model")
        tags = [self._signal_spec[s].tag or s for s in signal_hits]
        tags += [c for c, p in ranked[1:3] if p >= self._settings.tag_share and c in self._rules]
        return Classification(
            category=rule.category,
            team=rule.team,
            urgency=Urgency.URGENT if because else Urgency.NORMAL,
            tags=tuple(dict.fromkeys(t for t in tags if t != rule.category)),
            matched=keyword_hits.get(candidate, ()),
            confidence=confidence,
            candidate=candidate if ranked else None,
            urgent_because=tuple(because),
            model_version=self._model.version if self._model else None,
        )

    def _category_probabilities(
        self, x: Mapping[str, float], keyword_hits: Mapping[str, tuple[str, ...]]
    ) -> dict[str, float]:
        """The model's probabilities over the policy's categories; without a model (or when the
        policy's categories are not the model's), the share of keyword hits."""
        if self._model is not None:
            got = self._model.category.probabilities(x)
            known = {c: p for c, p in got.items() if c in self._rules}
            total = sum(known.values())
            if known and total > 0:
                return {c: p / total for c, p in known.items()}
        hits = {c: len(h) for c, h in keyword_hits.items() if c in self._rules}
        total = sum(hits.values())
        return {c: n / total for c, n in hits.items()} if total else {}

    def _urgent_by_model(self, x: Mapping[str, float], candidate: str) -> bool:
        assert self._model is not None
        p = self._model.urgency.probabilities({**x, f"cat:{candidate}": RULE_VALUE})
        return p.get(Urgency.URGENT.value, 0.0) >= 0.5


def _letters(text: str) -> int:
    """Letters and digits in ``text``, greetings and polite openers left out."""
    stripped = _GREETING.sub("", normalise(text))
    return sum(ch.isalnum() for ch in stripped)


_GREETING = re.compile(
    r"\b(hello|hi|hey|hola|buenos d[ií]as|hallo|guten tag|bonjour|salut|good (morning|afternoon|evening)"
    r"|thanks?|thank you|please|test(ing)?|is anyone there|anyone there)\b"
    r"|你好|您好|在吗|在不在|有人吗|亲|请问|谢谢|哈喽|早上好|晚上好|こんにちは|すみません"
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
