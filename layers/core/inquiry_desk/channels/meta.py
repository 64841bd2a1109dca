"""Meta webhooks: Messenger (`object: page`), Instagram (`instagram`) and WhatsApp Cloud API
(`whatsapp_business_account`).

Inbound:
* Subscription handshake (`GET ?hub.mode=subscribe&hub.verify_token=...&hub.challenge=...`):
  `verify_meta_subscription` returns the challenge to echo.
* Events (`POST` JSON): `verify_meta` checks `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of
  the raw body keyed with the app secret>`; `parse_meta` returns zero or more InboundMessages.
  Echoes of our own messages, delivery/read receipts, reactions and WhatsApp statuses are
  skipped. Meta's signature has no timestamp: a replay carries the same message id (mid /
  wamid) and is recorded once by the intake's dedupe.

Outbound: `build_meta_replies` makes Send API bodies (Messenger/Instagram `POST /me/messages`,
WhatsApp `POST /<phone-number-id>/messages`), split to each platform's text limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from inquiry_desk.channels import identity
from inquiry_desk.channels._common import (
    build_message,
    clip,
    from_epoch,
    load_json_object,
    same,
    sent_time,
    verify_sha256_hmac,
)
from inquiry_desk.channels.config import MetaConfig
from inquiry_desk.channels.identity import normalize_phone
from inquiry_desk.channels.limits import ensure_within_limit
from inquiry_desk.errors import PayloadError, SignatureError
from inquiry_desk.model import Attachment, Channel, Identity, InboundMessage

SIGNATURE_HEADER = "X-Hub-Signature-256"
TEXT_LIMITS = {Channel.MESSENGER: 2000, Channel.INSTAGRAM: 1000, Channel.WHATSAPP: 4096}

_OBJECTS = {"page": Channel.MESSENGER, "instagram": Channel.INSTAGRAM}
_SENDER_KIND = {Channel.MESSENGER: identity.MESSENGER_PSID, Channel.INSTAGRAM: identity.INSTAGRAM_IGSID}
_WA_MEDIA = {"image", "audio", "video", "document", "sticker"}


def verify_meta_subscription(query: Mapping[str, str], config: MetaConfig) -> str:
    """Answer the webhook subscription handshake: the `hub.challenge` to return with 200."""
    if query.get("hub.mode") != "subscribe":
        raise PayloadError("hub.mode must be 'subscribe'")
    token = query.get("hub.verify_token") or ""
    if not same(config.verify_token.get_secret_value(), token):
        raise SignatureError("hub.verify_token does not match")
    challenge = query.get("hub.challenge")
    if not challenge:
        raise PayloadError("missing hub.challenge")
    return challenge


def verify_meta(headers: Mapping[str, str] | None, raw_body: bytes, config: MetaConfig) -> None:
    """Raise SignatureError unless X-Hub-Signature-256 is the body's HMAC-SHA256 with the app secret."""
    verify_sha256_hmac(headers, SIGNATURE_HEADER, config.app_secret.get_secret_value(), ensure_within_limit(raw_body))


def parse_meta(raw_body: bytes, now: datetime | None = None) -> list[InboundMessage]:
    """Every customer message in a Messenger / Instagram / WhatsApp webhook (maybe none)."""
    data = load_json_object(ensure_within_limit(raw_body), "Meta webhook")
    obj = data.get("object")
    entries = data.get("entry")
    if not isinstance(entries, list):
        raise PayloadError("Meta webhook: 'entry' must be a list")
    if obj in _OBJECTS:
        channel = _OBJECTS[obj]
        return [
            msg
            for entry in entries
            for key in ("messaging", "standby")
            for event in _dicts(_as_dict(entry).get(key))
            if (msg := _messaging_event(channel, event, now, standby=key == "standby")) is not None
        ]
    if obj == "whatsapp_business_account":
        return [
            msg
            for entry in entries
            for change in _dicts(_as_dict(entry).get("changes"))
            if change.get("field", "messages") == "messages"
            for msg in _whatsapp_value(_as_dict(change.get("value")), now)
        ]
    raise PayloadError(f"Meta webhook: unsupported object {obj!r}")


def build_meta_replies(channel: Channel, recipient: str, text: str) -> list[dict[str, Any]]:
    """Send API bodies for a text reply, one per chunk of the platform's text limit.

    `recipient` is the PSID (Messenger), IGSID (Instagram) or the customer's E.164 phone
    number (WhatsApp).
    """
    if channel not in TEXT_LIMITS:
        raise ValueError(f"{channel} is not a Meta channel")
    chunks = split_text(text, TEXT_LIMITS[channel])
    if channel is Channel.WHATSAPP:
        return [
            {
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": recipient,
                "type": "text",
                "text": {"preview_url": False, "body": chunk},
            }
            for chunk in chunks
        ]
    return [
        {"recipient": {"id": recipient}, "messaging_type": "RESPONSE", "message": {"text": chunk}} for chunk in chunks
    ]


def split_text(text: str, limit: int) -> list[str]:
    """Split at paragraph, line or word boundaries so every chunk is at most `limit` characters."""
    text = text.strip()
    chunks: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut < limit // 2:
            cut = limit
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        chunks.append(text)
    return chunks


