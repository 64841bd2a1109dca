"""The local system as a user runs it: chats over HTTP fill the chat queue past 20, the monitor on
its rate(1 minute) rule raises the queue alert on the notifications topic (R3.4), and
`desk report daily` prints the day's report and writes its chart page (R9.2)."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import boto3
import pytest
import requests

from tests.conftest import signed_chat
from tests.e2e.conftest import RunningDesk, start_desk

N = 22
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _mid_morning_ahead() -> datetime:
    """The next 10:00 in Shanghai: the desk's clock starts there, so the test's two hours of desk time
    (60x) never cross the report day's midnight (at 23:59 real time the day would change under it)."""
    at = datetime.now(UTC).astimezone(SHANGHAI).replace(hour=10, minute=0, second=0, microsecond=0)
    while at <= datetime.now(UTC) + timedelta(minutes=1):
        at += timedelta(days=1)
    return at


@pytest.fixture(scope="module")
def fast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDesk]:
    # 60x: the rate(1 minute) monitor fires every real second
    start = _mid_morning_ahead()
    desk = start_desk(
        tmp_path_factory.mktemp("desk-reports"),
        {"DESK_CLOCK_SPEED": "60", "DESK_CLOCK_START": start.astimezone(UTC).isoformat()},
    )
    yield desk
    if desk.process.poll() is None:
        try:
            desk.stop()
        except subprocess.TimeoutExpired:  # saving at 60x on a loaded machine can outlast the wait
            desk.process.kill()


def _aws(desk: RunningDesk, service: str) -> tuple[dict, object]:
    info = json.loads((Path(desk.env["DESK_DATA_DIR"]) / "local.json").read_text())
    client = boto3.client(
        service,
        endpoint_url=info["endpoint"],
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    return info, client


def test_queue_alert_and_daily_report_on_the_local_system_R3_4_R9_2(fast: RunningDesk, tmp_path: Path) -> None:
    info, sqs = _aws(fast, "sqs")
    _, sns = _aws(fast, "sns")
    queue = sqs.create_queue(QueueName=f"supervisor-{uuid.uuid4().hex[:6]}")["QueueUrl"]  # type: ignore[attr-defined]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]  # type: ignore[attr-defined]
    sns.subscribe(  # type: ignore[attr-defined]
        TopicArn=info["outputs"]["NotificationsTopicArn"],
        Protocol="sqs",
        Endpoint=arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    tag = uuid.uuid4().hex[:6]
    for i in range(N):
        body, headers = signed_chat(
            {
                "message_id": f"e2e-rep-{tag}-{i}",
                "customer_id": f"e2e-{tag}-{i}",
                "text": "还没收到货 where is my parcel",
            }
        )
        got = requests.post(f"{fast.url}/webhooks/chat", data=body, headers=headers, timeout=30)
        assert got.status_code == 202, got.text
    # a redelivery: nothing new
    body, headers = signed_chat(
        {"message_id": f"e2e-rep-{tag}-0", "customer_id": f"e2e-{tag}-0", "text": "还没收到货 where is my parcel"}
    )
    assert requests.post(f"{fast.url}/webhooks/chat", data=body, headers=headers, timeout=30).status_code == 202

    alert = None
    deadline = time.monotonic() + 120
    while alert is None and time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1)  # type: ignore[attr-defined]
        for message in got.get("Messages", []):
            body = json.loads(message["Body"])
            if body.get("type") == "queue_alert" and body.get("channel") == "chat":
                alert = body
    assert alert is not None, "the monitor raised no queue alert"
    assert alert["waiting"] > 20 and alert["threshold"] == 20 and alert["handle_by"]

    clock = datetime.fromisoformat(requests.get(f"{fast.url}/health", timeout=10).json()["clock"])
    day = clock.astimezone(SHANGHAI).date().isoformat()  # the desk's day, not this machine's
    page = tmp_path / "daily.html"
    report = fast.desk("report", "daily", "--date", day, "--html", str(page))
    assert report.returncode == 0, report.stderr
    rows = [line for line in report.stdout.splitlines() if line.startswith("channel#chat")]
    assert rows, (day, report.stdout)
    chat_row = rows[0]
    assert chat_row.split()[1] == str(N)  # 22 received: the redelivery counted nothing
    assert "<svg" in page.read_text() and "channel#chat" in page.read_text()
    live = fast.desk("report", "live", "--json")
    chats = [c for c in json.loads(live.stdout)["channels"] if c["channel"] == "chat"]
    assert chats, live.stdout
    chat = chats[0]
    assert chat["waiting"] == N
