"""Lexical ranking for suggestions (R7.2): BM25 (``rank-bm25``) over tokens the way triage reads
text: normalised (full/half width, case, traditional -> simplified), Latin words whole, Chinese and
Japanese runs as overlapping character bigrams (a single character stays a unigram)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from inquiry_desk.triage.normalise import normalise

_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[^\W_]+")


def tokens(text: str) -> list[str]:
    out: list[str] = []
    folded = normalise(text)
    for run in _CJK_RUN.findall(folded):
        out.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
    for word in _WORD.findall(_CJK_RUN.sub(" ", folded)):
        if len(word) > 1 or word.isdigit():
            out.append(word)
    return out


def bm25_scores(query: str, documents: Sequence[str]) -> list[float]:
    """The BM25 score of each document for `query` (0 for all when nothing matches)."""
    if not documents:
        return []
    from rank_bm25 import BM25Plus  # numpy loads only when suggestions are asked for

    corpus = [tokens(d) or ["\u2205"] for d in documents]
    asked = tokens(query)
    if not asked:
        return [0.0] * len(documents)
    # BM25+ idf, log((N + 1) / n), stays positive when a term is in most (or the only) candidates,
    # where Okapi's goes negative; delta 0 keeps a document without any query word at 0
    scores = BM25Plus(corpus, delta=0).get_scores(asked)
    return [max(0.0, float(s)) for s in scores]
