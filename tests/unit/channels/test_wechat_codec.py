"""WeChat official account codec.

Test vectors are WeChat's own: the 消息加解密 sample code published with the official account
docs (developers.weixin.qq.com/doc/offiaccount/Message_Management/
Message_encryption_and_decryption_instructions.html, sample download "WXBizMsgCrypt"):
* WXBizMsgCryptTest.java: token "pamtest", EncodingAESKey
  "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", appid "wxb11529c136998cb6", random
  "aaaabbbbccccdddd" -> the `afterAesEncrypt` values below;
* Sample.py: token "spamtest", appid "wx2c2769f8efd9abc2", timestamp "1409735669", nonce
  "1320562132", msg_signature "5d197aaffba7e9b25a30732f161a50dee96bd5fa" over the `from_xml`
  in tests/fixtures/channels/wechat_official_sample_encrypted.xml.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import defusedxml.ElementTree as SafeET
import pytest
from inquiry_desk.channels import wechat
from inquiry_desk.channels.config import WeChatConfig
from inquiry_desk.channels.limits import MAX_WEBHOOK_BYTES
from inquiry_desk.errors import ChannelNotConfigured, PayloadError, PayloadTooLarge, SignatureError
from inquiry_desk.model import Channel, Identity

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "channels"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

PAMTEST = WeChatConfig(token="pamtest", app_id="wxb11529c136998cb6", aes_key=AES_KEY)  # type: ignore[arg-type]
SPAMTEST = WeChatConfig(token="spamtest", app_id="wx2c2769f8efd9abc2", aes_key=AES_KEY)  # type: ignore[arg-type]
PLAIN = WeChatConfig(token="pamtest", app_id="wxb11529c136998cb6")  # type: ignore[arg-type]

REPLY_MSG = "我是中文abcd123"
AFTER_AES_ENCRYPT = "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
REPLY_MSG_2 = (
    "<xml><ToUserName><![CDATA[oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw]]></ToUserName><FromUserName><![CDATA"
    "[gh_7f083739789a]]></FromUserName><CreateTime>1407743423</CreateTime><MsgType><![CDATA[video]]>"
    "</MsgType><Video><MediaId><![CDATA[eYJ1MbwPRJtOvIEabaxHs7TX2D-HV71s79GUxqdUkjm6Gs2Ed1KF3ulAOA9H1xG0"
    "]]></MediaId><Title><![CDATA[testCallBackReplyVideo]]></Title><Description><![CDATA["
    "testCallBackReplyVideo]]></Description></Video></xml>"
)
AFTER_AES_ENCRYPT_2 = (
    "jn1L23DB+6ELqJ+6bruv23M2GmYfkv0xBh2h+XTBOKVKcgDFHle6gqcZ1cZrk3e1qjPQ1F4RsLWzQRG9udbKWesxlkupqcEcW7"
    "ZQweImX9+wLMa0GaUzpkycA8+IamDBxn5loLgZpnS7fVAbExOkK5DYHBmv5tptA9tklE/fTIILHR8HLXa5nQvFb3tYPKAlHF3r"
    "tTeayNf0QuM+UW/wM9enGIDIJHF7CLHiDNAYxr+r+OrJCmPQyTy8cVWlu9iSvOHPT/77bZqJucQHQ04sq7KZI27OcqpQNSto2O"
    "dHCoTccjggX5Z9Mma0nMJBU+jLKJ38YB1fBIz+vBzsYjrTmFQ44YfeEuZ+xRTQwr92vhA9OxchWVINGC50qE/6lmkwWTwGX9wt"
    "QpsJKhP+oS7rvTY8+VdzETdfakjkwQ5/Xka042OlUb1/slTwo4RscuQ+RdxSGvDahxAJ6+EAjLt9d8igHngxIbf6YyqqROxuxq"
    "IeIch3CssH/LqRs+iAcILvApYZckqmA7FNERspKA5f8GoJ9sv8xmGvZ9Yrf57cExWtnX8aCMMaBropU/1k+hKP5LVdzbWCG0hG"
    "wx/dQudYR/eXp3P0XxjlFiy+9DMlaFExWUZQDajPkdPrEeOwofJb"
)
SAMPLE_QUERY = {
    "signature": "ignored-in-safe-mode",
    "timestamp": "1409735669",
    "nonce": "1320562132",
    "encrypt_type": "aes",
    "msg_signature": "5d197aaffba7e9b25a30732f161a50dee96bd5fa",
}


def sample(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def plain_query(token: str = "pamtest", timestamp: str = "1409304348", nonce: str = "xxxxxx") -> dict[str, str]:
    return {
        "signature": hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest(),
        "timestamp": timestamp,
        "nonce": nonce,
    }


# --- the official encryption vectors -------------------------------------------------------------


@pytest.mark.parametrize(("plain", "expected"), [(REPLY_MSG, AFTER_AES_ENCRYPT), (REPLY_MSG_2, AFTER_AES_ENCRYPT_2)])
def test_encryption_matches_the_official_sample(plain: str, expected: str) -> None:
    assert wechat.encrypt_wechat(plain, PAMTEST, random_prefix=b"aaaabbbbccccdddd") == expected
    assert wechat.decrypt_wechat(expected, PAMTEST).decode("utf-8") == plain


def test_the_official_encrypted_message_verifies_decrypts_and_parses() -> None:
    envelope = wechat.verify_wechat(SAMPLE_QUERY, sample("wechat_official_sample_encrypted.xml"), SPAMTEST)
    assert envelope.encrypted
    msg = wechat.parse_wechat(envelope.xml)
    assert msg is not None
    assert msg.channel is Channel.WECHAT
    assert msg.channel_message_id == "6054768590064713728"
    assert msg.sender == Identity(kind="wechat_openid", value="oyORnuP8q7ou2gfYjqLzSIWZf0rs")
    assert msg.text == "abcdteT"
    assert msg.sent_at == datetime.fromtimestamp(1409735668, UTC)
    assert msg.metadata["to_user"] == "gh_10f6c3c3ac5a"


def test_a_message_for_another_appid_is_refused() -> None:
    other = WeChatConfig(token="spamtest", app_id="wx0000000000000000", aes_key=AES_KEY)  # type: ignore[arg-type]
    with pytest.raises(SignatureError, match="another AppID"):
        wechat.verify_wechat(SAMPLE_QUERY, sample("wechat_official_sample_encrypted.xml"), other)


def test_a_wrong_aes_key_does_not_decrypt() -> None:
    other_key = WeChatConfig(token="spamtest", app_id="wx2c2769f8efd9abc2", aes_key="B" * 43)  # type: ignore[arg-type]
    with pytest.raises(SignatureError):
        wechat.verify_wechat(SAMPLE_QUERY, sample("wechat_official_sample_encrypted.xml"), other_key)


@pytest.mark.parametrize(
    "change",
    [
        {"msg_signature": "0" * 40},
        {"msg_signature": ""},
        {"timestamp": "1409735670"},
        {"nonce": "1320562133"},
    ],
)
def test_a_forged_or_altered_safe_mode_request_is_refused(change: dict[str, str]) -> None:
    with pytest.raises(SignatureError):
        wechat.verify_wechat({**SAMPLE_QUERY, **change}, sample("wechat_official_sample_encrypted.xml"), SPAMTEST)


def test_an_altered_ciphertext_is_refused() -> None:
    body = sample("wechat_official_sample_encrypted.xml").replace(b"hyzAe4", b"hyzAe5")
    with pytest.raises(SignatureError):
        wechat.verify_wechat(SAMPLE_QUERY, body, SPAMTEST)


def test_a_stale_request_is_refused_when_now_is_given() -> None:
    sent = datetime.fromtimestamp(1409735669, UTC)
    body = sample("wechat_official_sample_encrypted.xml")
    wechat.verify_wechat(SAMPLE_QUERY, body, SPAMTEST, now=sent + timedelta(minutes=4))
    with pytest.raises(SignatureError, match="stale"):
        wechat.verify_wechat(SAMPLE_QUERY, body, SPAMTEST, now=sent + timedelta(minutes=6))


def test_safe_mode_without_an_aes_key_is_not_configured() -> None:
    plain_token = WeChatConfig(token="spamtest", app_id="wx2c2769f8efd9abc2")  # type: ignore[arg-type]
    encrypted_only = b"<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[abc]]></Encrypt></xml>"
    with pytest.raises(ChannelNotConfigured):
        wechat.verify_wechat(SAMPLE_QUERY, encrypted_only, plain_token)


def test_compatible_mode_without_an_aes_key_uses_the_plain_copy() -> None:
    """The official sample carries plain fields next to Encrypt (WeChat's 兼容模式)."""
    plain_token = WeChatConfig(token="spamtest", app_id="wx2c2769f8efd9abc2")  # type: ignore[arg-type]
    query = {**SAMPLE_QUERY, **plain_query("spamtest", "1409735669", "1320562132")}
    envelope = wechat.verify_wechat(query, sample("wechat_official_sample_encrypted.xml"), plain_token)
    assert not envelope.encrypted
    msg = wechat.parse_wechat(envelope.xml)
    assert msg is not None and msg.text == "abcdteT"
    with pytest.raises(SignatureError):
        wechat.verify_wechat(SAMPLE_QUERY, sample("wechat_official_sample_encrypted.xml"), plain_token)


# --- our own round trips -------------------------------------------------------------------------


def test_an_inbound_message_encrypted_by_us_round_trips() -> None:
    inner = sample("wechat_text.xml")
    encrypt = wechat.encrypt_wechat(inner, PAMTEST)
    body = f"<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    query = {
        "timestamp": "1714528800",
        "nonce": "n0nce",
        "encrypt_type": "aes",
        "msg_signature": wechat.wechat_signature("pamtest", "1714528800", "n0nce", encrypt),
    }
    envelope = wechat.verify_wechat(query, body.encode(), PAMTEST)
    assert envelope.xml == inner


