"""Inquiries an agent records by hand: phone calls and in-store visits (R1.1), with the voice
recording's summary (R8.4). The caller's number (or e-mail) identifies the customer (R1.3)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from inquiry_desk.channels.identity import normalize_email, normalize_phone
from inquiry_desk.errors import PayloadError
from inquiry_desk.model import Channel, Identity, InboundMessage


def _identity(contact: str | None, reference: str, country_code: str | None) -> Identity:
    if contact:
        if "@" in contact:
            try:
                return Identity(kind="email", value=normalize_email(contact))
            except ValueError:
                raise PayloadError(f"contact {contact!r} is not a usable e-mail address") from None
        try:
            return Identity(kind="phone", value=normalize_phone(contact, default_country_code=country_code))
        except ValueError:
            raise PayloadError(f"contact {contact!r} is neither a phone number nor an e-mail address") from None
    return Identity(kind="walk_in", value=reference)  # an anonymous visitor: a customer of their own


def recorded_message(
    fields: dict[str, Any], actor: str, at: datetime, country_code: str | None = None
) -> InboundMessage:
    """`country_code`: for numbers typed without one (the shop's own country, a setting)."""
    reference = str(fields.get("reference") or uuid.uuid4())
    metadata = {"recorded_by": actor}
    if fields.get("voice_summary"):
        metadata["voice_summary"] = str(fields["voice_summary"])
    if fields.get("link_to"):
        metadata["thread_token"] = f"INQ-{fields['link_to']}"  # the agent says it belongs there
    return InboundMessage(
        channel=Channel(fields["channel"]),
        channel_message_id=f"{actor}:{reference}",
        sender=_identity(fields.get("contact"), reference, country_code),
        text=str(fields["description"]),
        received_at=at,
        name=fields.get("customer_name"),
        contact=fields.get("contact"),
        order_number=fields.get("order_number"),
        member_id=fields.get("member_id"),
        metadata=metadata,
    )
