"""Marketplace connectors (Tmall, JD, Amazon, ...): the desk's own documented JSON webhook.

The format is written down in docs/channels/marketplace.md. In short: `POST` JSON
`{"marketplace", "message_id", "buyer_id", "buyer_name"?, "order_number"?, "text", "sent_at"?}`
with `X-Desk-Timestamp: <unix seconds>` and
`X-Desk-Signature: sha256=<hex HMAC-SHA256(secret, f"{timestamp}.{raw body}")>`. A timestamp
more than 5 minutes from now (either way) is refused as stale, so a captured request cannot be
replayed later; within the window the intake's dedupe on `<marketplace>:<message_id>` holds.

Replies go back the same way: `build_marketplace_reply` + `sign_marketplace`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from inquiry_desk.channels import identity
from inquiry_desk.channels._common import (
    build_message,
    check_freshness,
    get_header,
    hmac_hex,
    load_json_object,
    reply_payload,
    sent_time,
    verify_sha256_hmac,
)
from inquiry_desk.channels.config import MarketplaceConfig
from inquiry_desk.channels.limits import ensure_within_limit
from inquiry_desk.errors import PayloadError, SignatureError
from inquiry_desk.model import Channel, Identity, InboundMessage

TIMESTAMP_HEADER = "X-Desk-Timestamp"
SIGNATURE_HEADER = "X-Desk-Signature"
TOLERANCE = timedelta(minutes=5)
_MARKETPLACE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


class MarketplaceWebhook(BaseModel):
    """One buyer message relayed by a marketplace connector."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, coerce_numbers_to_str=True)

    marketplace: str = Field(description="tmall, jd, amazon, ... (lower case)")
    message_id: str = Field(min_length=1, max_length=256)
    buyer_id: str = Field(min_length=1, max_length=256)
    buyer_name: str | None = Field(default=None, max_length=200)
    order_number: str | None = Field(default=None, max_length=128)
    text: str = Field(min_length=1, max_length=100_000)
    sent_at: datetime | None = None

    @field_validator("marketplace")
    @classmethod
    def _marketplace(cls, value: str) -> str:
        value = value.lower()
        if not _MARKETPLACE.match(value):
            raise ValueError("marketplace must be 1-32 of a-z, 0-9, '_' or '-'")
        return value

    @field_validator("sent_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("sent_at needs a time zone offset")
        return value


def signing_input(timestamp: str, raw_body: bytes) -> bytes:
    """What is signed: `<timestamp>.<raw body>`."""
    return timestamp.encode("ascii") + b"." + raw_body


def verify_marketplace(
    headers: Mapping[str, str] | None, raw_body: bytes, config: MarketplaceConfig, now: datetime
) -> None:
    """Raise SignatureError for a missing, forged or stale (over 5 minutes off) request."""
    raw = ensure_within_limit(raw_body)
    timestamp = (get_header(headers, TIMESTAMP_HEADER) or "").strip()
    if not timestamp:
        raise SignatureError(f"missing {TIMESTAMP_HEADER} header")
    if not timestamp.isascii() or not timestamp.isdigit():
        raise SignatureError(f"{TIMESTAMP_HEADER} must be unix seconds")
    verify_sha256_hmac(headers, SIGNATURE_HEADER, config.secret.get_secret_value(), signing_input(timestamp, raw))
    check_freshness(timestamp, now, TOLERANCE, "marketplace")


def parse_marketplace(raw_body: bytes, now: datetime | None = None) -> InboundMessage:
    """The connector's JSON as an InboundMessage (sender `marketplace_buyer` = `<marketplace>:<buyer_id>`)."""
    data = load_json_object(ensure_within_limit(raw_body), "marketplace message")
    try:
        body = MarketplaceWebhook.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise PayloadError(f"marketplace message: {where}: {first.get('msg')}") from None
    return build_message(
        channel=Channel.MARKETPLACE,
        channel_message_id=f"{body.marketplace}:{body.message_id}",
        sender=Identity(kind=identity.MARKETPLACE_BUYER, value=f"{body.marketplace}:{body.buyer_id}"),
        text=body.text,
        received_at=now,
        sent_at=sent_time(body.sent_at),
        name=body.buyer_name,
        order_number=body.order_number,
        metadata={"marketplace": body.marketplace},
    )


def build_marketplace_reply(
    marketplace: str,
    buyer_id: str,
    text: str,
    *,
    message_id: str,
    sent_at: datetime,
    in_reply_to: str | None = None,
    order_number: str | None = None,
) -> dict[str, Any]:
    """The JSON the desk posts to the connector's callback URL for a reply."""
    return reply_payload(
        {
            "marketplace": marketplace,
            "message_id": message_id,
            "buyer_id": buyer_id,
            "text": text,
            "sent_at": sent_at.isoformat(),
        },
        in_reply_to=in_reply_to,
        order_number=order_number,
    )


def sign_marketplace(raw_body: bytes, config: MarketplaceConfig, now: datetime) -> dict[str, str]:
    """Headers for an outbound body: X-Desk-Timestamp and X-Desk-Signature (the inbound scheme)."""
    timestamp = str(int(now.timestamp()))
    digest = hmac_hex(config.secret.get_secret_value(), signing_input(timestamp, raw_body))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: "sha256=" + digest}
