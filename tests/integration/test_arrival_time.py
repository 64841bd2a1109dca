"""Received means received by us (R2, R3.1): the moment our front got a message starts every
deadline; the sender's own clock is kept as `sent_at` for display and noted when far off."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import boto3
import pytest
from desk_ops.local.front import api_gateway_event
from desk_ops.local.harness import drain_streams
from desk_ops.local.smtp import ses_event
from inquiry_desk.model import set_clock

from infra import names
from infra.names import MAIL_PREFIX
from tests.conftest import signed_chat


@pytest.fixture
def clock() -> Iterator[list[datetime]]:
    now = [datetime.now(UTC).replace(microsecond=0)]
    set_clock(lambda: now[0])
    yield now
    set_clock(None)


def _mail_dated(sent: datetime) -> bytes:
    mail = EmailMessage()
    mail["From"] = f"buyer-{uuid.uuid4().hex[:6]}@example.com"
    mail["To"] = "support@shop.example"
    mail["Subject"] = "投诉 complaint: parcel never came"
    mail["Message-ID"] = f"<{uuid.uuid4().hex}@example.com>"
    mail["Date"] = format_datetime(sent)
    mail.set_content("The parcel never came.")
    return mail.as_bytes()


def _send_mail(runner: Any, stack: Any, raw: bytes) -> str:
    mail_id = uuid.uuid4().hex
    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket=stack.outputs[names.OUT_MAIL_BUCKET], Key=f"{MAIL_PREFIX}{mail_id}", Body=raw
    )
    arn = stack.functions["intake_email"]["FunctionArn"]
    result = runner.invoke("intake_email", ses_event(mail_id, raw, "x@example.com", ["support@shop.example"], arn))
    drain_streams()
    return str(result["results"][0]["inquiry_id"])


@pytest.mark.parametrize("years", [7, -6], ids=["dated-2033", "dated-2020"])
def test_R2_email_dated_far_off_gets_deadlines_from_its_arrival(
    runner: Any, stack: Any, clock: list[datetime], years: int
) -> None:
    from inquiry_desk.runtime import composition

    arrived = clock[0]
    claimed = arrived.replace(year=arrived.year + years)
    inquiry_id = _send_mail(runner, stack, _mail_dated(claimed))

    timeline = composition.repository().timeline(inquiry_id)
    assert timeline is not None
    inquiry = timeline.inquiry
    assert inquiry.received_at == arrived  # SES's receipt time, not the Date header
    assert inquiry.next_deadline_at is not None
    assert arrived < inquiry.next_deadline_at <= arrived + timedelta(days=2)
    [message] = timeline.messages
    assert message.at == arrived and message.sent_at == claimed  # shown, never used
    [note] = [e for e in timeline.events if e.type.value == "note" and "sent_at" in e.data]
    assert "deadlines run from arrival" in note.data["text"]
    assert ("ahead of" if years > 0 else "behind") in note.data["text"]
    # it is listed among recent inquiries (recent by arrival), not lost in 2020 or 2033
    assert inquiry_id in [i.inquiry_id for i in composition.repository().recent(arrived - timedelta(minutes=1), 500)]
    # no deadline breached at once, none left for 2033: the first one is armed from arrival
    assert not [e for e in timeline.events if e.type.value == "deadline_breached"]


def test_R2_chat_sent_at_is_display_only_and_api_gateway_time_starts_the_clock(
    runner: Any, stack: Any, clock: list[datetime]
) -> None:
    from inquiry_desk.runtime import composition

    arrived = clock[0]
    body, headers = signed_chat(
        {
            "message_id": f"m-{uuid.uuid4()}",
            "customer_id": f"c-{uuid.uuid4()}",
            "text": "where is my order?",
            "sent_at": (arrived - timedelta(days=900)).isoformat(),
        }
    )
    event = api_gateway_event("POST", "/webhooks/chat", headers, body, None, "v1")
    event["requestContext"]["requestTimeEpoch"] = int((arrived - timedelta(seconds=3)).timestamp() * 1000)
    result = runner.invoke("intake", event)
    assert result["statusCode"] == 202, result["body"]
    inquiry = composition.repository().get(json.loads(result["body"])["inquiry_id"])
    assert inquiry is not None
    assert inquiry.received_at == arrived - timedelta(seconds=3)  # API Gateway's requestTimeEpoch
    assert inquiry.next_deadline_at == inquiry.received_at + timedelta(seconds=30)  # R2.1 chat: 30 s


def test_R2_sms_arrival_is_the_sns_publish_time(runner: Any, stack: Any, clock: list[datetime]) -> None:
    from inquiry_desk.runtime import composition

    published = clock[0] - timedelta(seconds=5)
    text = {
        "originationNumber": f"+1415{uuid.uuid4().int % 10**7:07d}",
        "destinationNumber": "+15550001111",
        "messageBody": "where is my refund",
        "inboundMessageId": str(uuid.uuid4()),
    }
    event = {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:sms:1",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": str(uuid.uuid4()),
                    "TopicArn": "arn:aws:sns:us-east-1:123456789012:sms",
                    "Message": json.dumps(text),
                    "Timestamp": published.isoformat().replace("+00:00", "Z"),
                    "SignatureVersion": "1",
                    "Signature": "x",
                    "SigningCertUrl": "x",
                    "UnsubscribeUrl": "x",
                    "MessageAttributes": {},
                },
            }
        ]
    }
    [inquiry_id] = runner.invoke("intake_sms", event)["inquiry_ids"]
    inquiry = composition.repository().get(inquiry_id)
    assert inquiry is not None and inquiry.received_at == published
