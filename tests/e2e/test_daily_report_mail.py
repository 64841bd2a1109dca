"""Each team's daily report reaches its supervisors by e-mail before the end of the team's day (R9.2):
the local system started a few clock minutes before the orders and complaints teams' report time
(cn_office closes at 18:00 Asia/Shanghai; reports.json sends 30 minutes before), chats over HTTP,
and the schedules the stack made fire through the pump, as Scheduler fires them on AWS."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from desk_ops.local.sink import read_records
from inquiry_desk.deadlines.policy import load_policy, shipped_policy_path

from tests.conftest import signed_chat
from tests.e2e.conftest import RunningDesk, start_desk

SHANGHAI = ZoneInfo("Asia/Shanghai")
ORDERS, COMPLAINTS = 3, 2


def _next_working_day() -> date:
    calendar = load_policy(shipped_policy_path()).calendar("cn_office")
    day = datetime.now(UTC).astimezone(SHANGHAI).date() + timedelta(days=1)
    while not calendar.shifts_on(day):
        day += timedelta(days=1)
    return day


DAY = _next_working_day()


@pytest.fixture(scope="module")
def before_report_time(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDesk]:
    start = datetime(DAY.year, DAY.month, DAY.day, 17, 24, tzinfo=SHANGHAI)  # 6 clock minutes before 17:30
    desk = start_desk(
        tmp_path_factory.mktemp("desk-daily"),
        {"DESK_CLOCK_SPEED": "12", "DESK_CLOCK_START": start.isoformat()},  # 30 real seconds to go
    )
    yield desk
    if desk.process.poll() is None:
        try:
            desk.stop()
        except subprocess.TimeoutExpired:
            desk.process.kill()


def _chat(desk: RunningDesk, tag: str, i: int, text: str) -> None:
    body, headers = signed_chat({"message_id": f"daily-{tag}-{i}", "customer_id": f"daily-{tag}-{i}", "text": text})
    got = requests.post(f"{desk.url}/webhooks/chat", data=body, headers=headers, timeout=30)
    assert got.status_code == 202, got.text


def _row(text: str, channel: str) -> list[str]:
    return next(line.split() for line in text.splitlines() if line.startswith(f"{channel} "))


def test_each_teams_daily_report_mail_reaches_its_supervisors_with_the_days_figures_R9_2_R3_1(
    before_report_time: RunningDesk,
) -> None:
    desk, tag = before_report_time, uuid.uuid4().hex[:6]
    for i in range(ORDERS):
        _chat(desk, tag, i, "还没收到货 where is my parcel")
    for i in range(ORDERS, ORDERS + COMPLAINTS):
        _chat(desk, tag, i, "投诉 客服态度太差 <b>hostile</b>")
    data_dir = Path(desk.env["DESK_DATA_DIR"])
    subjects = {team: f"Inquiry Desk daily report: {team}, {DAY.isoformat()}" for team in ("orders", "complaints")}
    mails: dict[str, dict[str, str]] = {}
    deadline = time.monotonic() + 180
    while len(mails) < 2 and time.monotonic() < deadline:
        for record in read_records(data_dir):
            for team, subject in subjects.items():
                if record["channel"] == "email" and record["payload"]["subject"] == subject:
                    mails[team] = {"to": record["to"], "text": record["text"], "from": record["payload"]["from"]}
        time.sleep(1)
    assert set(mails) == {"orders", "complaints"}, f"no daily report mail: {read_records(data_dir)[-3:]}"

    # to each team's supervisors (Cognito: supervisors and team-<team>), no one else
    assert mails["orders"]["to"] == "supervisor@desk.local"
    assert mails["complaints"]["to"] == "complaints-supervisor@desk.local, supervisor@desk.local"
    # the figures of the inquiries made here (a fresh system: nothing else that day)
    assert _row(mails["orders"]["text"], "chat")[1] == str(ORDERS)
    assert _row(mails["complaints"]["text"], "chat")[1] == str(COMPLAINTS)
    assert "email" not in [line.split()[0] for line in mails["orders"]["text"].splitlines() if line.strip()][:8]
    # the lists of R3.1 and links into the console
    assert "Overdue (R3.1):" in mails["orders"]["text"] and "Unconfirmed (R3.1):" in mails["orders"]["text"]
    assert f"{desk.url}/console/#/inquiry/" in mails["complaints"]["text"]
    # sent at the team's report time on the local clock, not before
    health = requests.get(f"{desk.url}/health", timeout=10).json()
    assert datetime.fromisoformat(health["clock"]).astimezone(SHANGHAI).time() >= datetime(2026, 1, 1, 17, 30).time()
