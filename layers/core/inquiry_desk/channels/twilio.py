"""SMS: Twilio's inbound webhook and AWS End User Messaging two-way SMS.

Twilio inbound: `POST` form-urlencoded (MessageSid, From, To, Body, NumMedia, MediaUrl0, ...),
signed with `X-Twilio-Signature = base64(HMAC-SHA1(auth token, full URL + every POST parameter
name and value, sorted by name))`. `verify_twilio` also accepts the URL with or without its
default port (as Twilio's own libraries do) and JSON bodies signed through the `bodySHA256`
query parameter. There is no timestamp: a replay carries the same MessageSid and is recorded
once by the intake's dedupe.

AWS End User Messaging two-way SMS: the inbound JSON arrives as the `Message` of an SNS
notification; `parse_aws_sms` reads it (SNS-to-Lambda delivery is authenticated by AWS).

Outbound: `build_twilio_sms` (Messages API form), `build_twiml_reply` (answer in the webhook
response) and `build_aws_sms` (SendTextMessage parameters).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit, urlunsplit
from xml.sax.saxutils import escape

from inquiry_desk.channels import identity
from inquiry_desk.channels._common import build_message, get_header, load_json_object, same
from inquiry_desk.channels.config import TwilioConfig
from inquiry_desk.channels.identity import normalize_phone
from inquiry_desk.channels.limits import ensure_within_limit
from inquiry_desk.errors import PayloadError, SignatureError
from inquiry_desk.model import Attachment, Channel, Identity, InboundMessage

SIGNATURE_HEADER = "X-Twilio-Signature"
_DEFAULT_PORTS = {"https": 443, "http": 80}


def compute_twilio_signature(
    auth_token: str, url: str, params: Mapping[str, str] | Iterable[tuple[str, str]] = ()
) -> str:
    """Twilio's signature of a request: base64 HMAC-SHA1 of the URL + sorted name/value pairs."""
    pairs = sorted(params.items() if isinstance(params, Mapping) else params)
    data = url + "".join(name + value for name, value in pairs)
    digest = hmac.new(auth_token.encode("utf-8"), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_twilio(headers: Mapping[str, str] | None, url: str, raw_body: bytes, config: TwilioConfig) -> None:
    """Raise SignatureError unless X-Twilio-Signature signs this URL and body.

    `url` is the full URL Twilio requested (scheme, host, path and query, exactly as configured
    in the console). When `config.account_sid` is set, a request for another account is refused.
    """
    raw = ensure_within_limit(raw_body)
    provided = get_header(headers, SIGNATURE_HEADER)
    if not provided:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header")
    query = parse_qs(urlsplit(url).query)
    params: list[tuple[str, str]] = []
    if "bodySHA256" in query:
        if not same(hashlib.sha256(raw).hexdigest(), query["bodySHA256"][0].lower()):
            raise SignatureError("bodySHA256 does not match the body (altered request)")
    else:
        params = _form(raw)
    token = config.auth_token.get_secret_value()
    if not any(same(compute_twilio_signature(token, u, params), provided.strip()) for u in _url_variants(url)):
        raise SignatureError(f"{SIGNATURE_HEADER} does not match (forged request, wrong URL or auth token)")
    account = dict(params).get("AccountSid")
    if config.account_sid and account is not None and not same(config.account_sid, account):
        raise SignatureError("the request is for another Twilio account")


def parse_twilio_sms(
    raw_body: bytes, now: datetime | None = None, default_country_code: str | None = None
) -> InboundMessage:
    """A Twilio inbound message as an InboundMessage (Channel.SMS; WhatsApp when From is `whatsapp:`).

    Twilio sends no message time, so `received_at` is `now`.
    """
    fields = dict(_form(ensure_within_limit(raw_body)))
    sid = fields.get("MessageSid") or fields.get("SmsSid")
    sender = fields.get("From")
    if not sid or not sender:
        raise PayloadError("Twilio message without MessageSid or From")
    channel = Channel.SMS
    if sender.lower().startswith("whatsapp:"):
        channel, sender = Channel.WHATSAPP, sender.split(":", 1)[1]
    phone = _phone(sender, default_country_code, "From")
    attachments = []
    try:
        count = int(fields.get("NumMedia") or 0)
    except ValueError:
        raise PayloadError("Twilio NumMedia is not a number") from None
    for index in range(min(count, 10)):
        url = fields.get(f"MediaUrl{index}")
        if url:
            kind = fields.get(f"MediaContentType{index}") or "application/octet-stream"
            attachments.append(Attachment(name=f"media-{index}", content_type=kind, url=url))
    meta = {"to": fields.get("To", "")}
    for key in ("FromCountry", "NumSegments", "AccountSid", "MessagingServiceSid"):
        if fields.get(key):
            meta[key] = fields[key]
    return build_message(
        channel=channel,
        channel_message_id=sid,
        sender=Identity(kind=identity.PHONE, value=phone),
        text=fields.get("Body", ""),
        received_at=now,
        contact=phone,
        attachments=tuple(attachments),
        metadata=meta,
    )


def parse_aws_sms(sns_message: str | bytes | Mapping[str, Any], now: datetime | None = None) -> InboundMessage:
    """AWS End User Messaging two-way SMS JSON (the SNS notification's `Message`) as InboundMessage.

    Accepts the `Message` string, its decoded object, or the whole SNS notification
    (`{"Type": "Notification", "Message": "..."}`). Dedupe key: inboundMessageId.
    """
    data = _sns_payload(sns_message)
    message_id = data.get("inboundMessageId")
    sender = data.get("originationNumber")
    body = data.get("messageBody")
    if not isinstance(message_id, str) or not message_id or not isinstance(sender, str) or not sender:
        raise PayloadError("two-way SMS without inboundMessageId or originationNumber")
    if not isinstance(body, str):
        raise PayloadError("two-way SMS without messageBody")
    phone = _phone(sender, None, "originationNumber")
    meta = {
        key: value
        for key in ("destinationNumber", "messageKeyword", "previousPublishedMessageId")
        if isinstance(value := data.get(key), str) and value
    }
    return build_message(
        channel=Channel.SMS,
        channel_message_id=message_id,
        sender=Identity(kind=identity.PHONE, value=phone),
        text=body,
        received_at=now,
        contact=phone,
        metadata=meta,
    )


def build_twilio_sms(to: str, body: str, config: TwilioConfig) -> dict[str, str]:
    """Form parameters for `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`."""
    if not config.from_number:
        raise ValueError("TwilioConfig.from_number is needed to send SMS")
    return {"To": to, "From": config.from_number, "Body": body}


def build_twiml_reply(text: str | None) -> str:
    """TwiML answering the webhook: one <Message>, or an empty <Response/> for no reply."""
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    if not text:
        return head + "<Response/>"
    return f"{head}<Response><Message>{escape(text)}</Message></Response>"


def build_aws_sms(to: str, body: str, origination_identity: str, message_type: str = "TRANSACTIONAL") -> dict[str, str]:
    """Parameters of End User Messaging SMS `SendTextMessage` (pinpoint-sms-voice-v2)."""
    return {
        "DestinationPhoneNumber": to,
        "OriginationIdentity": origination_identity,
        "MessageBody": body,
        "MessageType": message_type,
    }


def _form(raw: bytes) -> list[tuple[str, str]]:
    try:
        return parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise PayloadError("Twilio form body is not UTF-8") from None


def _url_variants(url: str) -> list[str]:
    """The URL as given, plus the same URL with its default port added or removed."""
    parts = urlsplit(url)
    default = _DEFAULT_PORTS.get(parts.scheme)
    variants = [url]
    if default is None or not parts.hostname:
        return variants
    host = parts.hostname
    userinfo = parts.netloc.rpartition("@")[0]
    prefix = userinfo + "@" if userinfo else ""
    try:
        port = parts.port
    except ValueError:
        return variants
    if port is None:
        variants.append(urlunsplit(parts._replace(netloc=f"{prefix}{host}:{default}")))
    else:
        variants.append(urlunsplit(parts._replace(netloc=f"{prefix}{host}")))
    return variants


def _phone(value: str, default_country_code: str | None, what: str) -> str:
    try:
        return normalize_phone(value, default_country_code)
    except ValueError as err:
        raise PayloadError(f"{what} is not a phone number: {err}") from None


def _sns_payload(message: str | bytes | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(message, Mapping):
        data = dict(message)
    else:
        data = load_json_object(ensure_within_limit(message), "two-way SMS message")
    if data.get("Type") == "Notification" and isinstance(data.get("Message"), str):
        data = load_json_object(ensure_within_limit(data["Message"]), "two-way SMS message")
    return data
