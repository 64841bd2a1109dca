"""The registry of signed JSON/form webhooks: for each channel, how its request is verified and
parsed. The intake handler's routes all take the same steps (read the raw body within the limit
-> verify the signature -> parse -> record) through this one table; WeChat, whose verification
also unseals the body and whose answer is a passive XML reply, keeps its own route."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from inquiry_desk.channels import chat, marketplace, meta, twilio
from inquiry_desk.model import InboundMessage


@dataclass(frozen=True)
class SignedRequest:
    """One webhook request as our front received it."""

    headers: Mapping[str, str]
    raw: bytes  # the body exactly as sent: signatures are over these bytes
    received_at: datetime  # our clock: when our front received it
    url: str = ""  # the URL the provider called (Twilio signs it)
    query: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WebhookCodec:
    config: str  # the attribute of ChannelsConfig holding this channel's credentials
    verify: Callable[[SignedRequest, Any], None]  # raises SignatureError / PayloadError
    parse: Callable[[SignedRequest], list[InboundMessage]]


WEBHOOKS: dict[str, WebhookCodec] = {
    "chat": WebhookCodec(
        "chat",
        lambda r, c: chat.verify_chat(r.headers, r.raw, c),
        lambda r: [chat.parse_chat(r.raw, r.received_at)],
    ),
    "meta": WebhookCodec(
        "meta",
        lambda r, c: meta.verify_meta(r.headers, r.raw, c),
        lambda r: meta.parse_meta(r.raw, r.received_at),
    ),
    "twilio": WebhookCodec(
        "twilio",
        lambda r, c: twilio.verify_twilio(r.headers, r.url, r.raw, c),
        lambda r: [twilio.parse_twilio_sms(r.raw, r.received_at)],
    ),
    "marketplace": WebhookCodec(
        "marketplace",
        lambda r, c: marketplace.verify_marketplace(r.headers, r.raw, c, r.received_at),
        lambda r: [marketplace.parse_marketplace(r.raw, r.received_at)],
    ),
}
