"""R1.1/R8.4: phone calls and in-store visits recorded by agents; two-way SMS through SNS."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import boto3
from desk_ops.local.front import api_gateway_event

from tests.integration.conftest import agent_claims

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "channels"


def _record(runner: Any, body: dict[str, Any]) -> dict[str, Any]:
    event = api_gateway_event(
        "POST",
        "/api/inquiries",
        {"Content-Type": "application/json"},
        json.dumps(body).encode(),
        agent_claims("agent-phone"),
        "v1",
    )
    result: dict[str, Any] = runner.invoke("console_api", event)
    return result


def test_R8_4_phone_call_recorded_with_voice_summary_once(runner: Any, stack: Any) -> None:
    from inquiry_desk.runtime import composition

    reference = f"call-{uuid.uuid4()}"
    body = {
        "channel": "phone",
        "contact": "138-0013-8000",
        "customer_name": "张伟",
        "order_number": "SO-5",
        "description": "退款还没到账",
        "voice_summary": "客户来电询问退款进度,情绪平稳",
        "reference": reference,
    }
    first = _record(runner, body)
    assert first["statusCode"] == 201, first["body"]
    inquiry_id = json.loads(first["body"])["inquiry_id"]
    again = _record(runner, body)
    # the same reference again: the original answer replayed, nothing recorded twice
    assert (again["statusCode"], json.loads(again["body"])["inquiry_id"]) == (201, inquiry_id)
    timeline = composition.repository().timeline(inquiry_id)
    assert timeline is not None
    assert timeline.inquiry.channel.value == "phone" and timeline.inquiry.contact == "138-0013-8000"
    [message] = timeline.messages
    assert message.metadata["voice_summary"].startswith("客户来电")
    assert message.metadata["recorded_by"] == "agent-phone"
    assert message.sender is not None and message.sender.value == "+8613800138000"


def test_R1_1_a_recorded_call_opens_its_own_inquiry_unless_linked(runner: Any, stack: Any) -> None:
    from inquiry_desk.model import Identity
    from inquiry_desk.runtime import composition

    number = f"+1206{uuid.uuid4().int % 10**7:07d}"
    envelope = json.loads((FIXTURES / "aws_sms_sns.json").read_text())
    inner = json.loads(envelope["Message"]) | {"inboundMessageId": str(uuid.uuid4()), "originationNumber": number}
    boto3.client("sns", region_name="us-east-1").publish(
        TopicArn=stack.outputs["InboundSmsTopicArn"], Message=json.dumps(inner)
    )
    customer = composition.repository().customer_for(Identity(kind="phone", value=number))
    [sms] = composition.repository().customer_inquiries(customer)
    call = {"channel": "phone", "contact": number, "customer_name": "张伟", "description": "电话: 换货"}
    own = json.loads(_record(runner, call | {"reference": f"call-{uuid.uuid4()}"})["body"])["inquiry_id"]
    assert own != sms.inquiry_id  # not silently joined to the SMS inquiry of the same number
    opened = composition.repository().get(own)
    assert opened is not None and opened.customer_name == "张伟" and opened.customer_id == customer
    linked = _record(runner, call | {"reference": f"call-{uuid.uuid4()}", "link_to": sms.inquiry_id})
    assert json.loads(linked["body"])["inquiry_id"] == sms.inquiry_id


def test_in_store_visit_without_contact_and_bad_contact_is_400(runner: Any, stack: Any) -> None:
    ok = _record(runner, {"channel": "in_store", "description": "想看看新款耳机 (pre-sales)"})
    assert ok["statusCode"] == 201
    bad = _record(runner, {"channel": "phone", "description": "x", "contact": "call me maybe"})
    assert bad["statusCode"] == 400 and "contact" in json.loads(bad["body"])["reason"]
    wrong = _record(runner, {"channel": "fax", "description": "x"})
    assert wrong["statusCode"] == 422


def test_R1_1_two_way_sms_via_sns_reaches_intake(runner: Any, stack: Any) -> None:
    from inquiry_desk.model import Identity
    from inquiry_desk.runtime import composition

    envelope = json.loads((FIXTURES / "aws_sms_sns.json").read_text())
    inner = json.loads(envelope["Message"])
    inner["inboundMessageId"] = str(uuid.uuid4())
    inner["originationNumber"] = f"+1206{uuid.uuid4().int % 10**7:07d}"
    boto3.client("sns", region_name="us-east-1").publish(
        TopicArn=stack.outputs["InboundSmsTopicArn"], Message=json.dumps(inner)
    )
    customer = composition.repository().customer_for(Identity(kind="phone", value=inner["originationNumber"]))
    assert customer is not None
    [inquiry] = composition.repository().customer_inquiries(customer)
    assert inquiry.channel.value == "sms" and inquiry.description == inner["messageBody"]
