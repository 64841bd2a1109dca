"""R1.4/R1.5: classification from the policy's categories; urgent categories win ties (R3.5)."""

from __future__ import annotations

from inquiry_desk.model import Urgency
from inquiry_desk.triage.rules import CategoryRule, Triage

RULES = [
    CategoryRule("pre_sales", "presales", Urgency.NORMAL, ("price", "价格", "compare")),
    CategoryRule("complaint", "complaints", Urgency.URGENT, ("投诉", "complaint", "rude")),
    CategoryRule("after_sales_return", "aftersales", Urgency.NORMAL, ("退货", "return")),
]
FALLBACK = CategoryRule("general", "frontline")


def test_R1_4_keyword_match_picks_category_and_team() -> None:
    got = Triage(RULES, FALLBACK).classify("我想退货 I want to return this")
    assert (got.category, got.team, got.urgency) == ("after_sales_return", "aftersales", Urgency.NORMAL)
    assert set(got.matched) == {"退货", "return"}


def test_R1_5_complaint_is_urgent_and_wins_a_tie() -> None:
    got = Triage(RULES, FALLBACK).classify("complaint: I asked about the price")
    assert got.category == "complaint" and got.urgency is Urgency.URGENT
    assert got.tags == ("pre_sales",)


def test_unmatched_text_falls_back() -> None:
    got = Triage(RULES, FALLBACK).classify("hello?")
    assert (got.category, got.team, got.matched) == ("general", "frontline", ())


def test_matching_ignores_case() -> None:
    assert Triage(RULES, FALLBACK).classify("COMPARE models").category == "pre_sales"


def test_R3_5_at_peak_complaints_come_first_urgent_before_the_rest() -> None:
    from inquiry_desk.triage.rules import peak_order

    # (id, category, urgent) in next-deadline order
    queue = [
        ("a", "pre_sales", False),
        ("b", "complaint", False),
        ("c", "order_payment", True),
        ("d", "complaint", True),
        ("e", "pre_sales", False),
    ]

    def order(peak: int) -> list[str]:
        return [i[0] for i in peak_order(queue, peak, ["complaint"], lambda i: i[1], lambda i: i[2])]

    assert order(peak=20) == ["a", "b", "c", "d", "e"]  # not at peak: deadline order only
    assert order(peak=3) == ["d", "b", "a", "c", "e"]  # at peak: urgent complaint, complaint, then the rest


def test_R3_5_shipped_policy_names_the_peak() -> None:
    from inquiry_desk.deadlines.policy import load_policy, shipped_policy_path

    queues = load_policy(shipped_policy_path()).queues
    assert (queues.peak_waiting, queues.first_at_peak) == (20, ["complaint"])
