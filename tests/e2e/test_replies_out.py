"""R5.1 on the local system: an agent's reply goes out on the customer's own channel (the channel
sink records what the customer would receive) and `desk outbox` shows it; email replies thread."""

from __future__ import annotations

import json
import smtplib
import time
import uuid
from collections.abc import Iterator
from email.mime.text import MIMEText
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import signed_chat
from tests.e2e.conftest import RunningDesk, start_desk


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDesk]:
    running = start_desk(Path(tmp_path_factory.mktemp("replies-desk")))
    yield running
    running.stop()


def _outbox(desk: RunningDesk) -> list[dict[str, Any]]:
    got = desk.desk("outbox", "--json")
    assert got.returncode == 0, got.stderr
    return list(json.loads(got.stdout)["replies"])


def _wait(predicate: Any, seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = predicate()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def test_R5_1_chat_reply_reaches_the_chat_channel(desk: RunningDesk) -> None:
    customer = f"cust-{uuid.uuid4().hex[:6]}"
    body, headers = signed_chat({"message_id": f"m-{uuid.uuid4()}", "customer_id": customer, "text": "尺码怎么选?"})
    inquiry_id = requests.post(f"{desk.url}/webhooks/chat", data=body, headers=headers, timeout=30).json()["inquiry_id"]
    auth = {"Authorization": f"Bearer {desk.token('agent')}"}
    replied = requests.post(
        f"{desk.url}/api/inquiries/{inquiry_id}/actions",
        headers=auth,
        timeout=30,
        json={"action": "reply", "text": "建议选大一码 / one size up"},
    )
    assert replied.status_code == 200
    sent = _wait(lambda: [r for r in _outbox(desk) if r.get("to") == customer])
    assert sent and sent[0]["channel"] == "chat" and "大一码" in sent[0]["text"]
    timeline = requests.get(f"{desk.url}/api/inquiries/{inquiry_id}", headers=auth, timeout=30).json()
    [reply] = [m for m in timeline["messages"] if m["direction"] == "outbound"]
    assert reply["delivery_status"] == "sent"


def test_R5_1_email_reply_goes_back_by_email_threaded(desk: RunningDesk) -> None:
    port = int(json.loads((desk.log.parent / "local.json").read_text())["smtp_port"])
    mail = MIMEText("请问退货地址是哪里?", "plain", "utf-8")
    mail["Subject"], mail["From"], mail["To"] = "退货地址", "li.na@example.com", "support@shop.example"
    mail["Message-ID"] = f"<q-{uuid.uuid4().hex}@example.com>"
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.send_message(mail)
    listed = _wait(
        lambda: [
            i
            for i in json.loads(desk.desk("inquiries", "list", "--json").stdout)["inquiries"]
            if i["channel"] == "email"
        ]
    )
    inquiry_id = listed[0]["inquiry_id"]
    auth = {"Authorization": f"Bearer {desk.token('agent')}"}
    requests.post(
        f"{desk.url}/api/inquiries/{inquiry_id}/actions",
        headers=auth,
        timeout=30,
        json={"action": "reply", "text": "退货地址: 上海市..."},
    ).raise_for_status()
    sent = _wait(lambda: [r for r in _outbox(desk) if r.get("channel") == "email"])
    assert sent, _outbox(desk)
    assert sent[0]["to"] == "li.na@example.com"
    assert f"[INQ-{inquiry_id}]" in sent[0]["payload"]["subject"]
    assert sent[0]["payload"]["in_reply_to"].startswith("<q-")
