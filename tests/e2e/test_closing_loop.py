"""Closing the loop on the local system (R2.8, R5.2-R5.4): resolve, the survey e-mail goes out
through the outbox and SES, the signed link opens the page, a 1-star answer reopens the inquiry to
the supervisors with a new deadline, a second submit changes nothing, a tampered link is refused."""

from __future__ import annotations

import json
import re
import smtplib
import time
import uuid
from collections.abc import Iterator
from email.mime.text import MIMEText
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import RunningDesk, start_desk


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDesk]:
    # 1 real second = 10 minutes: the survey (2 h after the resolution) goes out after ~12 s
    running = start_desk(Path(tmp_path_factory.mktemp("loop-desk")), {"DESK_CLOCK_SPEED": "600"})
    yield running
    running.stop()


def _wait(predicate: Any, seconds: float = 180) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = predicate()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def _outbox(desk: RunningDesk) -> list[dict[str, Any]]:
    got = desk.desk("outbox", "--json")
    assert got.returncode == 0, got.stderr
    return list(json.loads(got.stdout)["replies"])


def test_resolve_survey_low_score_reopens_to_supervisor_R5_3_R5_4(desk: RunningDesk) -> None:
    customer = f"wang.{uuid.uuid4().hex[:6]}@example.com"
    port = int(json.loads((desk.log.parent / "local.json").read_text())["smtp_port"])
    mail = MIMEText("您好,耳机蓝牙连接不上,订单号 SO-88。", "plain", "utf-8")
    mail["Subject"], mail["From"], mail["To"] = "耳机故障", customer, "support@shop.example"
    mail["Message-ID"] = f"<loop-{uuid.uuid4().hex}@example.com>"
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.send_message(mail)
    auth = {"Authorization": f"Bearer {desk.token('agent')}"}
    listed = _wait(
        lambda: [
            i
            for i in json.loads(desk.desk("inquiries", "list", "--json").stdout)["inquiries"]
            if i.get("contact") == customer or customer in json.dumps(i)
        ]
    )
    assert listed, "the e-mail did not open an inquiry"
    inquiry_id = listed[0]["inquiry_id"]

    resolved = requests.post(
        f"{desk.url}/api/inquiries/{inquiry_id}/actions",
        headers=auth,
        timeout=30,
        json={
            "action": "resolve",
            "result": "更换新耳机 <b>replacement</b>",
            "cause": "批次 7 蓝牙模块故障",
            "solution": "寄出新耳机",
            "customer_todos": ["7 天内寄回旧耳机"],
            "promise_working_days": 3,
        },
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["inquiry"]["promised_by"]  # R2.8

    surveys = _wait(lambda: [r for r in _outbox(desk) if r.get("to") == customer and "/survey/" in r.get("text", "")])
    assert surveys, (
        _outbox(desk),
        requests.get(f"{desk.url}/api/inquiries/{inquiry_id}", headers=auth, timeout=30).json()["events"],
    )
    assert surveys[0]["channel"] == "email"  # through SES, on the customer's own channel
    link = re.search(r"http://\S+/survey/\S+", surveys[0]["text"])
    assert link is not None
    url = link.group(0)

    page = requests.get(url, timeout=30)
    assert page.status_code == 200 and 'name="score"' in page.text
    assert "&lt;b&gt;replacement&lt;/b&gt;" in page.text  # the result is shown as text
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")

    answered = requests.post(url, data={"score": "1", "resolved": "no", "comment": "还是连不上 <script>"}, timeout=30)
    assert answered.status_code == 200 and 'data-kind="thanks_unhappy"' in answered.text

    after = requests.get(f"{desk.url}/api/inquiries/{inquiry_id}", headers=auth, timeout=30).json()
    inquiry = after["inquiry"]
    assert inquiry["status"] == "in_progress"
    assert inquiry["owner"].startswith("supervisors:")
    assert inquiry["next_deadline_at"]  # a new deadline from the policy (R3.2)
    kinds = [e["type"] for e in after["events"]]
    assert {"resolved", "survey_sent", "survey_answered", "confirmed", "reopened"} <= set(kinds)
    reopened = next(e for e in after["events"] if e["type"] == "reopened")
    assert "还是连不上" in reopened["data"]["reason"]

    again = requests.post(url, data={"score": "5", "resolved": "yes"}, timeout=30)
    assert again.status_code == 200 and 'data-kind="answered"' in again.text
    unchanged = requests.get(f"{desk.url}/api/inquiries/{inquiry_id}", headers=auth, timeout=30).json()
    # deadlines may move the inquiry on meanwhile (fast clock); the answer itself is not recorded again
    assert unchanged["inquiry"]["satisfaction"] == 1 and unchanged["inquiry"]["episode"] == inquiry["episode"]
    assert [e["type"] for e in unchanged["events"]].count("survey_answered") == 1

    body, _, mac = url.rsplit("/", 1)[1].partition(".")
    forged = url.rsplit("/", 1)[0] + "/" + body[:-2] + "AA." + mac
    refused = requests.post(forged, data={"score": "5"}, timeout=30)
    assert refused.status_code == 400 and 'data-kind="invalid"' in refused.text
