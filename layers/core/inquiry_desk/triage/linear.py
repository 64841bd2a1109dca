"""The shipped triage model: linear scores over sparse features, softmax probabilities (R1.4).

Weights are data (``model.json`` next to this module, written by ``make train``); inference is
plain Python so the intake Lambda imports no numerical library.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODEL_FILE = Path(__file__).resolve().parent / "model.json"


@dataclass(frozen=True)
class LinearModel:
    """``classes[i]`` scores ``bias[i] + sum(x[f] * weights[f][i])``."""

    classes: tuple[str, ...]
    bias: tuple[float, ...]
    weights: Mapping[str, Sequence[float]]

    def probabilities(self, x: Mapping[str, float]) -> dict[str, float]:
        scores = list(self.bias)
        for feature, value in x.items():
            row = self.weights.get(feature)
            if row is not None:
                for i, w in enumerate(row):
                    scores[i] += w * value
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LinearModel:
        # rows stay the lists json made (numbers already floats): no copy on a cold start
        return cls(classes=tuple(data["classes"]), bias=tuple(data["bias"]), weights=data["weights"])

    def to_json(self) -> dict[str, Any]:
        return {"classes": list(self.classes), "bias": list(self.bias), "weights": dict(self.weights)}


@dataclass(frozen=True)
class TriageModel:
    """The category model and the urgency model, trained together on the same data set."""

    version: str
    category: LinearModel
    urgency: LinearModel
    trained_on: Mapping[str, Any]


def load_model(path: Path = MODEL_FILE) -> TriageModel:
    data = json.loads(path.read_text(encoding="utf-8"))
    return TriageModel(
        version=str(data["version"]),
        category=LinearModel.from_json(data["category"]),
        urgency=LinearModel.from_json(data["urgency"]),
        trained_on=data.get("trained_on", {}),
    )
