"""What the triage model looks at (R1.4, R1.5): one function shared by training and inference.

From the normalised text: Chinese/Japanese character 1-3-grams, Latin words and their 3-4
character pieces (typos and inflections still share pieces), digits folded (order numbers look
alike), emoji and symbols; plus the curated rules as features: ``k:<category>`` when one of the
policy's keywords for that category occurs, ``u:<signal>`` for each urgency signal.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from inquiry_desk.triage.normalise import keyword_pattern, normalise, strip_quoted

_UNSPACED = re.compile(r"([\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]+)")
_TOKEN = re.compile(r"[^\W_]+")
_DIGITS = re.compile(r"\d+")
RULE_VALUE = 0.075  # rule features keep this strength however long the text (emails are long); chosen by CV
HIT_CAP = 3
HIT_POWER = 0.5
PER_KEYWORD = True
_SYMBOL = re.compile(r"[\u2600-\u27bf\U0001f000-\U0001faff!?！？]")


@dataclass(frozen=True)
class RuleSet:
    """Named keyword lists compiled once (categories' keywords, urgency signals)."""

    patterns: Mapping[str, re.Pattern[str]]

    @classmethod
    def of(cls, keywords: Mapping[str, list[str]] | Mapping[str, tuple[str, ...]]) -> RuleSet:
        compiled = {name: keyword_pattern(words) for name, words in keywords.items()}
        return cls({name: p for name, p in compiled.items() if p is not None})

    def matches(self, normalised: str) -> dict[str, tuple[str, ...]]:
        """name -> the keywords found (only names with at least one)."""
        found: dict[str, tuple[str, ...]] = {}
        for name, pattern in self.patterns.items():
            hits = tuple(dict.fromkeys(m.group(0) for m in pattern.finditer(normalised)))
            if hits:
                found[name] = hits
        return found


def text_features(normalised: str) -> set[str]:
    feats: set[str] = set()
    spaced = _UNSPACED.sub(r" \1 ", _DIGITS.sub("0", normalised))
    for token in _TOKEN.findall(spaced):
        if _UNSPACED.match(token):
            for n in (1, 2, 3):
                feats.update("c:" + token[i : i + n] for i in range(len(token) - n + 1))
            continue
        feats.add("w:" + token)
        padded = f" {token} "
        for n in (3, 4):
            feats.update("l:" + padded[i : i + n] for i in range(len(padded) - n + 1))
    feats.update("s:" + s for s in _SYMBOL.findall(normalised))
    return feats


def extract(
    text: str, categories: RuleSet, signals: RuleSet
) -> tuple[dict[str, float], dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """L2-normalised binary text features plus the rule features; also the keywords and signals hit
    (all of the customer's own words: quoted replies and sign-offs left out)."""
    normalised = normalise(strip_quoted(text))
    feats = text_features(normalised)
    keyword_hits = categories.matches(normalised)
    signal_hits = signals.matches(normalised)
    x = dict.fromkeys(feats, 1.0 / math.sqrt(len(feats))) if feats else {}
    for c, hits in keyword_hits.items():
        x["k:" + c] = RULE_VALUE * min(len(hits), HIT_CAP) ** HIT_POWER
        if PER_KEYWORD:
            x.update(("kw:" + h, RULE_VALUE) for h in hits)
    x.update(("u:" + s, RULE_VALUE) for s in signal_hits)
    return x, keyword_hits, signal_hits
