"""Each team's daily report by e-mail (R9.2, R3.1): when (the team's calendar), what, to whom, once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from inquiry_desk.deadlines.policy import load_policy, shipped_policy_path
from inquiry_desk.model import Channel, Inquiry, InquiryEvent, Status
from inquiry_desk.reports.counting import contributions
from inquiry_desk.reports.daily import DailyReportDelivery, daily_schedules
from inquiry_desk.reports.settings import load_report_policy
from inquiry_desk.reports.store import MemoryCounterStore
from inquiry_desk.reports.stored import MemoryStoredReports, mailed_key

POLICY = load_report_policy()
SLA = load_policy(shipped_policy_path())
HOSTILE = '<img src=x onerror="alert(1)">'


class Notices:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def notify(self, kind: str, subject: str, body: dict[str, Any]) -> None:
        self.sent.append((kind, body))


class Mailer:
    def __init__(self) -> None:
        self.sent: list[tuple[list[str], str, str, str]] = []

    def send(self, to: Sequence[str], subject: str, text: str, html: str) -> str | None:
        self.sent.append((list(to), subject, text, html))
        return f"m{len(self.sent)}"


def test_one_schedule_per_team_before_the_end_of_its_day_in_its_time_zone_R9_2() -> None:
    schedules = {s.team: s for s in daily_schedules(["orders", "complaints"], SLA, POLICY)}
    orders = schedules["orders"]
    # cn_office closes at 18:00 Asia/Shanghai; the policy sends 30 minutes before
    assert (orders.calendar, orders.time_zone, orders.expression) == (
        "cn_office",
        "Asia/Shanghai",
        "cron(30 17 * * ? *)",
    )
    assert orders.name == "daily-report-orders" and orders.payload == {"daily_report": {"team": "orders"}}
    us = POLICY.model_copy(
        update={"daily_report": POLICY.daily_report.model_copy(update={"team_calendars": {"orders": "us_east"}})}
    )
    moved = daily_schedules(["orders"], SLA, us)[0]
    assert (moved.time_zone, moved.expression) == ("America/New_York", "cron(30 16 * * ? *)")


def _inquiry(iid: str, team: str, channel: Channel, at: datetime, **extra: Any) -> Inquiry:
    return Inquiry(
        inquiry_id=iid,
        customer_id=f"c-{iid}",
        channel=channel,
        received_at=at,
        description=HOSTILE,
        subject=HOSTILE,
        team=team,
        **extra,
    )


def _count(store: MemoryCounterStore, inquiry: Inquiry, *events: tuple[str, dict[str, Any], timedelta, str]) -> None:
    timeline = [
        InquiryEvent(inquiry_id=inquiry.inquiry_id, seq=1, type="received", at=inquiry.received_at, actor="customer"),
        InquiryEvent(
            inquiry_id=inquiry.inquiry_id,
            seq=2,
            type="classified",
            at=inquiry.received_at,
            actor="system",
            data={"team": inquiry.team, "category": "order_status"},
        ),
    ]
    for n, (kind, data, after, actor) in enumerate(events, start=3):
        timeline.append(
            InquiryEvent(
                inquiry_id=inquiry.inquiry_id, seq=n, type=kind, at=inquiry.received_at + after, actor=actor, data=data
            )
        )
    for e in timeline:
        store.apply(contributions(e, inquiry, timeline, POLICY))


def test_the_team_mail_has_its_channels_figures_lists_and_escaped_customer_text_R9_2_R3_1() -> None:
    now = datetime(2026, 4, 1, 9, 30, tzinfo=UTC)  # Wednesday 17:30 in Shanghai
    morning = now - timedelta(hours=6)
    store = MemoryCounterStore()
    chat = _inquiry("Q-chat", "orders", Channel.CHAT, morning)
    _count(store, chat, ("replied", {}, timedelta(minutes=5), "wang.fang"))  # late: chat's target is 2 min
    _count(store, _inquiry("Q-mail", "orders", Channel.EMAIL, morning), ("resolved", {}, timedelta(hours=1), "x"))
    _count(store, _inquiry("Q-other", "complaints", Channel.CHAT, morning))
    late = _inquiry("Q-late", "orders", Channel.EMAIL, morning, status=Status.IN_PROGRESS, next_deadline_at=now)
    new = _inquiry("Q-new", "orders", Channel.CHAT, morning)
    mailer, notices, stored = Mailer(), Notices(), MemoryStoredReports()
    delivery = DailyReportDelivery(
        store,
        POLICY,
        SLA,
        lambda team, at: [late] if team == "orders" else [],
        lambda team: [new] if team == "orders" else [],
        lambda team: ["boss@shop.example", "lead@shop.example"] if team == "orders" else [],
        mailer,
        notices,
        "https://console.example/",
        lambda: now,
        stored,
    )
    result = delivery.deliver("orders")
    assert result["sent"] and result["day"] == "2026-04-01" and result["recipients"] == 2
    [(to, subject, text, html)] = mailer.sent
    assert to == ["boss@shop.example", "lead@shop.example"] and "orders" in subject
    rows = {line.split()[0]: line.split() for line in text.splitlines() if line.startswith(("chat", "email", "all"))}
    assert rows["chat"][1] == "1" and rows["email"][1] == "1" and rows["all"][2] == "2"  # complaints' chat not here
    assert "answered late: 1" in text and "https://console.example/#/inquiry/Q-chat" in text
    assert "Overdue (R3.1): 1" in text and "Unconfirmed (R3.1): 1" in text
    assert "<img" not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert 'href="https://console.example/#/inquiry/Q-late"' in html
    kept = stored.documents[mailed_key("orders", now.date())]  # kept as mailed
    assert kept["html"] == html and kept["recipients"] == 2
    kind, copy = notices.sent[-1]
    assert kind == "daily_report" and copy["recipients"] == 2 and HOSTILE not in str(copy)
    # a repeated schedule sends nothing more
    assert not delivery.deliver("orders")["sent"] and len(mailer.sent) == 1


def test_nothing_is_mailed_on_a_closed_day_or_without_supervisors_R9_2() -> None:
    store, mailer, notices = MemoryCounterStore(), Mailer(), Notices()
    holiday = datetime(2026, 10, 1, 9, 30, tzinfo=UTC)  # China's National Day: cn_office closed

    def delivery(now: datetime) -> DailyReportDelivery:
        return DailyReportDelivery(
            store, POLICY, SLA, lambda t, a: [], lambda t: [], lambda t: [], mailer, notices, None, lambda: now
        )

    assert "closed" in delivery(holiday).deliver("orders")["reason"]
    got = delivery(datetime(2026, 4, 1, 9, 30, tzinfo=UTC)).deliver("orders")
    assert not got["sent"] and notices.sent[-1][0] == "daily_report_undelivered" and not mailer.sent
