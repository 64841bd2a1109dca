"""Live monitoring decisions (R3.4, R3.1) and the report's renderings (R9.2), on the in-memory store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from inquiry_desk.model import Channel, Inquiry, Status
from inquiry_desk.reports import monitor
from inquiry_desk.reports.building import build_report, period_days
from inquiry_desk.reports.counting import Counting
from inquiry_desk.reports.render import csv_text, html_page, text_table
from inquiry_desk.reports.settings import load_report_policy
from inquiry_desk.reports.store import MemoryCounterStore

POLICY = load_report_policy()
T0 = datetime(2026, 4, 1, 2, 0, tzinfo=UTC)


class Notices:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def notify(self, kind: str, subject: str, body: dict[str, Any]) -> None:
        self.sent.append((kind, body))


def _wait(store: MemoryCounterStore, n: int, channel: str = "chat", at: datetime = T0) -> None:
    for i in range(n):
        c = Counting(key=f"Q{channel}{i}#1", day="2026-04-01", waiting=("start", channel, at + timedelta(seconds=i)))
        store.apply(c)


def test_more_than_twenty_waiting_raises_an_alert_with_a_ten_minute_deadline_R3_4() -> None:
    store, notices = MemoryCounterStore(), Notices()
    _wait(store, 20)
    assert monitor.check(store, POLICY, notices, T0)["actions"] == []  # 20 is not more than 20
    _wait(store, 21)
    monitor.check(store, POLICY, notices, T0 + timedelta(minutes=1))
    kind, body = notices.sent[-1]
    assert kind == "queue_alert" and body["waiting"] == 21 and body["oldest_wait_seconds"] == 60
    assert body["handle_by"] == "2026-04-01T02:11:00Z"
    assert monitor.check(store, POLICY, notices, T0 + timedelta(minutes=5))["actions"] == []  # once
    assert monitor.check(store, POLICY, notices, T0 + timedelta(minutes=11))["actions"] == ["unhandled queue#chat"]
    store.queue["chat"].clear()
    assert monitor.check(store, POLICY, notices, T0 + timedelta(minutes=12))["actions"] == ["cleared queue#chat"]
    assert notices.sent[-1][1]["within_deadline"] is False


def test_a_sudden_rise_in_a_channels_response_time_is_flagged_once_an_hour_R3_4() -> None:
    store, notices = MemoryCounterStore(), Notices()
    for h in range(2, 20):  # a calm baseline: 60 s first responses
        for _ in range(6):
            store.apply(Counting(key=f"b{h}{_}#1", day="x", response=("wechat", T0 + timedelta(hours=h), 60)))
    now = T0 + timedelta(hours=21, minutes=30)
    for i in range(6):  # the last hour: 10 minutes
        store.apply(Counting(key=f"r{i}#1", day="x", response=("wechat", now - timedelta(minutes=5), 600)))
    live = {c.channel: c for c in monitor.live(store, POLICY, now)}
    assert live["wechat"].rising and not live["chat"].rising
    assert monitor.check(store, POLICY, notices, now)["actions"] == ["flagged rise#wechat"]
    assert monitor.check(store, POLICY, notices, now + timedelta(minutes=1))["actions"] == []


def test_supervisors_get_overdue_and_unconfirmed_R3_1() -> None:
    early = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
    new = Inquiry(
        inquiry_id="Q1",
        customer_id="C",
        channel=Channel.EMAIL,
        received_at=early - timedelta(hours=1),
        description="?",
        team="orders",
    )
    late = new.model_copy(update={"inquiry_id": "Q2", "status": Status.IN_PROGRESS, "next_deadline_at": early})
    fresh = new.model_copy(update={"inquiry_id": "Q3", "received_at": early})
    lists = monitor.overdue_and_unconfirmed(
        ["orders", "sales"], lambda t, at: [late] if t == "orders" else [], lambda t: [new, fresh], POLICY, early
    )
    assert [i["inquiry_id"] for i in lists["orders"]["overdue"]] == ["Q2"]
    assert [i["inquiry_id"] for i in lists["orders"]["unconfirmed"]] == ["Q1"]


def test_the_html_page_works_offline_and_shows_names_as_text_R9_2() -> None:
    store = MemoryCounterStore()
    hostile = "<script>alert(1)</script>"
    store.rows["2026-04-01"]["all"]["received"] = 3
    store.rows["2026-04-01"][f"category#{hostile}"]["received"] = 3
    store.rows["2026-04-02"]["all"]["received"] = 5
    report = build_report(store, POLICY, "weekly", date(2026, 4, 1))
    page = html_page(report, POLICY, {"late": ["Q1", hostile]})
    assert "<script" not in page and "&lt;script&gt;" in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "") and "https://" not in page
    assert page.count("<svg") == 3  # channels, response times, the daily trend
    assert "volume" in text_table(report, POLICY)
    assert "all,volume,8" in csv_text(report, POLICY)


def test_periods_weekly_from_monday_quarterly_whole_quarters() -> None:
    assert period_days("weekly", date(2026, 4, 1))[0] == date(2026, 3, 30)
    q = period_days("quarterly", date(2026, 5, 20))
    assert (q[0], q[-1], len(q)) == (date(2026, 4, 1), date(2026, 6, 30), 91)
    assert len(period_days("monthly", date(2026, 2, 10))) == 28
