"""How well triage does on labelled inquiries (R1.4, R1.5): shared by `make bench` and the tests.

A labelled inquiry is one JSON object per line: ``id``, ``text``, ``lang``, ``channel``,
``category``, ``urgency``, ``tags`` (the format of ``tests/data/triage/*.jsonl`` and of
``desk triage export``). An inquiry left unclassified counts as wrong.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inquiry_desk.triage.rules import Triage


def read_examples(path: str | Path) -> list[dict[str, Any]]:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@dataclass
class Scores:
    examples: int = 0
    correct: int = 0
    urgency_correct: int = 0
    unclassified: int = 0
    by_category: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    by_language: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    confusions: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    mistakes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.examples if self.examples else 0.0

    @property
    def classified_accuracy(self) -> float:
        """Accuracy on the inquiries that were filed (not left in the triage queue)."""
        classified = self.examples - self.unclassified
        return self.correct / classified if classified else 0.0

    @property
    def urgency_accuracy(self) -> float:
        return self.urgency_correct / self.examples if self.examples else 0.0

    def category_accuracy(self) -> dict[str, float]:
        return {c: ok / n for c, (ok, n) in sorted(self.by_category.items())}

    def language_accuracy(self) -> dict[str, float]:
        return {lang: ok / n for lang, (ok, n) in sorted(self.by_language.items())}

    def summary(self) -> dict[str, Any]:
        return {
            "examples": self.examples,
            "accuracy": round(self.accuracy, 4),
            "urgency_accuracy": round(self.urgency_accuracy, 4),
            "unclassified_share": round(self.unclassified / self.examples, 4) if self.examples else 0.0,
            "classified_accuracy": round(self.classified_accuracy, 4),
            "per_category": {c: round(a, 4) for c, a in self.category_accuracy().items()},
            "per_language": {c: round(a, 4) for c, a in self.language_accuracy().items()},
            "confusions": dict(sorted(self.confusions.items(), key=lambda kv: -kv[1])[:15]),
        }


def evaluate(triage: Triage, examples: Iterable[dict[str, Any]], unclassified: str = "unclassified") -> Scores:
    scores = Scores()
    for ex in examples:
        got = triage.classify(ex["text"], tier=ex.get("tier"))
        ok = got.category == ex["category"]
        scores.examples += 1
        scores.correct += ok
        scores.urgency_correct += got.urgency.value == ex.get("urgency", "normal")
        scores.unclassified += got.category == unclassified
        for table, key in ((scores.by_category, ex["category"]), (scores.by_language, ex.get("lang") or "?")):
            table[key][0] += ok
            table[key][1] += 1
        if not ok:
            scores.confusions[f"{ex['category']}->{got.category}"] += 1
        if not ok or got.urgency.value != ex.get("urgency", "normal"):
            scores.mistakes.append(
                {"id": ex.get("id"), "text": ex["text"], "want": [ex["category"], ex.get("urgency")]}
                | {"got": [got.category, got.urgency.value, got.candidate, round(got.confidence, 2)]}
            )
    return scores


def shipped_triage(model_path: Path | None = None) -> Triage:
    """Triage with the shipped policy and model (no Lambda settings needed)."""
    from inquiry_desk.deadlines.policy import load_policy, shipped_policy_path
    from inquiry_desk.runtime.composition import triage_for
    from inquiry_desk.triage.linear import MODEL_FILE, load_model

    return triage_for(load_policy(shipped_policy_path()), load_model(model_path or MODEL_FILE))
