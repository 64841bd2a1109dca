"""No personal datum in any log line of an end-to-end run (R8.2).

The local system runs with every function logging at DEBUG; customers write in on chat, e-mail
and by phone with names, numbers, addresses and orders; agents reply quoting them; a malformed
request quotes them; an admin erases one customer. Then every line the system wrote is scanned.
"""

from __future__ import annotations

import smtplib
import time
import uuid
from collections.abc import Iterator
from email.mime.text import MIMEText
from pathlib import Path

import pytest
import requests

from tests.conftest import signed_chat
from tests.e2e.conftest import RunningDesk, start_desk

PERSONAL = {
    "name": "Ouyang Mingyue",
    "name_zh": "欧阳明月",
    "phone": "+8613912345678",
    "email": "mingyue.ouyang@example.net",
    "address": "朝阳区建国路88号",
    "order": "SO-55501234",
    "member": "VIPM-99887766",
}


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDesk]:
    desk = start_desk(tmp_path_factory.mktemp("desk-logs"), {"POWERTOOLS_LOG_LEVEL": "DEBUG"})
    yield desk
    if desk.process.poll() is None:
        desk.stop()


def _api(desk: RunningDesk, token: str, method: str, path: str, body: object | None = None) -> requests.Response:
    return requests.request(
        method,
        f"{desk.url}{path}",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )


def test_R8_2_no_personal_data_in_any_log_line(logged: RunningDesk) -> None:
    p = PERSONAL
    chat = {
        "message_id": f"web-{uuid.uuid4()}",
        "customer_id": f"cust-{uuid.uuid4().hex[:6]}",
        "name": p["name"],
        "contact": p["phone"],
        "order_number": p["order"],
        "member_id": p["member"],
        "text": f"我是{p['name_zh']}，地址{p['address']}，订单{p['order']}还没到",
    }
    body, headers = signed_chat(chat)
    opened = requests.post(f"{logged.url}/webhooks/chat", data=body, headers=headers, timeout=60)
    assert opened.status_code == 202, opened.text
    inquiry_id = opened.json()["inquiry_id"]
    bad = requests.post(f"{logged.url}/webhooks/chat", data=body[:-3], headers=signed_chat(chat)[1], timeout=60)
    assert bad.status_code in (400, 401)

    mail = MIMEText(f"{p['name_zh']} here, my order {p['order']} to {p['address']}", "plain", "utf-8")
    mail["Subject"], mail["From"], mail["To"] = f"Order {p['order']}", p["email"], "support@shop.example"
    mail["Message-ID"] = f"<logs-{uuid.uuid4().hex}@example.net>"
    with smtplib.SMTP("127.0.0.1", int(logged.env["DESK_SMTP_PORT"]), timeout=60) as smtp:
        smtp.send_message(mail)

    agent, admin = logged.token("agent"), logged.token("admin")
    recorded = _api(
        logged,
        agent,
        "POST",
        "/api/inquiries",
        {
            "channel": "phone",
            "contact": p["phone"],
            "customer_name": p["name"],
            "description": f"called about {p['order']}",
            "voice_summary": f"{p['name_zh']} wants delivery to {p['address']}",
            "reference": f"call-{uuid.uuid4().hex[:8]}",
        },
    )
    assert recorded.status_code in (200, 201), recorded.text
    replied = _api(
        logged, agent, "POST", f"/api/inquiries/{inquiry_id}/actions", {"action": "reply", "text": f"{p['name']}您好"}
    )
    assert replied.status_code == 200, replied.text
    refused = _api(
        logged, agent, "POST", f"/api/inquiries/{inquiry_id}/actions", {"action": "assign", "owner": p["email"]}
    )
    assert refused.status_code in (400, 403)
    customer = _api(logged, agent, "GET", f"/api/inquiries/{inquiry_id}").json()["inquiry"]["customer_id"]
    erased = _api(logged, admin, "POST", f"/api/customers/{customer}/erase", {"reason": f"asked by {p['email']}"})
    assert erased.status_code == 200, erased.text
    time.sleep(3)  # the outbox and deadline timers run off the stream after the writes
    logged.stop()

    lines = Path(logged.log).read_text(encoding="utf-8", errors="replace").splitlines()
    assert any('"level"' in line for line in lines), "the run logged nothing: the scan would prove nothing"
    leaks = [(what, line[:300]) for line in lines for what, value in p.items() if value in line]
    assert not leaks, leaks[:5]
