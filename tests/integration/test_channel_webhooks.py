"""R1.1/R1.2/R8.2: every channel's webhook checks its provider's real signature scheme, records the
provider's published sample once, and refuses forged requests without storing anything."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from desk_ops.local.front import api_gateway_event
from desk_ops.local.harness import drain_streams
from inquiry_desk.channels.config import ChannelsConfig
from inquiry_desk.channels.twilio import compute_twilio_signature
from inquiry_desk.channels.wechat import encrypt_wechat, wechat_signature

from tests.conftest import CHANNELS_FILE
from tests.integration.conftest import table_writes

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "channels"
CONFIG = ChannelsConfig.model_validate(
    {k: v for k, v in json.loads(CHANNELS_FILE.read_text()).items() if not k.startswith("$")}
)


def _call(runner: Any, method: str, path: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    result: dict[str, Any] = runner.invoke("intake", api_gateway_event(method, path, headers, body, None, "v1"))
    return result


def _inquiries_of(kind: str, value: str) -> list[Any]:
    """The inquiries of the customer known by this identity (R1.3: found by their channel identity)."""
    from inquiry_desk.model import Identity
    from inquiry_desk.runtime import composition

    customer = composition.repository().customer_for(Identity(kind=kind, value=value))
    return composition.repository().customer_inquiries(customer) if customer else []


def _wechat_query(extra: dict[str, str] | None = None) -> str:
    assert CONFIG.wechat is not None
    timestamp, nonce = str(int(time.time())), "n0nce"
    signature = wechat_signature(CONFIG.wechat.token.get_secret_value(), timestamp, nonce)
    return urlencode({"signature": signature, "timestamp": timestamp, "nonce": nonce, **(extra or {})})


def test_R1_1_wechat_url_verification_echoes_and_forgery_is_refused(runner: Any, stack: Any) -> None:
    ok = _call(runner, "GET", f"/webhooks/wechat?{_wechat_query({'echostr': 'hello123'})}", b"", {})
    assert (ok["statusCode"], ok["body"]) == (200, "hello123")
    bad = _call(runner, "GET", "/webhooks/wechat?signature=abc&timestamp=1&nonce=2&echostr=x", b"", {})
    assert bad["statusCode"] == 401


def test_R1_1_wechat_plain_text_recorded_once_with_passive_reply(runner: Any, stack: Any, dynamodb: Any) -> None:
    xml = (FIXTURES / "wechat_text.xml").read_bytes()
    first = _call(runner, "POST", f"/webhooks/wechat?{_wechat_query()}", xml, {"Content-Type": "text/xml"})
    assert first["statusCode"] == 200 and "<xml>" in first["body"] and "CDATA" in first["body"]
    drain_streams()  # the first delivery's report counters are written by the stream consumer
    with table_writes(stack.table) as writes:
        again = _call(runner, "POST", f"/webhooks/wechat?{_wechat_query()}", xml, {"Content-Type": "text/xml"})
    assert again["statusCode"] == 200
    assert writes == []  # WeChat's retry changes nothing
    sender = xml.decode().split("<FromUserName><![CDATA[")[1].split("]]>")[0]
    wechat = _inquiries_of("wechat_openid", sender)
    assert [i.channel.value for i in wechat] == ["wechat"]


def test_R8_2_wechat_safe_mode_decrypts_and_seals_the_reply(runner: Any, stack: Any) -> None:
    assert CONFIG.wechat is not None
    inner = (FIXTURES / "wechat_text.xml").read_text().replace("<MsgId>", "<MsgId>9")
    encrypt = encrypt_wechat(inner, CONFIG.wechat)
    timestamp, nonce = str(int(time.time())), "abc"
    msg_signature = wechat_signature(CONFIG.wechat.token.get_secret_value(), timestamp, nonce, encrypt)
    query = urlencode(
        {
            "encrypt_type": "aes",
            "msg_signature": msg_signature,
            "timestamp": timestamp,
            "nonce": nonce,
            "signature": wechat_signature(CONFIG.wechat.token.get_secret_value(), timestamp, nonce),
        }
    )
    body = f"<xml><ToUserName><![CDATA[gh_x]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()
    got = _call(runner, "POST", f"/webhooks/wechat?{query}", body, {})
    assert got["statusCode"] == 200 and "<Encrypt>" in got["body"] and "<MsgSignature>" in got["body"]
    tampered = body.replace(encrypt[:8].encode(), b"AAAAAAAA")
    assert _call(runner, "POST", f"/webhooks/wechat?{query}", tampered, {})["statusCode"] == 401


def test_R1_1_wechat_xml_bomb_is_refused(runner: Any, stack: Any) -> None:
    got = _call(
        runner, "POST", f"/webhooks/wechat?{_wechat_query()}", (FIXTURES / "wechat_xml_bomb.xml").read_bytes(), {}
    )
    assert got["statusCode"] == 400


def _meta_headers(body: bytes) -> dict[str, str]:
    assert CONFIG.meta is not None
    digest = hmac.new(CONFIG.meta.app_secret.get_secret_value().encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}


def test_R1_1_meta_handshake_and_signed_samples(runner: Any, stack: Any) -> None:
    assert CONFIG.meta is not None
    token = CONFIG.meta.verify_token.get_secret_value()
    handshake = urlencode({"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "1158201444"})
    hs = _call(runner, "GET", f"/webhooks/meta?{handshake}", b"", {})
    assert (hs["statusCode"], hs["body"]) == (200, "1158201444")
    for sample, channel in (
        ("meta_messenger_text.json", "messenger"),
        ("meta_whatsapp_text.json", "whatsapp"),
        ("meta_instagram_text.json", "instagram"),
    ):
        body = (FIXTURES / sample).read_bytes()
        got = _call(runner, "POST", "/webhooks/meta", body, _meta_headers(body))
        assert got["statusCode"] == 200, got["body"]
        ids = json.loads(got["body"])["inquiry_ids"]
        assert ids
        from inquiry_desk.runtime import composition

        stored = composition.repository().get(ids[0])
        assert stored is not None and stored.channel.value == channel
    forged = (FIXTURES / "meta_whatsapp_text.json").read_bytes()
    got = _call(runner, "POST", "/webhooks/meta", forged, {"X-Hub-Signature-256": "sha256=" + "0" * 64})
    assert got["statusCode"] == 401


def test_R1_1_twilio_sms_signed_over_the_full_url(runner: Any, stack: Any) -> None:
    assert CONFIG.twilio is not None
    body = (FIXTURES / "twilio_sms.txt").read_bytes().strip()
    # Twilio's sample, addressed to our (configured) account
    params = [
        (k, CONFIG.twilio.account_sid or v) if k == "AccountSid" else (k, v)
        for k, v in parse_qsl(body.decode(), keep_blank_values=True)
    ]
    body = urlencode(params).encode()
    url = "https://desk.example.com/webhooks/twilio"
    signature = compute_twilio_signature(CONFIG.twilio.auth_token.get_secret_value(), url, params)
    headers = {
        "Host": "desk.example.com",
        "X-Forwarded-Proto": "https",
        "X-Twilio-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    got = _call(runner, "POST", "/webhooks/twilio", body, headers)
    assert got["statusCode"] == 200 and "<Response" in got["body"]
    sms = _inquiries_of("phone", dict(params)["From"])
    assert sms and sms[0].description.startswith("Where is my order")
    wrong_host = {**headers, "Host": "evil.example.com"}
    assert _call(runner, "POST", "/webhooks/twilio", body, wrong_host)["statusCode"] == 401


def test_R1_1_marketplace_signed_with_timestamp_and_stale_refused(runner: Any, stack: Any, dynamodb: Any) -> None:
    assert CONFIG.marketplace is not None
    body = (FIXTURES / "marketplace_tmall.json").read_bytes()
    secret = CONFIG.marketplace.secret.get_secret_value().encode()

    def headers(ts: int) -> dict[str, str]:
        digest = hmac.new(secret, f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
        return {"X-Desk-Timestamp": str(ts), "X-Desk-Signature": f"sha256={digest}", "Content-Type": "application/json"}

    got = _call(runner, "POST", "/webhooks/marketplace", body, headers(int(time.time())))
    assert got["statusCode"] == 202, got["body"]
    drain_streams()
    with table_writes(stack.table) as writes:
        stale = _call(runner, "POST", "/webhooks/marketplace", body, headers(int(time.time()) - 600))
    assert stale["statusCode"] == 401 and "stale" in json.loads(stale["body"])["reason"]
    assert writes == []


def test_unconfigured_or_unknown_channel_is_refused(runner: Any, stack: Any) -> None:
    got = _call(runner, "POST", "/webhooks/fax", b"{}", {})
    assert got["statusCode"] == 404
