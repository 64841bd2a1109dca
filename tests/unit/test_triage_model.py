"""R1.4/R1.5: the shipped triage model on the held-out data set, normalisation, confidence and urgency."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from inquiry_desk.model import Urgency
from inquiry_desk.triage.evaluation import Scores, evaluate, read_examples, shipped_triage
from inquiry_desk.triage.normalise import keyword_pattern, normalise
from inquiry_desk.triage.rules import Triage

DATA = Path(__file__).resolve().parents[1] / "data" / "triage"


@cache
def triage() -> Triage:
    return shipped_triage()


@cache
def heldout() -> Scores:
    return evaluate(triage(), read_examples(DATA / "heldout.jsonl"))


def test_R1_4_normalise_folds_width_case_and_traditional_chinese() -> None:
    assert normalise("ＷＨＥＲＥ  is my\tORDER") == "where is my order"
    assert normalise("充電寶充電時發燙冒煙了，訂單號碼") == "充电宝充电时发烫冒烟了,订单号码"


def test_R1_4_english_keywords_match_whole_words_only() -> None:
    pattern = keyword_pattern(["pair", "退货"])
    assert pattern is not None
    assert not pattern.search(normalise("I need a repair"))
    assert pattern.search(normalise("how do I pair it?"))
    assert pattern.search(normalise("我想退货please"))


def test_R1_4_traditional_chinese_is_classified_like_simplified() -> None:
    simplified = triage().classify("我的快递到哪了？物流三天没更新")
    traditional = triage().classify("我的快遞到哪了？物流三天沒更新")
    assert simplified.category == traditional.category == "order_logistics"


def test_R1_4_pair_inside_repair_is_not_usage_help() -> None:
    assert triage().classify("My headphones need a repair under warranty").category == "after_sales_repair"


def test_R1_4_every_classification_has_a_confidence_and_low_confidence_is_unclassified() -> None:
    got = triage().classify("hello?")
    assert 0.0 <= got.confidence <= 1.0
    assert got.category == "unclassified" and got.team == "triage"  # never silently filed
    greetings = read_examples(DATA / "no_topic.jsonl")
    filed = [g["text"] for g in greetings if triage().classify(g["text"]).category != "unclassified"]
    assert len(filed) <= len(greetings) // 10, filed
    sure = triage().classify("I was charged twice for order SO-1001, please refund one payment")
    assert sure.category == "order_payment" and sure.confidence >= 0.25


def test_R1_5_safety_words_make_an_inquiry_urgent() -> None:
    for text in ("充电宝充电时发烫冒烟了", "the heater keeps tripping the breaker and smells like burning"):
        got = triage().classify(text)
        assert got.urgency is Urgency.URGENT and "signal:safety" in got.urgent_because, text
        assert "safety" in got.tags


def test_R1_5_vip_customers_are_urgent() -> None:
    text = "请问这款耳机有黑色的吗"
    assert triage().classify(text).urgency is Urgency.NORMAL
    got = triage().classify(text, tier="vip")
    assert got.urgency is Urgency.URGENT and "tier:vip" in got.urgent_because


def test_R1_5_delivered_but_not_received_is_urgent_routine_tracking_is_not() -> None:
    assert triage().classify("显示已签收但我根本没收到快递").urgency is Urgency.URGENT
    assert triage().classify("where is my parcel? just checking the date").urgency is Urgency.NORMAL


def test_R1_5_heldout_urgency_accuracy_at_least_90_percent() -> None:
    assert heldout().urgency_accuracy >= 0.90, heldout().summary()


def test_R1_4_heldout_accuracy_floor() -> None:
    """What the shipped model reaches today (a regression floor); the target is the test below."""
    scores = heldout()
    assert scores.examples >= 235
    assert scores.accuracy >= 0.91, scores.summary()
    assert min(scores.category_accuracy().values()) >= 0.80, scores.summary()


def test_R1_4_heldout_accuracy_meets_the_targets() -> None:
    """Held-out 0.925 with the shipped model, lowest category account_request 0.83 (chosen by 5-fold CV on
    train, 0.922: see tests/data/triage/README.md)."""
    scores = heldout()
    assert scores.accuracy >= 0.90, scores.summary()
    assert min(scores.category_accuracy().values()) >= 0.80, scores.summary()


def test_R1_4_unclassified_share_is_small_and_the_classified_are_more_often_right() -> None:
    scores = heldout()
    assert scores.unclassified / scores.examples <= 0.05, scores.summary()
    assert scores.classified_accuracy >= scores.accuracy
    assert scores.summary()["classified_accuracy"] == round(scores.classified_accuracy, 4)


def test_R1_4_training_is_deterministic(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    from desk_ops.triage_train import train

    small = tmp_path / "small.jsonl"
    lines = (DATA / "train.jsonl").read_text(encoding="utf-8").splitlines()[:120]
    small.write_text("\n".join(lines) + "\n", encoding="utf-8")
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    train([small], first)
    train([small], second)
    assert first.read_bytes() == second.read_bytes()
