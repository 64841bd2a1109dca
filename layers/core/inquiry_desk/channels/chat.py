"""The shop's own web/app chat widget.

Inbound: `POST` JSON (see `ChatWebhook`) signed by the shop's chat backend with
`X-Desk-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`. The signature has no timestamp:
a replayed body carries the same `message_id` and is recorded once by the intake's dedupe.

Outbound: `build_chat_reply` makes the JSON the desk posts back to the chat backend, and
`sign_chat` the header that lets the backend check it came from the desk (same scheme).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from inquiry_desk.channels import identity
from inquiry_desk.channels._common import (
    build_message,
    hmac_hex,
    load_json_object,
    reply_payload,
    sent_time,
    verify_sha256_hmac,
)
from inquiry_desk.channels.config import ChatConfig
from inquiry_desk.channels.limits import ensure_within_limit
from inquiry_desk.errors import PayloadError
from inquiry_desk.model import Attachment, Channel, Identity, InboundMessage

SIGNATURE_HEADER = "X-Desk-Signature"


class ChatAttachment(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=255)
    content_type: str = Field(default="application/octet-stream", max_length=255)
    url: str = Field(max_length=2048)
    size: int | None = Field(default=None, ge=0)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("https://", "s3://")):
            raise ValueError("attachment url must be https:// or s3://")
        return value


class ChatWebhook(BaseModel):
    """The chat widget's message, as its backend posts it."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, coerce_numbers_to_str=True)

    message_id: str = Field(min_length=1, max_length=256)
    customer_id: str = Field(min_length=1, max_length=256)
    text: str = Field(default="", max_length=100_000)
    name: str | None = Field(default=None, max_length=200)
    contact: str | None = Field(default=None, max_length=320)  # typed by the customer: not verified
    order_number: str | None = Field(default=None, max_length=128)
    member_id: str | None = Field(default=None, max_length=128)  # from the shop's login session
    sent_at: datetime | None = None  # ISO 8601 with offset
    attachments: list[ChatAttachment] = Field(default_factory=list, max_length=20)

    @field_validator("sent_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("sent_at needs a time zone offset")
        return value


def verify_chat(headers: Mapping[str, str] | None, raw_body: bytes, config: ChatConfig) -> None:
    """Raise SignatureError unless `X-Desk-Signature` is the HMAC-SHA256 of the raw body."""
    verify_sha256_hmac(headers, SIGNATURE_HEADER, config.secret.get_secret_value(), ensure_within_limit(raw_body))


def parse_chat(raw_body: bytes, now: datetime | None = None) -> InboundMessage:
    """The widget's JSON as an InboundMessage (sender kind `chat_customer`). Verify first."""
    raw = ensure_within_limit(raw_body)
    data = load_json_object(raw, "chat message")
    try:
        body = ChatWebhook.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise PayloadError(f"chat message: {where}: {first.get('msg')}") from None
    if not body.text and not body.attachments:
        raise PayloadError("chat message: needs text or attachments")
    others = (Identity(kind=identity.MEMBER, value=body.member_id),) if body.member_id else ()
    return build_message(
        channel=Channel.CHAT,
        channel_message_id=body.message_id,
        sender=Identity(kind=identity.CHAT_CUSTOMER, value=body.customer_id),
        text=body.text,
        received_at=now,
        sent_at=sent_time(body.sent_at),
        name=body.name,
        contact=body.contact,
        order_number=body.order_number,
        member_id=body.member_id,
        other_identities=others,
        attachments=tuple(
            Attachment(name=a.name, content_type=a.content_type, url=a.url, size=a.size) for a in body.attachments
        ),
    )


def build_chat_reply(
    customer_id: str,
    text: str,
    *,
    message_id: str,
    sent_at: datetime,
    in_reply_to: str | None = None,
    agent_name: str | None = None,
) -> dict[str, Any]:
    """The JSON object the desk posts to the chat backend for a reply (R5.1)."""
    return reply_payload(
        {"message_id": message_id, "customer_id": customer_id, "text": text, "sent_at": sent_at.isoformat()},
        in_reply_to=in_reply_to,
        agent_name=agent_name,
    )


def sign_chat(raw_body: bytes, config: ChatConfig) -> dict[str, str]:
    """Headers for an outbound body: `X-Desk-Signature: sha256=<hex>` (the inbound scheme)."""
    return {SIGNATURE_HEADER: "sha256=" + hmac_hex(config.secret.get_secret_value(), raw_body)}
