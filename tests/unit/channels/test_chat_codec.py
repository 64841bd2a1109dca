from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from inquiry_desk.channels import chat
from inquiry_desk.channels.config import ChatConfig
from inquiry_desk.channels.limits import MAX_WEBHOOK_BYTES
from inquiry_desk.errors import PayloadError, PayloadTooLarge, SignatureError
from inquiry_desk.model import Channel, Identity

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "channels"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


CONFIG = ChatConfig(secret="shop-chat-secret")  # type: ignore[arg-type]


def _sign(body: bytes, secret: str = "shop-chat-secret") -> dict[str, str]:
    return {"X-Desk-Signature": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def test_a_correctly_signed_body_verifies_whatever_the_header_case() -> None:
    body = fixture_bytes("chat_message.json")
    chat.verify_chat(_sign(body), body, CONFIG)
    chat.verify_chat({"x-desk-signature": _sign(body)["X-Desk-Signature"].upper()}, body, CONFIG)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing"),
        ({"X-Desk-Signature": ""}, "missing"),
        ({"X-Desk-Signature": "md5=abc"}, "sha256="),
        ({"X-Desk-Signature": "sha256=" + "0" * 64}, "does not match"),
        ({"X-Desk-Signature": "sha256=é"}, "does not match"),
    ],
)
def test_forged_or_missing_signatures_are_refused(headers: dict[str, str], reason: str) -> None:
    with pytest.raises(SignatureError, match=reason):
        chat.verify_chat(headers, fixture_bytes("chat_message.json"), CONFIG)


def test_a_body_altered_after_signing_or_signed_with_another_secret_is_refused() -> None:
    body = fixture_bytes("chat_message.json")
    with pytest.raises(SignatureError):
        chat.verify_chat(_sign(body), body.replace(b"cust-8812", b"cust-0001"), CONFIG)
    with pytest.raises(SignatureError):
        chat.verify_chat(_sign(body, "other-secret"), body, CONFIG)


def test_an_oversized_body_is_refused_before_anything_else() -> None:
    body = b"{" + b" " * MAX_WEBHOOK_BYTES + b"}"
    with pytest.raises(PayloadTooLarge):
        chat.verify_chat(_sign(body), body, CONFIG)
    with pytest.raises(PayloadTooLarge):
        chat.parse_chat(body)


def test_parses_the_widget_message() -> None:
    msg = chat.parse_chat(fixture_bytes("chat_message.json"))
    assert msg.channel is Channel.CHAT
    assert msg.channel_message_id == "msg-20240501-0001"
    assert msg.sender == Identity(kind="chat_customer", value="cust-8812")
    assert msg.other_identities == (Identity(kind="member", value="M-99001"),)
    assert msg.text == "你好，我的订单什么时候发货？"
    assert (msg.name, msg.contact, msg.order_number, msg.member_id) == (
        "李雷",
        "138-0013-8000",
        "TB20240501123",
        "M-99001",
    )
    assert msg.sent_at == datetime(2024, 5, 1, 2, 15, tzinfo=UTC)  # the sender's claim, shown only
    assert msg.attachments[0].url == "https://cdn.example-shop.com/u/screenshot.png"
    assert msg.attachments[0].size == 48213


def test_received_at_is_our_arrival_whatever_the_sender_claims(now: datetime) -> None:
    data = json.loads(fixture_bytes("chat_message.json"))
    data.pop("sent_at")
    assert chat.parse_chat(json.dumps(data).encode(), now=now).received_at == now
    data["sent_at"] = (now + timedelta(days=3000)).isoformat()
    parsed = chat.parse_chat(json.dumps(data).encode(), now=now)
    assert parsed.received_at == now and parsed.sent_at == now + timedelta(days=3000)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"customer_id": None}, "customer_id"),
        ({"message_id": ""}, "message_id"),
        ({"text": "", "attachments": []}, "needs text"),
        ({"sent_at": "2024-05-01T10:15:00"}, "time zone"),
        ({"attachments": [{"name": "x", "url": "javascript:alert(1)"}]}, "https"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_malformed_messages_are_refused_with_a_reason(change: dict[str, object], reason: str) -> None:
    data = json.loads(fixture_bytes("chat_message.json"))
    data.update(change)
    with pytest.raises(PayloadError, match=reason):
        chat.parse_chat(json.dumps(data).encode())


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_refused(body: bytes) -> None:
    with pytest.raises(PayloadError):
        chat.parse_chat(body)


def test_numeric_ids_are_accepted_as_strings() -> None:
    msg = chat.parse_chat(json.dumps({"message_id": 17, "customer_id": 42, "text": "hi"}).encode())
    assert (msg.channel_message_id, msg.sender.value) == ("17", "42")


def test_a_reply_is_signed_with_the_same_scheme(now: datetime) -> None:
    reply = chat.build_chat_reply("cust-8812", "已发货", message_id="M1", sent_at=now, in_reply_to="msg-1")
    assert reply == {
        "message_id": "M1",
        "customer_id": "cust-8812",
        "text": "已发货",
        "sent_at": "2024-05-01T02:00:00+00:00",
        "in_reply_to": "msg-1",
    }
    body = json.dumps(reply, ensure_ascii=False).encode()
    chat.verify_chat(chat.sign_chat(body, CONFIG), body, CONFIG)
