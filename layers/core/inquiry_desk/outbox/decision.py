"""The outbox's decision (R5.1): where one pending reply goes, and whether it may go at all.

Pure domain: from an inquiry's timeline and one pending outbound message, `decide` returns a
`Delivery` (channel, address, email threading, provider context) or an `Undeliverable` with the
reason, which the dispatcher records on the inquiry. No I/O, no clock (the caller passes `now`).

Rules
-----
* The reply goes back on the inquiry's own channel, addressed to the `sender` of the customer's
  latest INBOUND message on that channel (chat customer id, WeChat openid, PSID/IGSID, phone,
  email address, marketplace buyer).
* Email: to the inbound `Reply-To` (metadata "reply_to"), else the sender; subject
  "Re: <subject> [INQ-<inquiry id>]"; In-Reply-To = the inbound metadata "message_id" when
  present, else its channel message id (the Message-ID the intake deduped on); References =
  the inbound thread keys + In-Reply-To.
* Channel windows (`ChannelWindows`): WeChat customer-service messages only within 48 h of the
  customer's last inbound WeChat message (errcode 45015 after that), WhatsApp free-form text
  only within 24 h (Messenger/Instagram standard messaging: 24 h). Outside the window, or when
  the channel has nobody to address or no sender configured, the reply falls back to another
  channel where the customer has a usable identity: a phone (SMS) or an email address, taken
  from the senders of the timeline's inbound messages (verified by their channels) first, then
  the inquiry's contact. With none: Undeliverable("outside the <channel> customer-service window
  and no other channel").
* Phone and in-store inquiries: SMS to the inquiry's contact when it is a phone number, else
  email when it is an address, else Undeliverable.

The window lengths are data: `ChannelWindows` (defaults above, overridable with the environment
variables DESK_WINDOW_<CHANNEL>_HOURS, e.g. DESK_WINDOW_WECHAT_HOURS=48; 0 switches a window
off). They live here rather than in the SLA policy file only because that file's schema is owned
elsewhere; they can move into the policy (`policy.outbox.windows`) without changing `decide`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from inquiry_desk.channels import identity
from inquiry_desk.channels.email import reply_subject
from inquiry_desk.channels.identity import normalize_email, normalize_phone
from inquiry_desk.model import Channel, Direction, Identity, Inquiry, Message
from inquiry_desk.ports import Timeline

# The identity kind a reply on each channel is addressed to (the codecs' sender kinds).
ADDRESS_KINDS: dict[Channel, frozenset[str]] = {
    Channel.CHAT: frozenset({identity.CHAT_CUSTOMER}),
    Channel.WECHAT: frozenset({identity.WECHAT_OPENID}),
    Channel.MESSENGER: frozenset({identity.MESSENGER_PSID}),
    Channel.INSTAGRAM: frozenset({identity.INSTAGRAM_IGSID}),
    Channel.WHATSAPP: frozenset({identity.PHONE}),
    Channel.SMS: frozenset({identity.PHONE}),
    Channel.EMAIL: frozenset({identity.EMAIL}),
    Channel.MARKETPLACE: frozenset({identity.MARKETPLACE_BUYER}),
}
# Channels a reply may fall back to (no window; addressable from a phone or an email address).
FALLBACKS: tuple[Channel, ...] = (Channel.SMS, Channel.EMAIL)
AGENT_ENTERED = frozenset({Channel.PHONE, Channel.IN_STORE})


class SendError(Exception):
    """A provider refused or could not be reached. `retryable`: try again later (5xx, 429,
    network); otherwise the reply is marked failed with `reason` (4xx, bad address, no config)."""

    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class ChannelWindows(BaseModel):
    """How long after the customer's last inbound message a free-form reply may be sent, per
    channel (hours; 0 = no window). Defaults: the providers' published rules."""

    model_config = ConfigDict(frozen=True)

    wechat_hours: float = Field(default=48, ge=0)  # customer-service message API (客服消息)
    whatsapp_hours: float = Field(default=24, ge=0)  # customer service window (templates after it)
    messenger_hours: float = Field(default=24, ge=0)  # standard messaging window
    instagram_hours: float = Field(default=24, ge=0)

    def window(self, channel: Channel) -> timedelta | None:
        hours = {
            Channel.WECHAT: self.wechat_hours,
            Channel.WHATSAPP: self.whatsapp_hours,
            Channel.MESSENGER: self.messenger_hours,
            Channel.INSTAGRAM: self.instagram_hours,
        }.get(channel)
        return timedelta(hours=hours) if hours else None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ChannelWindows:
        """Defaults overridden by DESK_WINDOW_<CHANNEL>_HOURS (WECHAT, WHATSAPP, MESSENGER, INSTAGRAM)."""
        values = {
            f"{name}_hours": env[key]
            for name in ("wechat", "whatsapp", "messenger", "instagram")
            if (key := f"DESK_WINDOW_{name.upper()}_HOURS") in env and env[key] != ""
        }
        return cls.model_validate(values)


