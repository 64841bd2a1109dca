"""SMS: Twilio webhooks and AWS End User Messaging two-way SMS.

Twilio signature vectors:
* Twilio's "Webhooks security" guide (twilio.com/docs/usage/webhooks/webhooks-security, formerly
  twilio.com/docs/usage/security#validating-requests): auth token 12345, URL
  https://mycompany.com/myapp.php?foo=1&bar=2, CallSid/Caller/Digits/From/To with Caller and
  From +12349013030 -> "0/KCTR6DLpKmkAf8muzZqo1nDgQ=".
* twilio-python's tests/unit/test_request_validator.py (github.com/twilio/twilio-python): the
  same URL and token with +14158675309 -> "RSOYDt4T1cUTdK1PDd93/VVr8B8="; with :443 ->
  "kvajT1Ptam85bY51eRf/AJRuM3w="; duplicate parameters -> "IK+Dwps556ElfBT0I3Rgjkr1wJU=";
  JSON body with bodySHA256 -> "a9nBmqA0ju/hNViExpshrM61xv4=".
* Twilio's api-snippets signature_validation.5.x.php: +14158675310 -> "GvWf1cFY/Q7PnoempGyD5oXAezc=".
AWS two-way SMS payload: docs.aws.amazon.com/sms-voice/latest/userguide/two-way-sms-payload.html.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest
from inquiry_desk.channels import twilio
from inquiry_desk.channels.config import TwilioConfig
from inquiry_desk.channels.limits import MAX_WEBHOOK_BYTES
from inquiry_desk.errors import PayloadError, PayloadTooLarge, SignatureError
from inquiry_desk.model import Channel, Identity

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "channels"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
CONFIG = TwilioConfig(auth_token="12345")  # type: ignore[arg-type]


def sample(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def call_params(number: str) -> dict[str, str]:
    return {
        "CallSid": "CA1234567890ABCDE",
        "Caller": number,
        "Digits": "1234",
        "From": number,
        "To": "+18005551212",
    }


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("+12349013030", "0/KCTR6DLpKmkAf8muzZqo1nDgQ="),
        ("+14158675309", "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        ("+14158675310", "GvWf1cFY/Q7PnoempGyD5oXAezc="),
    ],
)
def test_published_signature_vectors(number: str, expected: str) -> None:
    assert twilio.compute_twilio_signature("12345", URL, call_params(number)) == expected
    body = urlencode(call_params(number)).encode()
    twilio.verify_twilio({"X-Twilio-Signature": expected}, URL, body, CONFIG)


def test_duplicate_parameters_sort_by_name_then_value() -> None:
    params = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234")]
    assert twilio.compute_twilio_signature("12345", URL, params) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="
    body = b"Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234"
    twilio.verify_twilio({"x-twilio-signature": "IK+Dwps556ElfBT0I3Rgjkr1wJU="}, URL, body, CONFIG)


def test_the_default_port_may_be_present_on_either_side() -> None:
    body = urlencode(call_params("+14158675309")).encode()
    signed_with_443 = {"X-Twilio-Signature": "kvajT1Ptam85bY51eRf/AJRuM3w="}
    twilio.verify_twilio(signed_with_443, URL, body, CONFIG)
    signed_without = {"X-Twilio-Signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8="}
    twilio.verify_twilio(signed_without, URL.replace(".com", ".com:1234"), body, CONFIG)


def test_json_body_signed_through_body_sha256() -> None:
    body = b'{"property": "value", "boolean": true}'
    url = URL + "&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
    twilio.verify_twilio({"X-Twilio-Signature": "a9nBmqA0ju/hNViExpshrM61xv4="}, url, body, CONFIG)
    with pytest.raises(SignatureError, match="bodySHA256"):
        twilio.verify_twilio({"X-Twilio-Signature": "a9nBmqA0ju/hNViExpshrM61xv4="}, url, body + b" ", CONFIG)


DOCS_SIGNATURE = {"X-Twilio-Signature": "0/KCTR6DLpKmkAf8muzZqo1nDgQ="}
EVIL_URL = "https://evil.example/myapp.php?foo=1&bar=2"


@pytest.mark.parametrize(
    ("headers", "url", "params", "reason"),
    [
        ({}, URL, call_params("+12349013030"), "missing"),
        (DOCS_SIGNATURE, URL, call_params("+12349013031"), "does not match"),
        (DOCS_SIGNATURE, URL.replace("bar=2", "bar=3"), call_params("+12349013030"), "does not match"),
        (DOCS_SIGNATURE, EVIL_URL, call_params("+12349013030"), "does not match"),
    ],
)
def test_forged_or_altered_requests_are_refused(
    headers: dict[str, str], url: str, params: dict[str, str], reason: str
) -> None:
    with pytest.raises(SignatureError, match=reason):
        twilio.verify_twilio(headers, url, urlencode(params).encode(), CONFIG)


def test_a_request_for_another_account_is_refused() -> None:
    config = TwilioConfig(auth_token="12345", account_sid="AC_ours")  # type: ignore[arg-type]
    params = {**call_params("+12349013030"), "AccountSid": "AC_theirs"}
    signature = twilio.compute_twilio_signature("12345", URL, params)
    with pytest.raises(SignatureError, match="another Twilio account"):
        twilio.verify_twilio({"X-Twilio-Signature": signature}, URL, urlencode(params).encode(), config)


def test_an_oversized_body_is_refused() -> None:
    with pytest.raises(PayloadTooLarge):
        twilio.verify_twilio({"X-Twilio-Signature": "x"}, URL, b"a" * (MAX_WEBHOOK_BYTES + 1), CONFIG)


def test_parses_an_inbound_sms(now: datetime) -> None:
    msg = twilio.parse_twilio_sms(sample("twilio_sms.txt"), now=now)
    assert msg.channel is Channel.SMS
    assert msg.channel_message_id == "SM1f0e8ae6ade43cb3c0ce4525424e404f"
    assert msg.sender == Identity(kind="phone", value="+15558675310")
    assert msg.text == "Where is my order #A1234?"
    assert msg.received_at == now
    assert msg.metadata["to"] == "+15017122661"
    assert msg.attachments[0].content_type == "image/jpeg"
    assert msg.attachments[0].url.endswith("/Media/ME1")


def test_whatsapp_through_twilio_and_national_numbers() -> None:
    body = urlencode({"MessageSid": "SM1", "From": "whatsapp:+8613800138000", "Body": "你好"}).encode()
    msg = twilio.parse_twilio_sms(body)
    assert (msg.channel, msg.sender.value) == (Channel.WHATSAPP, "+8613800138000")
    national = urlencode({"MessageSid": "SM2", "From": "138-0013-8000", "Body": "x"}).encode()
    assert twilio.parse_twilio_sms(national, default_country_code="86").sender.value == "+8613800138000"
    with pytest.raises(PayloadError, match="country code"):
        twilio.parse_twilio_sms(national)


@pytest.mark.parametrize(
    "fields",
    [
        {"From": "+15558675310", "Body": "x"},
        {"MessageSid": "SM1", "Body": "x"},
        {"MessageSid": "SM1", "From": "abc"},
        {"MessageSid": "SM1", "From": "+15558675310", "NumMedia": "many"},
    ],
)
def test_malformed_sms_is_refused(fields: dict[str, str]) -> None:
    with pytest.raises(PayloadError):
        twilio.parse_twilio_sms(urlencode(fields).encode())


def test_parses_aws_two_way_sms_from_the_sns_notification(now: datetime) -> None:
    msg = twilio.parse_aws_sms(sample("aws_sms_sns.json"), now=now)
    assert msg.channel is Channel.SMS
    assert msg.channel_message_id == "cae173d2-66b9-564c-8309-21f858e9fb84"
    assert msg.sender == Identity(kind="phone", value="+14255550182")
    assert msg.text == "EXAMPLE"
    assert msg.metadata == {
        "destinationNumber": "+12125550101",
        "messageKeyword": "JOIN",
        "previousPublishedMessageId": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    }
    inner = json.loads(sample("aws_sms_sns.json"))["Message"]
    assert twilio.parse_aws_sms(inner, now=now) == msg
    assert twilio.parse_aws_sms(json.loads(inner), now=now) == msg


@pytest.mark.parametrize(
    "payload",
    [
        '{"originationNumber": "+14255550182", "messageBody": "x"}',
        '{"inboundMessageId": "1", "messageBody": "x"}',
        '{"inboundMessageId": "1", "originationNumber": "+14255550182"}',
        "not json",
        "[]",
    ],
)
def test_malformed_two_way_sms_is_refused(payload: str) -> None:
    with pytest.raises(PayloadError):
        twilio.parse_aws_sms(payload)


def test_outbound_builders() -> None:
    config = TwilioConfig(auth_token="12345", from_number="+15017122661")  # type: ignore[arg-type]
    assert twilio.build_twilio_sms("+15558675310", "Shipped today", config) == {
        "To": "+15558675310",
        "From": "+15017122661",
        "Body": "Shipped today",
    }
    with pytest.raises(ValueError):
        twilio.build_twilio_sms("+15558675310", "x", CONFIG)
    assert twilio.build_twiml_reply("a < b & c") == (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Message>a &lt; b &amp; c</Message></Response>'
    )
    assert twilio.build_twiml_reply(None).endswith("<Response/>")
    assert twilio.build_aws_sms("+14255550182", "hi", "+12125550101") == {
        "DestinationPhoneNumber": "+14255550182",
        "OriginationIdentity": "+12125550101",
        "MessageBody": "hi",
        "MessageType": "TRANSACTIONAL",
    }
