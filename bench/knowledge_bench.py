"""Offline evaluation of suggestions (R7.2): for each held-out inquiry (tests/data/triage/
heldout.jsonl, never used in training), is a template or article of its right category among the
first 3 suggested? Candidates: the shipped templates and the seed articles (examples/knowledge.json).
Ranked as the console asks: BM25 over the text, plus the boost for the category the shipped
classifier chose (not the true one), and once with no category at all (lexical only)."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
Metrics = dict[str, dict[str, Any]]


def _metric(value: float, unit: str, target: str) -> dict[str, Any]:
    return {"value": round(value, 4), "unit": unit, "target": target}


def bench_suggestions() -> Metrics:
    from inquiry_desk.answers.suggestions import suggest
    from inquiry_desk.knowledge.model import Article
    from inquiry_desk.knowledge.policy import load_knowledge_policy
    from inquiry_desk.model import Channel, Inquiry
    from inquiry_desk.triage.evaluation import read_examples, shipped_triage

    at = datetime(2026, 11, 30, tzinfo=UTC)
    seed = json.loads((ROOT / "examples" / "knowledge.json").read_text(encoding="utf-8"))["articles"]
    articles = [
        Article(
            **a, article_id=f"SEED{n:03d}", version=1, edited_by="seed", edited_at=at, created_by="seed", created_at=at
        )
        for n, a in enumerate(seed)
    ]
    settings = load_knowledge_policy().suggestions
    triage = shipped_triage()
    examples = [
        e
        for e in read_examples(ROOT / "tests" / "data" / "triage" / "heldout.jsonl")
        if e["category"] != "unclassified"
    ]
    hits: dict[str, int] = defaultdict(int)
    per_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    start = time.perf_counter()
    for n, ex in enumerate(examples):
        predicted = triage.classify(ex["text"]).category
        for mode, category in (("with_category", predicted), ("lexical_only", None)):
            inquiry = Inquiry(
                inquiry_id=f"H{n}",
                customer_id="C",
                channel=Channel.CHAT,
                received_at=at,
                description=ex["text"],
                language=ex.get("lang"),
                category=category,
            )
            answers = suggest(inquiry, ex["text"], articles, [], settings).answers
            top3 = any(ex["category"] in a.categories for a in answers[:3])
            hits[f"{mode}_top3"] += top3
            hits[f"{mode}_top1"] += bool(answers) and ex["category"] in answers[0].categories
            if mode == "with_category":
                per_lang[str(ex.get("lang"))][0] += top3
                per_lang[str(ex.get("lang"))][1] += 1
    seconds = (time.perf_counter() - start) / max(1, 2 * len(examples))
    total = max(1, len(examples))
    metrics: Metrics = {
        "suggestions_heldout_top3_right_category": _metric(
            hits["with_category_top3"] / total, "share", ">= 0.85 (R7.2)"
        ),
        "suggestions_heldout_top1_right_category": _metric(hits["with_category_top1"] / total, "share", "info"),
        "suggestions_heldout_top3_lexical_only": _metric(
            hits["lexical_only_top3"] / total, "share", "info (no category)"
        ),
        "suggestions_heldout_examples": _metric(len(examples), "count", "info"),
        "suggestions_ms_per_inquiry": _metric(seconds * 1000, "ms", "info (templates + 26 seed articles)"),
    }
    for lang, (ok, count) in sorted(per_lang.items()):
        metrics[f"suggestions_heldout_top3_lang_{lang}"] = _metric(ok / count, "share", "info")
    return metrics


if __name__ == "__main__":
    for key, value in bench_suggestions().items():
        print(f"{key:<48} {value['value']:>8} {value['unit']:<6} {value['target']}")