def test_a_sealed_passive_reply_decrypts_to_the_reply(now: datetime) -> None:
    reply = wechat.build_wechat_text_reply("oUser", "gh_account", "您好，已为您查询 ]]> 物流", create_time=1714528800)
    sealed = wechat.seal_wechat_reply(reply, PAMTEST, timestamp="1714528800", nonce="abc123")
    root = SafeET.fromstring(sealed)
    encrypt = root.findtext("Encrypt") or ""
    assert root.findtext("MsgSignature") == wechat.wechat_signature("pamtest", "1714528800", "abc123", encrypt)
    assert (root.findtext("TimeStamp"), root.findtext("Nonce")) == ("1714528800", "abc123")
    decrypted = wechat.decrypt_wechat(encrypt, PAMTEST).decode()
    assert decrypted == reply
    inner = SafeET.fromstring(decrypted)
    assert inner.findtext("Content") == "您好，已为您查询 ]]> 物流"
    assert (inner.findtext("ToUserName"), inner.findtext("FromUserName")) == ("oUser", "gh_account")
    assert inner.findtext("MsgType") == "text" and inner.findtext("CreateTime") == "1714528800"


def test_a_passive_reply_over_2048_bytes_is_refused() -> None:
    with pytest.raises(ValueError, match="2048"):
        wechat.build_wechat_text_reply("oUser", "gh_account", "长" * 700, create_time=1)


