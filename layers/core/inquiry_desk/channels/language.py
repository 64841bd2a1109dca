"""Language detection for inbound text (R10.1), with py3langid.

The model takes most of a second to load, so it is imported and loaded on first use, not at
import time (cold starts of handlers that never detect a language stay fast).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

MIN_CONFIDENCE = 0.5
_NOISE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+|[#*_~`>|]+|\d+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
# Chinese varieties the model tells apart have no ISO 639-1 code of their own.
_TO_ISO_639_1 = {"yue": "zh", "wuu": "zh"}


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str | None) -> str | None:
    """The ISO 639-1 code of the text's language ("zh", "en", "ja", ...), or None.

    None for empty or too short text (under 2 CJK characters, or under 4 letters in other
    scripts: "ok", "hi" say nothing reliable), and when the model is less than 50 % sure.
    URLs, email addresses and numbers (order numbers) are ignored.
    """
    if not text:
        return None
    cleaned = " ".join(_NOISE.sub(" ", text).split())
    letters = sum(ch.isalpha() for ch in cleaned)
    cjk = len(_CJK.findall(cleaned))
    if cjk < 2 and letters < 4:
        return None
    lang, confidence = _identifier().classify(cleaned[:2000])
    code = _TO_ISO_639_1.get(lang, lang)
    if confidence < MIN_CONFIDENCE or len(code) != 2:
        return None
    return str(code)
