"""R1.3: one customer across channels; R10.1: language stored; email replies thread into their
inquiry (In-Reply-To / References, our subject token) and never open a second one."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from inquiry_desk.channels.email import parse_email
from inquiry_desk.model import Channel, Identity, InboundMessage

from tests.conftest import signed_chat
from tests.integration.conftest import agent_claims


def _receive(message: InboundMessage) -> Any:
    from inquiry_desk.runtime import composition

    return composition.receive(message)


def _sms(phone: str, text: str, at: datetime) -> InboundMessage:
    return InboundMessage(
        channel=Channel.SMS,
        channel_message_id=f"SM{uuid.uuid4().hex}",
        sender=Identity(kind="phone", value=phone),
        text=text,
        received_at=at,
    )


def _whatsapp(phone: str, text: str, at: datetime) -> InboundMessage:
    return InboundMessage(
        channel=Channel.WHATSAPP,
        channel_message_id=f"wamid.{uuid.uuid4().hex}",
        sender=Identity(kind="phone", value=phone),
        text=text,
        received_at=at,
    )


def test_R1_3_same_phone_on_sms_and_whatsapp_is_one_customer_with_history(runner: Any, stack: Any) -> None:
    from inquiry_desk.runtime import composition

    phone = f"+8613{uuid.uuid4().int % 10**9:09d}"
    now = datetime.now(UTC)
    first = _receive(_sms(phone, "物流到哪里了? where is my parcel", now - timedelta(days=3)))
    second = _receive(_whatsapp(phone, "The invoice is wrong", now))
    assert first.customer_id == second.customer_id
    assert first.inquiry_id != second.inquiry_id  # three days apart: outside the join window
    history = composition.repository().customer_inquiries(first.customer_id)
    assert {i.channel.value for i in history} == {"sms", "whatsapp"}


def test_R1_3_new_identity_is_linked_and_the_link_is_explained(runner: Any, stack: Any) -> None:
    from inquiry_desk.runtime import composition

    member = f"VIP-{uuid.uuid4().hex[:8]}"
    three_days_ago = datetime.now(UTC) - timedelta(days=3)
    body, headers = signed_chat(
        {
            "message_id": f"m-{uuid.uuid4()}",
            "customer_id": f"web-{uuid.uuid4()}",
            "member_id": member,
            "text": "hello",
        }
    )
    from desk_ops.local.front import api_gateway_event

    first = json.loads(
        runner.invoke("intake", api_gateway_event("POST", "/webhooks/chat", headers, body, None, "v1", three_days_ago))[
            "body"
        ]
    )
    # the same member signs in on another device: a new chat customer id, the same member id
    app_user = f"app-{uuid.uuid4()}"
    body, headers = signed_chat(
        {
            "message_id": f"m-{uuid.uuid4()}",
            "customer_id": app_user,
            "member_id": member,
            "text": "another question",
        }
    )
    second = json.loads(
        runner.invoke("intake", api_gateway_event("POST", "/webhooks/chat", headers, body, None, "v1"))["body"]
    )
    one = composition.repository().get(first["inquiry_id"])
    two = composition.repository().get(second["inquiry_id"])
    assert one is not None and two is not None and one.customer_id == two.customer_id
    timeline = composition.repository().timeline(second["inquiry_id"])
    assert timeline is not None
    assert second["inquiry_id"] != first["inquiry_id"]  # three days apart: a new inquiry, same customer
    classified = next(e for e in timeline.events if e.type.value == "classified")
    assert classified.data["linked_because"] == f"member#{member}"
    assert classified.data["linked_identities"] == [f"chat_customer#{app_user}"]
    assert composition.repository().customer_for(Identity(kind="chat_customer", value=app_user)) == one.customer_id


def test_R10_1_language_is_detected_and_stored(runner: Any, stack: Any) -> None:
    from inquiry_desk.runtime import composition

    zh = _receive(
        _sms(f"+8613{uuid.uuid4().int % 10**9:09d}", "您好，我的订单还没有发货，请帮我查一下物流。", datetime.now(UTC))
    )
    en = _receive(
        _sms(
            f"+1415{uuid.uuid4().int % 10**7:07d}",
            "Hello, my order has not arrived yet, please help.",
            datetime.now(UTC),
        )
    )
    assert composition.repository().get(zh.inquiry_id).language == "zh"  # type: ignore[union-attr]
    assert composition.repository().get(en.inquiry_id).language == "en"  # type: ignore[union-attr]


def _mail(subject: str, body: str, message_id: str, in_reply_to: str | None = None) -> bytes:
    mail = EmailMessage()
    mail["From"] = "Wang Fang <wang.fang@example.com>"
    mail["To"] = "support@shop.example"
    mail["Subject"] = subject
    mail["Message-ID"] = message_id
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
        mail["References"] = in_reply_to
    mail.set_content(body)
    return mail.as_bytes()


def test_R1_2_email_reply_threads_into_its_inquiry_and_reopens_a_resolved_one(runner: Any, stack: Any) -> None:
    from inquiry_desk.inquiries.lifecycle import Action
    from inquiry_desk.model import utc_now
    from inquiry_desk.runtime import composition

    tag = uuid.uuid4().hex[:8]
    first = _receive(parse_email(_mail("耳机坏了", "蓝牙连接不上", f"<a-{tag}@example.com>")).message)
    reply = parse_email(_mail("Re: 耳机坏了", "补充: 型号 X1", f"<b-{tag}@example.com>", f"<a-{tag}@example.com>"))
    second = _receive(reply.message)
    assert (second.inquiry_id, second.created) == (first.inquiry_id, False)

    composition.inquiry_service().act(first.inquiry_id, Action.RESOLVE, "agent", utc_now(), result="replaced")
    token_reply = parse_email(_mail(f"Re: 耳机坏了 [INQ-{first.inquiry_id}]", "还是不行", f"<c-{tag}@example.com>"))
    third = _receive(token_reply.message)
    assert third.inquiry_id == first.inquiry_id
    inquiry = composition.repository().get(first.inquiry_id)
    assert inquiry is not None and inquiry.status.value == "in_progress" and inquiry.episode == 2


def test_R1_3_an_automatic_link_can_be_undone_by_a_supervisor(runner: Any, stack: Any) -> None:
    from desk_ops.local.front import api_gateway_event
    from inquiry_desk.runtime import composition

    member = f"VIP-{uuid.uuid4().hex[:8]}"
    old = datetime.now(UTC) - timedelta(days=3)

    def chat(customer: str, text: str, at: datetime | None = None) -> str:
        payload = {"message_id": f"m-{uuid.uuid4()}", "customer_id": customer, "member_id": member, "text": text}
        body, headers = signed_chat(payload)
        result = runner.invoke("intake", api_gateway_event("POST", "/webhooks/chat", headers, body, None, "v1", at))
        return str(json.loads(result["body"])["inquiry_id"])

    first = chat(f"web-{uuid.uuid4()}", "hello", old)
    stranger = f"app-{uuid.uuid4()}"
    second = chat(stranger, "a question from a shared family account")
    customer = composition.repository().get(first).customer_id  # type: ignore[union-attr]
    assert composition.repository().get(second).customer_id == customer  # type: ignore[union-attr]

    def unlink(role: str) -> dict[str, Any]:
        body = json.dumps({"identity": f"chat_customer#{stranger}", "reason": "shared member id"}).encode()
        event = api_gateway_event(
            "POST",
            f"/api/customers/{customer}/unlink",
            {"Content-Type": "application/json"},
            body,
            agent_claims(f"lead-{role}", role),
            "v1",
        )
        result: dict[str, Any] = runner.invoke("console_api", event)
        return result

    assert unlink("agents")["statusCode"] == 403
    done = unlink("supervisors")
    assert done["statusCode"] == 200, done["body"]
    answer = json.loads(done["body"])
    assert answer["moved"] == [second] and answer["kept"] == []
    moved = composition.repository().get(second)
    assert moved is not None and moved.customer_id == answer["to_customer"] != customer
    assert composition.repository().get(first).customer_id == customer  # type: ignore[union-attr]
    assert (
        composition.repository().customer_for(Identity(kind="chat_customer", value=stranger)) == answer["to_customer"]
    )
    note = [e for e in composition.repository().timeline(second).events if e.type.value == "note"]  # type: ignore[union-attr]
    assert note and note[-1].data["reason"] == "shared member id"
