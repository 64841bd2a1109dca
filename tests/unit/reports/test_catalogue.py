"""Every metric is defined once, with its formula, and documented where supervisors read it (R9.1, R9.3)."""

from __future__ import annotations

from pathlib import Path

from inquiry_desk.reports import metrics as m
from inquiry_desk.reports.settings import load_report_policy

DOC = Path(__file__).resolve().parents[3] / "docs" / "metrics.md"
POLICY = load_report_policy()


def test_docs_list_every_metric_with_its_formula_R9_1() -> None:
    text = DOC.read_text(encoding="utf-8")
    for metric in m.catalogue(POLICY):
        assert f"| `{metric.id}` |" in text and f"`{metric.formula}`" in text, metric.id


def test_metric_ids_are_unique_and_targets_come_from_the_policy_R9_3() -> None:
    ids = [x.id for x in m.catalogue(POLICY)]
    assert len(ids) == len(set(ids))
    by_id = {x.id: x for x in m.catalogue(POLICY)}
    assert by_id["resolution_rate"].target == POLICY.targets["resolution_rate"] == 0.9
    assert by_id["vip_coverage"].target == 0.85 and by_id["priority_accuracy"].target == 0.9
    assert by_id["answered_in_time"].target == 0.95


def test_a_rate_without_denominator_is_unknown_not_zero() -> None:
    assert m.metric(POLICY, "resolution_rate").value({}) is None
    assert m.metric(POLICY, "priority_accuracy").value({m.RECEIVED: 10, m.PRIORITY_CORRECTED: 1}) == 0.9
    assert m.metric(POLICY, "first_response").meets_target(30.0) is None