def test_customer_service_message_body() -> None:
    assert wechat.build_wechat_customer_message("oUser", "你好") == {
        "touser": "oUser",
        "msgtype": "text",
        "text": {"content": "你好"},
    }


# --- plain mode and URL verification -----------------------------------------------------------


def test_url_verification_echoes_echostr() -> None:
    query = {**plain_query(), "echostr": "4075181314397890557"}
    assert wechat.verify_wechat_url(query, PLAIN) == "4075181314397890557"


@pytest.mark.parametrize(
    "change", [{"signature": "0" * 40}, {"signature": ""}, {"nonce": "yyyyyy"}, {"timestamp": "1"}]
)
def test_url_verification_refuses_a_wrong_signature(change: dict[str, str]) -> None:
    with pytest.raises(SignatureError):
        wechat.verify_wechat_url({**plain_query(), "echostr": "e", **change}, PLAIN)


def test_url_verification_refuses_a_stale_timestamp() -> None:
    query = {**plain_query(timestamp="1409304348"), "echostr": "e"}
    with pytest.raises(SignatureError, match="stale"):
        wechat.verify_wechat_url(query, PLAIN, now=datetime(2024, 1, 1, tzinfo=UTC))


def test_plain_mode_message_verifies_and_parses() -> None:
    envelope = wechat.verify_wechat(plain_query(), sample("wechat_text.xml"), PLAIN)
    assert not envelope.encrypted
    msg = wechat.parse_wechat(envelope.xml)
    assert msg is not None
    assert (msg.channel_message_id, msg.sender.value, msg.text) == (
        "1234567890123456",
        "fromUser",
        "this is a test",
    )
    assert msg.sent_at == datetime.fromtimestamp(1348831860, UTC)
    with pytest.raises(SignatureError):
        wechat.verify_wechat(plain_query(token="other"), sample("wechat_text.xml"), PLAIN)


