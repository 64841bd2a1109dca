"""R1.4/R1.5: the fresh triage set (tests/data/triage/fresh.jsonl) is well-formed and independent of train.

The fresh set was written without looking at train.jsonl or heldout.jsonl; it is never used for
training or tuning. These tests keep it that way: same format as the other files, every category
and language present, and no line that is a near-copy of a training line.
"""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "data" / "triage"
KEYS = ["id", "text", "lang", "channel", "category", "urgency", "tags"]
CATEGORIES = {
    "pre_sales",
    "after_sales_return",
    "after_sales_repair",
    "usage_help",
    "complaint",
    "suggestion",
    "fault_report",
    "account_request",
    "order_payment",
    "order_logistics",
    "promotion",
    "membership",
    "dispute",
}
LANGUAGES = {"zh-Hans", "zh-Hant", "en", "es", "de", "fr", "ja"}
CHANNELS = {"chat", "wechat", "email", "sms", "whatsapp", "messenger", "instagram", "marketplace", "phone", "in_store"}
URGENCIES = {"normal", "urgent"}
TAGS = {
    "bluetooth",
    "electronics",
    "apparel",
    "beauty",
    "home_appliance",
    "food",
    "battery",
    "safety",
    "refund",
    "size",
    "invoice",
    "address_change",
    "cross_border",
    "vip",
    "app",
    "website",
    "warranty",
    "installation",
    "tracking",
    "coupon",
}
MIN_PER_CATEGORY = 25
NEAR_COPY = 0.6  # character 3-gram Jaccard at or above this counts as a near-copy


def _lines(name: str) -> list[str]:
    return [line for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


@cache
def _rows(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in _lines(name)]


def _trigrams(text: str) -> frozenset[str]:
    folded = " ".join(text.lower().split())
    return frozenset(folded[i : i + 3] for i in range(max(1, len(folded) - 2)))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def test_R1_4_fresh_lines_have_the_readme_keys_in_order_and_vocabulary() -> None:
    for number, line in enumerate(_lines("fresh.jsonl"), start=1):
        row = json.loads(line)
        assert list(row) == KEYS, f"line {number}: keys {list(row)}"
        assert isinstance(row["text"], str) and row["text"].strip(), f"line {number}: empty text"
        assert row["category"] in CATEGORIES, f"{row['id']}: category {row['category']}"
        assert row["urgency"] in URGENCIES, f"{row['id']}: urgency {row['urgency']}"
        assert row["lang"] in LANGUAGES, f"{row['id']}: lang {row['lang']}"
        assert row["channel"] in CHANNELS, f"{row['id']}: channel {row['channel']}"
        assert isinstance(row["tags"], list) and len(row["tags"]) <= 3, f"{row['id']}: tags {row['tags']}"
        assert set(row["tags"]) <= TAGS, f"{row['id']}: tags {row['tags']}"


def test_R1_4_fresh_is_written_with_ensure_ascii_false() -> None:
    # the README promises Chinese and Japanese as is, not as \\u escapes
    for line in _lines("fresh.jsonl"):
        row = json.loads(line)
        assert line == json.dumps(row, ensure_ascii=False), f"{row['id']}: not written with ensure_ascii=False"


def test_R1_4_fresh_ids_are_f_numbered_and_unique_across_all_triage_files() -> None:
    fresh_ids = [row["id"] for row in _rows("fresh.jsonl")]
    assert fresh_ids == [f"f{n:04d}" for n in range(1, len(fresh_ids) + 1)]
    every_id = fresh_ids + [row["id"] for name in ("train.jsonl", "heldout.jsonl") for row in _rows(name)]
    repeated = [id_ for id_, n in Counter(every_id).items() if n > 1]
    assert not repeated, f"ids used more than once: {repeated[:10]}"


def test_R1_4_fresh_covers_every_category_and_language() -> None:
    rows = _rows("fresh.jsonl")
    per_category = Counter(row["category"] for row in rows)
    assert set(per_category) == CATEGORIES
    thin = {c: n for c, n in per_category.items() if n < MIN_PER_CATEGORY}
    assert not thin, f"categories under {MIN_PER_CATEGORY} lines: {thin}"
    assert {row["lang"] for row in rows} == LANGUAGES
    assert {row["urgency"] for row in rows} == URGENCIES
    texts = [row["text"] for row in rows]
    assert len(set(texts)) == len(texts), "a text appears twice"


def test_R1_4_fresh_is_no_near_copy_of_any_training_line() -> None:
    train = [_trigrams(row["text"]) for row in _rows("train.jsonl")]
    copies = []
    for row in _rows("fresh.jsonl"):
        grams = _trigrams(row["text"])
        closest = max((_jaccard(grams, other) for other in train), default=0.0)
        if closest >= NEAR_COPY:
            copies.append((row["id"], round(closest, 2)))
    assert not copies, f"fresh lines too close to a training line (3-gram Jaccard): {copies}"
