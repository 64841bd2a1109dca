"""Customer messages as the channel codecs hand them to intake (already verified and parsed)."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from inquiry_desk.model import Channel, Identity, InboundMessage

_ids = itertools.count(1)

_SENDER_KIND = {
    Channel.CHAT: "chat_customer",
    Channel.WECHAT: "wechat_openid",
    Channel.SMS: "phone",
    Channel.WHATSAPP: "phone",
    Channel.EMAIL: "email",
    Channel.MESSENGER: "messenger_psid",
    Channel.INSTAGRAM: "instagram_igsid",
    Channel.MARKETPLACE: "marketplace_buyer",
}


def inbound(
    channel: Channel,
    sender: str,
    text: str,
    at: datetime,
    *,
    message_id: str | None = None,
    also: tuple[Identity, ...] = (),
    **fields: Any,
) -> InboundMessage:
    """One message from `sender` (the channel's own sender identity) received at `at`; a fresh
    channel message id unless `message_id` is given (give the same one for a redelivery)."""
    return InboundMessage(
        channel=channel,
        channel_message_id=message_id or f"{channel.value}-msg-{next(_ids)}",
        sender=Identity(kind=_SENDER_KIND[channel], value=sender),
        text=text,
        received_at=at,
        other_identities=also,
        **fields,
    )
