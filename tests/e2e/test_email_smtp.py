"""Email through the SES path on the local system: smtplib -> S3 -> intake_email (R1.1, R1.2)."""

from __future__ import annotations

import json
import smtplib
import time
from email.message import EmailMessage
from email.mime.text import MIMEText

from tests.e2e.conftest import RunningDesk


def _smtp_port(running: RunningDesk) -> int:
    info = json.loads((running.log.parent / "local.json").read_text())
    return int(info["smtp_port"])


def _inquiries(running: RunningDesk) -> list[dict[str, object]]:
    listed = running.desk("inquiries", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    return list(json.loads(listed.stdout)["inquiries"])


def _wait_for(running: RunningDesk, predicate: object, seconds: float = 20) -> list[dict[str, object]]:
    deadline = time.monotonic() + seconds
    while True:
        found = [i for i in _inquiries(running) if predicate(i)]  # type: ignore[operator]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def test_R1_1_gb2312_mail_opens_inquiry_once_and_auto_reply_is_ignored(running: RunningDesk) -> None:
    port = _smtp_port(running)
    mail = MIMEText("您好，我买的耳机蓝牙连接不上，订单号 SO-88。", "plain", "gb2312")
    mail["Subject"] = "=?gb2312?B?" + __import__("base64").b64encode("耳机故障".encode("gb2312")).decode() + "?="
    mail["From"] = "Wang Fang <Wang.Fang@Example.com>"
    mail["To"] = "support@shop.example"
    mail["Message-ID"] = "<gb-1@example.com>"
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.send_message(mail)
        smtp.send_message(mail)  # the same mail delivered twice: one inquiry

    found = _wait_for(running, lambda i: i["channel"] == "email" and "耳机" in str(i["description"]))
    assert len(found) == 1
    assert found[0]["subject"] == "耳机故障"

    bounce = EmailMessage()
    bounce["From"] = "MAILER-DAEMON@example.com"
    bounce["To"] = "support@shop.example"
    bounce["Subject"] = "Undelivered Mail Returned to Sender"
    bounce["Auto-Submitted"] = "auto-replied"
    bounce["Message-ID"] = "<bounce-1@example.com>"
    bounce.set_content("This is the mail system at host example.com.")
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.send_message(bounce)
    time.sleep(1)
    assert not [i for i in _inquiries(running) if "Undelivered" in str(i.get("subject"))]
