"""Messenger, Instagram and WhatsApp webhooks.

Payloads follow Meta's published examples (see tests/fixtures/channels/README.md):
Messenger "messages" webhook event reference
(developers.facebook.com/documentation/business-messaging/messenger-platform/webhooks/webhook-events/messages),
WhatsApp "messages" webhook reference
(developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages),
Instagram webhook examples (developers.facebook.com/docs/instagram-platform/webhooks/examples/).
Meta publishes no signature test vector; X-Hub-Signature-256 is the same scheme as GitHub's,
whose documented vector is used (docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from inquiry_desk.channels import meta
from inquiry_desk.channels.config import MetaConfig
from inquiry_desk.channels.limits import MAX_WEBHOOK_BYTES
from inquiry_desk.errors import PayloadError, PayloadTooLarge, SignatureError
from inquiry_desk.model import Channel, Identity

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "channels"
CONFIG = MetaConfig(app_secret="meta-app-secret", verify_token="verify-me")  # type: ignore[arg-type]


def sample(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def signed(body: bytes, secret: str = "meta-app-secret") -> dict[str, str]:
    return {"X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def test_the_published_x_hub_signature_256_vector() -> None:
    github = MetaConfig(app_secret="It's a Secret to Everybody", verify_token="x")  # type: ignore[arg-type]
    headers = {"X-Hub-Signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"}
    meta.verify_meta(headers, b"Hello, World!", github)
    with pytest.raises(SignatureError):
        meta.verify_meta(headers, b"Hello, World?", github)


def test_a_signed_webhook_verifies_and_a_forged_one_does_not() -> None:
    body = sample("meta_messenger_text.json")
    meta.verify_meta(signed(body), body, CONFIG)
    meta.verify_meta({"x-hub-signature-256": signed(body)["X-Hub-Signature-256"]}, body, CONFIG)
    with pytest.raises(SignatureError, match="does not match"):
        meta.verify_meta(signed(body, "another-app"), body, CONFIG)
    with pytest.raises(SignatureError, match="missing"):
        meta.verify_meta({"X-Hub-Signature": "sha1=abc"}, body, CONFIG)


def test_an_oversized_webhook_is_refused() -> None:
    body = b" " * (MAX_WEBHOOK_BYTES + 1)
    with pytest.raises(PayloadTooLarge):
        meta.verify_meta(signed(body), body, CONFIG)
    with pytest.raises(PayloadTooLarge):
        meta.parse_meta(body)


def test_subscription_handshake_returns_the_challenge() -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"}
    assert meta.verify_meta_subscription(query, CONFIG) == "1158201444"
    with pytest.raises(SignatureError):
        meta.verify_meta_subscription({**query, "hub.verify_token": "guess"}, CONFIG)
    with pytest.raises(PayloadError):
        meta.verify_meta_subscription({**query, "hub.mode": "unsubscribe"}, CONFIG)
    with pytest.raises(PayloadError):
        meta.verify_meta_subscription({**query, "hub.challenge": ""}, CONFIG)


def test_messenger_messages_skip_echoes_deliveries_and_reads() -> None:
    messages = meta.parse_meta(sample("meta_messenger_text.json"))
    assert [m.channel_message_id for m in messages] == [
        "mid.1457764197618:41d102a3e1ae206a38",
        "mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_c",
    ]
    text, image = messages
    assert text.channel is Channel.MESSENGER
    assert text.sender == Identity(kind="messenger_psid", value="1254459154682919")
    assert text.text == "hello, world!"
    assert text.sent_at == datetime.fromtimestamp(1458692752.478, UTC)
    assert text.metadata["quick_reply"] == "DEVELOPER_DEFINED_PAYLOAD"
    assert image.text == ""
    assert image.attachments[0].url == "https://scontent.xx.fbcdn.net/v/photo.jpg"
    assert image.attachments[0].content_type == "image/*"


def test_instagram_messages() -> None:
    [msg] = meta.parse_meta(sample("meta_instagram_text.json"))
    assert msg.channel is Channel.INSTAGRAM
    assert msg.sender == Identity(kind="instagram_igsid", value="1914016258866589")
    assert msg.text == "Is the blue one in stock?"


def test_whatsapp_text_message() -> None:
    [msg] = meta.parse_meta(sample("meta_whatsapp_text.json"))
    assert msg.channel is Channel.WHATSAPP
    assert msg.channel_message_id == "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA="
    assert msg.sender == Identity(kind="phone", value="+16505551234")
    assert (msg.name, msg.contact) == ("Sheena Nelson", "+16505551234")
    assert msg.text == "Does it come in another color?"
    assert msg.sent_at == datetime.fromtimestamp(1749416383, UTC)
    assert msg.metadata["phone_number_id"] == "106540352242922"


def test_whatsapp_statuses_are_not_messages() -> None:
    assert meta.parse_meta(sample("meta_whatsapp_status.json")) == []


def test_whatsapp_media_interactive_and_reaction_messages() -> None:
    data = json.loads(sample("meta_whatsapp_text.json"))
    value = data["entry"][0]["changes"][0]["value"]
    value["messages"] = [
        {"from": "8613800138000", "id": "wamid.A", "timestamp": "1", "type": "image",
         "image": {"id": "1479537139650973", "mime_type": "image/jpeg", "caption": "破损的包装"}},
        {"from": "8613800138000", "id": "wamid.B", "timestamp": "2", "type": "interactive",
         "interactive": {"type": "button_reply", "button_reply": {"id": "yes", "title": "Yes"}}},
        {"from": "8613800138000", "id": "wamid.C", "timestamp": "3", "type": "reaction",
         "reaction": {"message_id": "wamid.A", "emoji": "👍"}},
    ]  # fmt: skip
    image, button = meta.parse_meta(json.dumps(data).encode())
    assert image.sender.value == "+8613800138000"
    assert image.text == "破损的包装"
    assert image.attachments[0].url == "whatsapp-media:1479537139650973"
    assert image.attachments[0].content_type == "image/jpeg"
    assert button.text == "Yes"


WA_NO_FROM = {"messages": [{"id": "w", "type": "text"}]}
WA_BAD_FROM = {"messages": [{"id": "w", "from": "12", "type": "text"}]}


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"object": "user", "entry": []}, "unsupported object"),
        ({"object": "page", "entry": {}}, "entry"),
        (
            {"object": "page", "entry": [{"messaging": [{"sender": {"id": "1"}, "message": {"text": "x"}}]}]},
            "mid",
        ),
        ({"object": "whatsapp_business_account", "entry": [{"changes": [{"value": WA_NO_FROM}]}]}, "from"),
        ({"object": "whatsapp_business_account", "entry": [{"changes": [{"value": WA_BAD_FROM}]}]}, "phone"),
    ],
)
def test_malformed_webhooks_are_refused_with_a_reason(payload: dict[str, object], reason: str) -> None:
    with pytest.raises(PayloadError, match=reason):
        meta.parse_meta(json.dumps(payload).encode())


def test_messenger_reply_body() -> None:
    assert meta.build_meta_replies(Channel.MESSENGER, "1254459154682919", "Hi there") == [
        {
            "recipient": {"id": "1254459154682919"},
            "messaging_type": "RESPONSE",
            "message": {"text": "Hi there"},
        }
    ]


def test_whatsapp_reply_body() -> None:
    assert meta.build_meta_replies(Channel.WHATSAPP, "+16505551234", "Yes, in blue.") == [
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+16505551234",
            "type": "text",
            "text": {"preview_url": False, "body": "Yes, in blue."},
        }
    ]


def test_long_replies_are_split_within_the_platform_limit() -> None:
    text = "\n\n".join(f"Paragraph {i}: " + "word " * 60 for i in range(20))
    bodies = meta.build_meta_replies(Channel.INSTAGRAM, "1914016258866589", text)
    chunks = [b["message"]["text"] for b in bodies]
    assert len(chunks) > 1 and all(len(c) <= 1000 for c in chunks)
    assert " ".join(" ".join(chunks).split()) == " ".join(text.split())
    assert meta.split_text("x" * 2500, 1000) == ["x" * 1000, "x" * 1000, "x" * 500]
    with pytest.raises(ValueError):
        meta.build_meta_replies(Channel.SMS, "+1", "x")
