"""The bench functions run, return the documented shape, and explain every disagreement."""

from __future__ import annotations

from bench import deadlines as bench


def _shape(result: dict[str, object]) -> None:
    for name, metric in result.items():
        if name == "disagreements":
            continue
        assert isinstance(metric, dict) and set(metric) == {"value", "unit", "target"}, name
        assert isinstance(metric["value"], float)


def test_deadlines_per_second_shape() -> None:
    result = bench.bench_deadlines_per_second(0.05)
    _shape(result)
    assert result["sla_deadlines_per_second"]["value"] > 0


def test_distance_cost_ratio_shape() -> None:
    result = bench.bench_distance_cost_ratio(rounds=3, n=50)
    _shape(result)
    assert result["sla_distance_cost_ratio"]["value"] > 0


def test_every_disagreement_with_businesstimedelta_is_explained() -> None:
    result = bench.bench_vs_businesstimedelta(n=120)
    _shape(result)
    disagreements = result["disagreements"]
    assert isinstance(disagreements, list)
    assert all(d["reason"] != "unexplained" for d in disagreements)
    assert result["sla_unexplained_disagreements"]["value"] == 0.0
    assert any("2026-" in d["reason"] and "调休" in d["reason"] for d in disagreements)