# --- message types (WeChat's documented examples) ------------------------------------------------


def test_image_message_keeps_the_picture_as_an_attachment() -> None:
    msg = wechat.parse_wechat(sample("wechat_image.xml"))
    assert msg is not None and msg.text == ""
    assert msg.attachments[0].url == "this is a url"
    assert msg.attachments[0].content_type == "image/jpeg"
    assert msg.metadata["media_id"] == "media_id"


def test_voice_message_uses_the_speech_recognition_as_text() -> None:
    msg = wechat.parse_wechat(sample("wechat_voice_recognition.xml"))
    assert msg is not None
    assert msg.text == "腾讯微信团队"
    assert msg.attachments[0].url == "wechat-media:media_id"
    assert msg.metadata["voice_recognised"] == "true"


def test_subscribe_event_is_keyed_by_sender_and_create_time() -> None:
    msg = wechat.parse_wechat(sample("wechat_event_subscribe.xml"))
    assert msg is not None
    assert msg.channel_message_id == "FromUser#123456789"
    assert msg.metadata["event"] == "subscribe"
    assert msg.text == ""


def test_click_event_carries_the_event_key() -> None:
    msg = wechat.parse_wechat(sample("wechat_event_click.xml"))
    assert msg is not None
    assert msg.channel_message_id == "FromUser#123456789"
    assert (msg.text, msg.metadata["event"]) == ("EVENTKEY", "click")


@pytest.mark.parametrize(
    "xml",
    [
        "<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType>"
        "<Event>unsubscribe</Event></xml>",
        "<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType>"
        "<Event>LOCATION</Event></xml>",
        "<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>miniprogrampage</MsgType>"
        "<MsgId>9</MsgId></xml>",
    ],
)
def test_events_and_types_that_are_not_inquiries_give_none(xml: str) -> None:
    assert wechat.parse_wechat(xml.encode()) is None


def test_unionid_becomes_a_second_identity() -> None:
    xml = sample("wechat_text.xml").replace(
        b"</xml>", b"<UnionId><![CDATA[o6_bmasdasdsad6_2sgVt7hMZOPfL]]></UnionId></xml>"
    )
    msg = wechat.parse_wechat(xml)
    assert msg is not None
    assert msg.other_identities == (Identity(kind="wechat_unionid", value="o6_bmasdasdsad6_2sgVt7hMZOPfL"),)


# --- hostile and malformed input ------------------------------------------------------------------


def test_an_entity_expansion_bomb_is_refused() -> None:
    bomb = sample("wechat_xml_bomb.xml")
    with pytest.raises(PayloadError, match="refused"):
        wechat.parse_wechat(bomb)
    with pytest.raises(PayloadError, match="refused"):
        wechat.verify_wechat(plain_query(), bomb, PLAIN)


def test_an_external_entity_is_refused() -> None:
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Content>&e;</Content></xml>'
    )
    with pytest.raises(PayloadError):
        wechat.parse_wechat(xxe)


@pytest.mark.parametrize(
    ("xml", "reason"),
    [
        (b"<xml><FromUserName>u", "well-formed"),
        (b"<root><FromUserName>u</FromUserName></root>", "root"),
        (b"<xml><MsgType>text</MsgType></xml>", "FromUserName"),
        (b"<xml><FromUserName>u</FromUserName><MsgType>text</MsgType><Content>x</Content></xml>", "MsgId"),
        (b"<xml><FromUserName>u</FromUserName><MsgType>image</MsgType><MsgId>1</MsgId></xml>", "MediaId"),
    ],
)
def test_malformed_xml_is_refused_with_a_reason(xml: bytes, reason: str) -> None:
    with pytest.raises(PayloadError, match=reason):
        wechat.parse_wechat(xml)


def test_an_oversized_body_is_refused() -> None:
    body = b"<xml>" + b" " * MAX_WEBHOOK_BYTES + b"</xml>"
    with pytest.raises(PayloadTooLarge):
        wechat.verify_wechat(plain_query(), body, PLAIN)


def test_reply_xml_strips_characters_xml_cannot_carry() -> None:
    reply = wechat.build_wechat_text_reply("u", "gh", "a\x00b\x07c", create_time=1)
    assert re.search("[\x00-\x08]", reply) is None
    assert SafeET.fromstring(reply).findtext("Content") == "abc"
