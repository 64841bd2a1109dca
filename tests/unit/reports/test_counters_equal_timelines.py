"""Counters written event by event (with redeliveries) equal the counters recomputed from whole
timelines, metric by metric, over a generated month of traffic (R9.1, R9.2, R9.3)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest
from inquiry_desk.ports import Timeline
from inquiry_desk.reports import metrics as m
from inquiry_desk.reports.building import PERIODS, build_report, drill_down
from inquiry_desk.reports.counting import contributions
from inquiry_desk.reports.recompute import recompute
from inquiry_desk.reports.settings import load_report_policy
from inquiry_desk.reports.store import MemoryCounterStore

from bench.traffic import month_of_traffic

POLICY = load_report_policy()
START = datetime(2026, 3, 1, tzinfo=UTC)


def _stream(timelines: list[Timeline], store: MemoryCounterStore, redeliver: float, seed: int = 3) -> int:
    """Feed every event as the stream would, redelivering a share of them (at-least-once)."""
    rng = random.Random(seed)
    for t in timelines:
        store.inquiries[t.inquiry.customer_id].append(
            (t.inquiry.received_at, t.inquiry.channel.value, t.inquiry.inquiry_id)
        )
    records = [(t, e) for t in timelines for e in t.events]
    records += [r for r in records if rng.random() < redeliver]  # redelivered batches, later
    applied = 0
    for t, e in records:
        counting = contributions(e, t.inquiry, t.events, POLICY, store.previous_inquiry)
        applied += store.apply(counting)
    return applied


@pytest.fixture(scope="module")
def month() -> tuple[list[Timeline], MemoryCounterStore, MemoryCounterStore]:
    timelines = month_of_traffic(START, days=31, per_day=30)
    counted = MemoryCounterStore()
    _stream(timelines, counted, redeliver=0.3)
    audited = MemoryCounterStore()
    for day, dims in recompute(timelines, POLICY).items():
        for dim, counters in dims.items():
            audited.rows[day][dim].update(counters)
    return timelines, counted, audited


def test_counters_equal_recomputed_timelines_per_day_and_dimension_R9_1(month) -> None:
    _, counted, audited = month
    assert set(counted.rows) == set(audited.rows)
    for day in audited.rows:
        assert counted.day(day) == audited.day(day), day


@pytest.mark.parametrize("period", PERIODS)
def test_reports_equal_metric_by_metric_R9_2(month, period) -> None:
    _, counted, audited = month
    for on in (date(2026, 3, 1), date(2026, 3, 15), date(2026, 3, 31)):
        a, b = build_report(counted, POLICY, period, on), build_report(audited, POLICY, period, on)
        for dim in a.rows.keys() | b.rows.keys():
            fa, fb = a.figures(POLICY, dim), b.figures(POLICY, dim)
            for metric_id in fa:
                assert fa[metric_id] == pytest.approx(fb[metric_id]), (period, on, dim, metric_id)


def test_redelivered_events_count_nothing_R9_1() -> None:
    timelines = month_of_traffic(START, days=2, per_day=20)
    once, twice = MemoryCounterStore(), MemoryCounterStore()
    _stream(timelines, once, redeliver=0.0)
    applied = _stream(timelines, twice, redeliver=1.0)
    assert 0 < applied < sum(len(t.events) for t in timelines)  # notes, assignments... add no figure
    assert {d: twice.day(d) for d in twice.rows} == {d: once.day(d) for d in once.rows}


def test_a_month_has_every_kind_of_figure(month) -> None:
    timelines, counted, _ = month
    report = build_report(counted, POLICY, "monthly", date(2026, 3, 10))
    figures = report.figures(POLICY)
    for metric_id in (
        "volume",
        "first_response",
        "answered_in_time",
        "sla_acknowledge",
        "resolution_rate",
        "csat",
        "csat_positive",
        "repeat_rate",
        "channel_switch_rate",
        "priority_accuracy",
        "vip_coverage",
        "bot_transfer",
        "reopen_rate",
        "kb_use",
        "wait_complaint_rate",
    ):
        assert figures[metric_id] not in (None, 0.0), metric_id
    in_march = [t for t in timelines if t.inquiry.received_at.astimezone(POLICY.zone).month == 3]
    assert figures["volume"] == len(in_march) < len(timelines)  # days are the report zone's days


def test_drill_down_lists_the_inquiries_behind_a_figure_R9_2(month) -> None:
    timelines, counted, _ = month
    on = date(2026, 3, 10)
    late = drill_down(counted, POLICY, "daily", on, "answered_in_time", "channel#chat")
    report = build_report(counted, POLICY, "daily", on)
    assert len(late) == report.rows["channel#chat"].get(m.ANSWERED_LATE, 0)
    by_id = {t.inquiry.inquiry_id: t for t in timelines}
    for iid in late:
        t = by_id[iid]
        assert t.inquiry.channel.value == "chat"
        first = next(e for e in t.events if e.type == "replied")
        assert (first.at - t.inquiry.received_at).total_seconds() > 120


def test_daily_report_reads_the_same_items_whatever_the_history(month) -> None:
    timelines = month_of_traffic(START, days=3, per_day=30)
    small = MemoryCounterStore()
    _stream(timelines, small, redeliver=0.0)
    _, big, _ = month
    on = date(2026, 3, 2)
    assert build_report(small, POLICY, "daily", on).items_read <= build_report(big, POLICY, "daily", on).items_read + 0
    assert build_report(big, POLICY, "daily", on).items_read == len(big.rows[on.isoformat()])
