"""The local channel sink answers like the providers and keeps what each customer received."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from desk_ops.local.sink import OUTBOX_FILE, ChannelSink, read_records
from inquiry_desk.channels.chat import build_chat_reply
from inquiry_desk.channels.meta import build_meta_replies
from inquiry_desk.channels.wechat import build_wechat_customer_message
from inquiry_desk.model import Channel


def _json(answer: tuple[int, str, bytes] | None) -> tuple[int, Any]:
    assert answer is not None
    status, content_type, body = answer
    assert content_type == "application/json"
    return status, json.loads(body)


def test_other_paths_are_not_the_sinks() -> None:
    assert ChannelSink().handle("GET", "/health", {}, b"") is None
    assert ChannelSink().handle("POST", "/webhooks/chat", {}, b"{}") is None


def test_wechat_token_then_customer_service_message(tmp_path: Path) -> None:
    sink = ChannelSink(tmp_path)
    status, token = _json(
        sink.handle("GET", "/_sink/wechat/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=s", {}, b"")
    )
    assert status == 200 and token["access_token"] and token["expires_in"] == 7200
    body = json.dumps(build_wechat_customer_message("oXyz", "您好，已发货"), ensure_ascii=False).encode()
    path = f"/_sink/wechat/cgi-bin/message/custom/send?access_token={token['access_token']}"
    assert _json(sink.handle("POST", path, {}, body)) == (200, {"errcode": 0, "errmsg": "ok"})
    [record] = sink.records()
    assert (record["channel"], record["to"], record["text"]) == ("wechat", "oXyz", "您好，已发货")
    assert read_records(tmp_path) == [record]
    assert (tmp_path / OUTBOX_FILE).read_text(encoding="utf-8").count("\n") == 1


def test_meta_messenger_and_whatsapp_shapes() -> None:
    sink = ChannelSink()
    [messenger] = build_meta_replies(Channel.MESSENGER, "2456", "hi")
    status, answer = _json(
        sink.handle("POST", "/_sink/meta/me/messages?access_token=t", {}, json.dumps(messenger).encode())
    )
    assert status == 200 and answer["recipient_id"] == "2456" and answer["message_id"].startswith("m_")
    [whatsapp] = build_meta_replies(Channel.WHATSAPP, "+8613800138000", "hi")
    status, answer = _json(sink.handle("POST", "/_sink/meta/1065/messages", {}, json.dumps(whatsapp).encode()))
    assert status == 200 and answer["messaging_product"] == "whatsapp"
    assert answer["contacts"][0]["wa_id"] == "8613800138000" and answer["messages"][0]["id"].startswith("wamid.")
    assert [r["channel"] for r in sink.records()] == ["messenger", "whatsapp"]


def test_twilio_messages_json_is_201_with_a_sid() -> None:
    sink = ChannelSink()
    form = b"To=%2B8613800138000&From=%2B15550001111&Body=shipped"
    status, answer = _json(sink.handle("POST", "/_sink/twilio/2010-04-01/Accounts/AC1/Messages.json", {}, form))
    assert status == 201 and answer["sid"].startswith("SM") and answer["status"] == "queued"
    assert sink.records()[0]["to"] == "+8613800138000" and sink.records()[0]["text"] == "shipped"


def test_chat_and_marketplace_callbacks_are_recorded() -> None:
    from datetime import UTC, datetime

    sink = ChannelSink()
    chat = build_chat_reply("cust-42", "hello", message_id="M1", sent_at=datetime.now(UTC))
    assert _json(sink.handle("POST", "/_sink/chat/callback", {}, json.dumps(chat).encode()))[0] == 200
    market = {"marketplace": "jd", "buyer_id": "b-9", "message_id": "M2", "text": "ok"}
    assert _json(sink.handle("POST", "/_sink/marketplace/callback", {}, json.dumps(market).encode()))[0] == 200
    assert [(r["channel"], r["to"]) for r in sink.records()] == [("chat", "cust-42"), ("marketplace", "jd:b-9")]


def test_failures_can_be_injected_and_bad_requests_are_400() -> None:
    sink = ChannelSink()
    sink.fail_next("chat", 500)
    body = json.dumps({"customer_id": "c", "text": "x"}).encode()
    assert _json(sink.handle("POST", "/_sink/chat/callback", {}, body))[0] == 500
    assert _json(sink.handle("POST", "/_sink/chat/callback", {}, body))[0] == 200
    assert _json(sink.handle("POST", "/_sink/chat/callback", {}, b"not json"))[0] == 400
    assert _json(sink.handle("GET", "/_sink/nowhere", {}, b""))[0] == 404
    assert len(sink.records()) == 1