def reply_windows(env: Mapping[str, str]) -> dict[str, float]:
    """Hours per channel that has a customer-service window (the console shows the time left)."""
    windows = ChannelWindows.from_env(env)
    return {c.value: w.total_seconds() / 3600 for c in Channel if (w := windows.window(c)) is not None}


@dataclass(frozen=True)
class Delivery:
    """Where and how one reply goes."""

    channel: Channel
    to: str  # the address on that channel (openid, PSID, E.164 phone, email address, ...)
    fallback_from: Channel | None = None  # set when the reply could not go on the inquiry's channel
    why: str = ""  # why this channel (shown on the timeline)
    in_reply_to: str | None = None  # the customer's message this answers (provider id)
    subject: str | None = None  # email only: the full reply subject
    references: tuple[str, ...] = ()  # email only
    context: dict[str, str] = field(default_factory=dict)  # provider specifics (phone_number_id, marketplace, ...)


@dataclass(frozen=True)
class Undeliverable:
    reason: str


Decision = Delivery | Undeliverable


def decide(
    timeline: Timeline,
    message: Message,
    now: datetime,
    windows: ChannelWindows | None = None,
    available: Collection[Channel] | None = None,
) -> Decision:
    """Where the pending reply `message` goes. `available`: channels with a configured sender
    (None: all), so a channel the shop cannot send on falls back like a closed window."""
    windows = windows or ChannelWindows()
    inquiry = timeline.inquiry
    channel = message.channel
    usable: Callable[[Channel], bool] = (lambda c: True) if available is None else (lambda c: c in available)
    if channel in AGENT_ENTERED:
        return _agent_entered(timeline, usable)
    latest = _latest_inbound(timeline.messages, channel)
    if latest is None or latest.sender is None or latest.sender.kind not in ADDRESS_KINDS.get(channel, ()):
        blocked = f"no {channel.value} sender to reply to"
    elif not usable(channel):
        blocked = f"no {channel.value} sender is configured"
    elif (window := windows.window(channel)) is not None and now - latest.at > window:
        hours = int(window.total_seconds() // 3600)
        blocked = f"outside the {channel.value} customer-service window ({hours} h since the customer's last message)"
    else:
        return _on_channel(inquiry, channel, latest, latest.sender)
    fallback = _fallback(timeline, usable, exclude=channel)
    if fallback is None:
        if blocked.startswith("outside the"):
            return Undeliverable(f"outside the {channel.value} customer-service window and no other channel")
        return Undeliverable(f"{blocked} and no other channel")
    return _with(fallback, fallback_from=channel, why=blocked)


def _agent_entered(timeline: Timeline, usable: Callable[[Channel], bool]) -> Decision:
    contact, kind = timeline.inquiry.contact or "", timeline.inquiry.channel.value
    phone, email = _as_phone(contact), _as_email(contact)
    if phone and usable(Channel.SMS):
        return Delivery(Channel.SMS, phone, why=f"{kind} inquiry: SMS to its contact")
    if email and usable(Channel.EMAIL):
        return _email(timeline.inquiry, email, None, why=f"{kind} inquiry: email to its contact")
    return Undeliverable(f"{kind} inquiry without a phone number or email address to reply to")


def _on_channel(inquiry: Inquiry, channel: Channel, latest: Message, sender: Identity) -> Delivery:
    reply_to = latest.channel_message_id
    if channel is Channel.EMAIL:
        to = latest.metadata.get("reply_to") or sender.value
        return _email(inquiry, to, latest, why="the customer's own channel")
    context: dict[str, str] = {}
    to = sender.value
    if channel is Channel.WHATSAPP and latest.metadata.get("phone_number_id"):
        context["phone_number_id"] = latest.metadata["phone_number_id"]
    elif channel is Channel.MARKETPLACE:
        marketplace, _, buyer = sender.value.partition(":")
        context["marketplace"] = latest.metadata.get("marketplace") or marketplace
        context["buyer_id"] = buyer
        if inquiry.order_number:
            context["order_number"] = inquiry.order_number
        if reply_to and reply_to.startswith(f"{marketplace}:"):
            reply_to = reply_to.removeprefix(f"{marketplace}:")
    elif channel is Channel.SMS:
        # answer from the number the customer wrote to (Twilio "to", End User Messaging destinationNumber)
        own = latest.metadata.get("to") or latest.metadata.get("destinationNumber")
        if own:
            context["from"] = own
        context["provider"] = "aws" if "destinationNumber" in latest.metadata else "twilio"
    elif channel is Channel.WECHAT and latest.metadata.get("to_user"):
        context["account"] = latest.metadata["to_user"]
    return Delivery(channel, to, why="the customer's own channel", in_reply_to=reply_to, context=context)


def _email(inquiry: Inquiry, to: str, latest: Message | None, why: str) -> Delivery:
    if latest is None:  # a fallback: there is no mail to thread to
        subject = inquiry.subject or _snippet(inquiry.description)
        return Delivery(Channel.EMAIL, to, why=why, subject=reply_subject(subject, inquiry.inquiry_id))
    in_reply_to: str | None = latest.metadata.get("message_id") or latest.channel_message_id
    references = tuple(k for k in (latest.metadata.get("thread_keys") or "").split() if k)
    if in_reply_to and in_reply_to not in references:
        references = (*references, in_reply_to)
    return Delivery(
        Channel.EMAIL,
        to,
        why=why,
        in_reply_to=in_reply_to,
        subject=reply_subject(latest.metadata.get("subject") or inquiry.subject, inquiry.inquiry_id),
        references=references,
    )


def _fallback(timeline: Timeline, usable: Callable[[Channel], bool], exclude: Channel) -> Delivery | None:
    phones: list[str] = []
    emails: list[str] = []
    for msg in sorted(timeline.messages, key=lambda m: m.at, reverse=True):
        if msg.direction is not Direction.INBOUND or msg.sender is None:
            continue
        if msg.sender.kind == identity.PHONE and (phone := _as_phone(msg.sender.value)):
            phones.append(phone)
        elif msg.sender.kind == identity.EMAIL and (
            address := _as_email(msg.metadata.get("reply_to") or msg.sender.value)
        ):
            emails.append(address)
    contact = timeline.inquiry.contact or ""
    if phone := _as_phone(contact):
        phones.append(phone)
    if email := _as_email(contact):
        emails.append(email)
    for channel in FALLBACKS:
        if channel is exclude or not usable(channel):
            continue
        if channel is Channel.SMS and phones:
            return Delivery(Channel.SMS, phones[0])
        if channel is Channel.EMAIL and emails:
            return _email(timeline.inquiry, emails[0], _latest_inbound(timeline.messages, Channel.EMAIL), why="")
    return None


def _with(delivery: Delivery, *, fallback_from: Channel, why: str) -> Delivery:
    return Delivery(
        delivery.channel,
        delivery.to,
        fallback_from=fallback_from,
        why=f"{why}: {delivery.channel.value} instead",
        in_reply_to=delivery.in_reply_to,
        subject=delivery.subject,
        references=delivery.references,
        context=dict(delivery.context),
    )


def _latest_inbound(messages: list[Message], channel: Channel) -> Message | None:
    inbound = [m for m in messages if m.direction is Direction.INBOUND and m.channel is channel]
    return max(inbound, key=lambda m: m.at) if inbound else None


def _as_phone(value: str) -> str | None:
    if not value or "@" in value:
        return None
    try:
        return normalize_phone(value)
    except ValueError:
        return None


def _as_email(value: str) -> str | None:
    if not value or "@" not in value:
        return None
    try:
        return normalize_email(value)
    except ValueError:
        return None


def _snippet(text: str, limit: int = 60) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