def _messaging_event(
    channel: Channel, event: dict[str, Any], now: datetime | None, *, standby: bool
) -> InboundMessage | None:
    sender = _as_dict(event.get("sender")).get("id")
    message = event.get("message")
    postback = event.get("postback")
    if not isinstance(sender, str | int) or not str(sender):
        return None
    meta: dict[str, str] = {}
    if standby:
        meta["standby"] = "true"
    attachments: list[Attachment] = []
    if isinstance(message, dict):
        if message.get("is_echo") or message.get("is_deleted") or message.get("is_unsupported"):
            return None
        mid = message.get("mid")
        text = message.get("text") or ""
        for index, item in enumerate(_dicts(message.get("attachments"))):
            url = _as_dict(item.get("payload")).get("url")
            kind = str(item.get("type") or "file")
            if isinstance(url, str) and url:
                attachments.append(Attachment(name=f"{kind}-{index + 1}", content_type=_mime(kind), url=url))
        if isinstance(message.get("reply_to"), dict) and message["reply_to"].get("mid"):
            meta["reply_to"] = str(message["reply_to"]["mid"])
        quick = _as_dict(message.get("quick_reply")).get("payload")
        if isinstance(quick, str):
            meta["quick_reply"] = quick
    elif isinstance(postback, dict):
        mid = postback.get("mid")
        text = postback.get("title") or ""
        if isinstance(postback.get("payload"), str):
            meta["postback"] = postback["payload"]
    else:
        return None  # delivery, read, reaction, referral, optin ...: not a customer message
    if not isinstance(mid, str) or not mid:
        raise PayloadError(f"{channel} message without mid")
    if not isinstance(text, str):
        raise PayloadError(f"{channel} message text must be a string")
    if not text and not attachments:
        return None
    recipient = _as_dict(event.get("recipient")).get("id")
    if recipient is not None:
        meta["recipient_id"] = str(recipient)
    return build_message(
        channel=channel,
        channel_message_id=mid,
        sender=Identity(kind=_SENDER_KIND[channel], value=str(sender)),
        text=text,
        received_at=now,
        sent_at=sent_time(from_epoch(event.get("timestamp"), millis=True)),
        attachments=tuple(attachments),
        metadata=meta,
    )


def _whatsapp_value(value: dict[str, Any], now: datetime | None) -> list[InboundMessage]:
    names = {str(c.get("wa_id")): _as_dict(c.get("profile")).get("name") for c in _dicts(value.get("contacts"))}
    phone_number_id = _as_dict(value.get("metadata")).get("phone_number_id")
    result = []
    for message in _dicts(value.get("messages")):  # "statuses" (sent/delivered/read) are skipped
        msg = _whatsapp_message(message, names, phone_number_id, now)
        if msg is not None:
            result.append(msg)
    return result


def _whatsapp_message(
    message: dict[str, Any], names: dict[str, Any], phone_number_id: Any, now: datetime | None
) -> InboundMessage | None:
    wamid, sender, kind = message.get("id"), message.get("from"), message.get("type")
    if not isinstance(wamid, str) or not wamid or not isinstance(sender, str) or not sender:
        raise PayloadError("WhatsApp message without id or from")
    try:
        phone = normalize_phone("+" + sender.lstrip("+"))
    except ValueError as err:
        raise PayloadError(f"WhatsApp 'from' is not a phone number: {err}") from None
    text = ""
    attachments: list[Attachment] = []
    meta = {"wa_type": str(kind)}
    if phone_number_id:
        meta["phone_number_id"] = str(phone_number_id)
    body = _as_dict(message.get(str(kind)))
    if kind == "text":
        text = body.get("body") or ""
    elif kind in _WA_MEDIA:
        media_id = body.get("id")
        if not media_id:
            raise PayloadError(f"WhatsApp {kind} message without a media id")
        name = body.get("filename") or f"{kind}-{media_id}"
        mime = body.get("mime_type") or "application/octet-stream"
        attachments.append(Attachment(name=str(name), content_type=str(mime), url=f"whatsapp-media:{media_id}"))
        text = body.get("caption") or ""
    elif kind == "button":
        text = body.get("text") or ""
    elif kind == "interactive":
        reply = _as_dict(body.get("button_reply") or body.get("list_reply"))
        text = reply.get("title") or ""
    elif kind == "location":
        text = " ".join(str(v) for v in (body.get("name"), body.get("address")) if v)
        meta["latitude"], meta["longitude"] = str(body.get("latitude", "")), str(body.get("longitude", ""))
    else:
        return None  # reaction, system, unsupported, ...
    context = _as_dict(message.get("context")).get("id")
    if context:
        meta["reply_to"] = str(context)
    return build_message(
        channel=Channel.WHATSAPP,
        channel_message_id=wamid,
        sender=Identity(kind=identity.PHONE, value=phone),
        text=str(text),
        received_at=now,
        sent_at=sent_time(from_epoch(message.get("timestamp"))),
        name=clip(names.get(sender) if isinstance(names.get(sender), str) else None, 200),
        contact=phone,
        attachments=tuple(attachments),
        metadata=meta,
    )


def _mime(kind: str) -> str:
    return {"image": "image/*", "audio": "audio/*", "video": "video/*"}.get(kind, "application/octet-stream")


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
