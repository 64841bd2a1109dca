"""Where a reply goes (R5.1): the customer's own channel and address, email threading, the
WeChat (48 h) and WhatsApp (24 h) customer-service windows, fallbacks and failure reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from inquiry_desk.model import Channel, Direction, Identity, Inquiry, Message
from inquiry_desk.outbox.decision import ChannelWindows, Delivery, Undeliverable, decide
from inquiry_desk.ports import Timeline

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _inbound(channel: Channel, kind: str, value: str, at: datetime, **extra: object) -> Message:
    return Message(
        message_id=f"M-in-{channel.value}-{at.timestamp():.0f}-{value}",
        inquiry_id="Q1",
        direction=Direction.INBOUND,
        channel=channel,
        body="hello",
        at=at,
        author="cust-1",
        sender=Identity(kind=kind, value=value),
        **extra,
    )


def _timeline(channel: Channel, *messages: Message, contact: str | None = None, **inquiry: object) -> Timeline:
    record = Inquiry(
        inquiry_id="Q1",
        customer_id="cust-1",
        channel=channel,
        received_at=NOW - timedelta(days=3),
        description="我的订单还没发货 where is my order",
        contact=contact,
        **inquiry,
    )
    return Timeline(record, [], list(messages))


def _reply(channel: Channel) -> Message:
    return Message(
        message_id="M-out",
        inquiry_id="Q1",
        direction=Direction.OUTBOUND,
        channel=channel,
        body="已发货 shipped today",
        at=NOW,
        author="agent-7",
        delivery_status="pending",
    )


def _delivery(decision: object) -> Delivery:
    assert isinstance(decision, Delivery), decision
    return decision


@pytest.mark.parametrize(
    ("channel", "kind", "value"),
    [
        (Channel.CHAT, "chat_customer", "cust-42"),
        (Channel.WECHAT, "wechat_openid", "oXyz123"),
        (Channel.MESSENGER, "messenger_psid", "2456"),
        (Channel.INSTAGRAM, "instagram_igsid", "9911"),
        (Channel.WHATSAPP, "phone", "+8613800138000"),
        (Channel.SMS, "phone", "+8613800138000"),
        (Channel.MARKETPLACE, "marketplace_buyer", "tmall:buyer-7"),
    ],
)
def test_R5_1_reply_goes_to_the_latest_sender_on_the_customers_own_channel(
    channel: Channel, kind: str, value: str
) -> None:
    older = _inbound(channel, kind, "someone-else", NOW - timedelta(hours=3), channel_message_id="old")
    latest = _inbound(channel, kind, value, NOW - timedelta(hours=1), channel_message_id="latest")
    delivery = _delivery(decide(_timeline(channel, older, latest), _reply(channel), NOW))
    assert (delivery.channel, delivery.to, delivery.fallback_from) == (channel, value, None)
    assert delivery.in_reply_to == "latest"


def test_R5_1_marketplace_reply_names_the_marketplace_buyer_and_order() -> None:
    msg = _inbound(
        Channel.MARKETPLACE,
        "marketplace_buyer",
        "jd:b-9",
        NOW - timedelta(hours=1),
        channel_message_id="jd:m-1",
        metadata={"marketplace": "jd"},
    )
    delivery = _delivery(
        decide(_timeline(Channel.MARKETPLACE, msg, order_number="SO-1"), _reply(Channel.MARKETPLACE), NOW)
    )
    assert delivery.context == {"marketplace": "jd", "buyer_id": "b-9", "order_number": "SO-1"}
    assert delivery.in_reply_to == "m-1"


def test_R5_1_email_reply_threads_to_the_customers_mail() -> None:
    mail = _inbound(
        Channel.EMAIL,
        "email",
        "wang.fang@example.com",
        NOW - timedelta(days=5),
        channel_message_id="<demo-1@example.com>",
        metadata={"subject": "耳机故障", "thread_keys": "<older@example.com>"},
    )
    delivery = _delivery(decide(_timeline(Channel.EMAIL, mail), _reply(Channel.EMAIL), NOW))
    assert delivery.channel is Channel.EMAIL and delivery.to == "wang.fang@example.com"
    assert delivery.subject == "Re: 耳机故障 [INQ-Q1]"
    assert delivery.in_reply_to == "<demo-1@example.com>"
    assert delivery.references == ("<older@example.com>", "<demo-1@example.com>")


def test_R5_1_email_reply_prefers_reply_to_and_the_original_message_id() -> None:
    mail = _inbound(
        Channel.EMAIL,
        "email",
        "noreply@example.com",
        NOW - timedelta(hours=2),
        channel_message_id="sha256:abc",
        metadata={"reply_to": "li.lei@example.com", "message_id": "<orig@example.com>", "subject": "Re: 退货"},
    )
    delivery = _delivery(decide(_timeline(Channel.EMAIL, mail), _reply(Channel.EMAIL), NOW))
    assert delivery.to == "li.lei@example.com"
    assert delivery.in_reply_to == "<orig@example.com>"
    assert delivery.subject == "Re: 退货 [INQ-Q1]"


def test_R5_1_wechat_within_48_hours_goes_on_wechat() -> None:
    msg = _inbound(Channel.WECHAT, "wechat_openid", "oXyz", NOW - timedelta(hours=47, minutes=59))
    delivery = _delivery(decide(_timeline(Channel.WECHAT, msg), _reply(Channel.WECHAT), NOW))
    assert delivery.channel is Channel.WECHAT and delivery.to == "oXyz"


def test_R5_1_wechat_after_48_hours_falls_back_to_sms_then_email() -> None:
    msg = _inbound(Channel.WECHAT, "wechat_openid", "oXyz", NOW - timedelta(hours=48, minutes=1))
    by_phone = _delivery(
        decide(_timeline(Channel.WECHAT, msg, contact="+86 138 0013 8000"), _reply(Channel.WECHAT), NOW)
    )
    assert (by_phone.channel, by_phone.to, by_phone.fallback_from) == (Channel.SMS, "+8613800138000", Channel.WECHAT)
    assert "outside the wechat customer-service window" in by_phone.why
    by_mail = _delivery(decide(_timeline(Channel.WECHAT, msg, contact="Li@Example.com"), _reply(Channel.WECHAT), NOW))
    assert (by_mail.channel, by_mail.to) == (Channel.EMAIL, "li@example.com")
    assert by_mail.subject is not None and by_mail.subject.endswith("[INQ-Q1]")


def test_R5_1_wechat_after_48_hours_without_another_channel_fails_with_the_reason() -> None:
    msg = _inbound(Channel.WECHAT, "wechat_openid", "oXyz", NOW - timedelta(hours=49))
    decision = decide(_timeline(Channel.WECHAT, msg), _reply(Channel.WECHAT), NOW)
    assert decision == Undeliverable("outside the wechat customer-service window and no other channel")


def test_R5_1_whatsapp_window_is_24_hours_then_sms_to_the_same_number() -> None:
    inside = _inbound(
        Channel.WHATSAPP, "phone", "+8613800138000", NOW - timedelta(hours=23), metadata={"phone_number_id": "1065"}
    )
    delivery = _delivery(decide(_timeline(Channel.WHATSAPP, inside), _reply(Channel.WHATSAPP), NOW))
    assert delivery.channel is Channel.WHATSAPP and delivery.context["phone_number_id"] == "1065"
    outside = _inbound(Channel.WHATSAPP, "phone", "+8613800138000", NOW - timedelta(hours=25))
    fallback = _delivery(decide(_timeline(Channel.WHATSAPP, outside), _reply(Channel.WHATSAPP), NOW))
    assert (fallback.channel, fallback.to, fallback.fallback_from) == (Channel.SMS, "+8613800138000", Channel.WHATSAPP)


def test_R5_1_whatsapp_outside_window_with_sms_unavailable_fails() -> None:
    outside = _inbound(Channel.WHATSAPP, "phone", "+8613800138000", NOW - timedelta(hours=25))
    decision = decide(
        _timeline(Channel.WHATSAPP, outside), _reply(Channel.WHATSAPP), NOW, available={Channel.WHATSAPP, Channel.EMAIL}
    )
    assert decision == Undeliverable("outside the whatsapp customer-service window and no other channel")


def test_window_lengths_are_data() -> None:
    msg = _inbound(Channel.WECHAT, "wechat_openid", "oXyz", NOW - timedelta(hours=30))
    short = ChannelWindows.from_env({"DESK_WINDOW_WECHAT_HOURS": "24"})
    assert isinstance(decide(_timeline(Channel.WECHAT, msg), _reply(Channel.WECHAT), NOW, short), Undeliverable)
    off = ChannelWindows(wechat_hours=0)
    assert _delivery(decide(_timeline(Channel.WECHAT, msg), _reply(Channel.WECHAT), NOW, off)).channel is Channel.WECHAT


def test_a_channel_without_a_configured_sender_falls_back() -> None:
    chat = _inbound(Channel.CHAT, "chat_customer", "cust-42", NOW - timedelta(minutes=5))
    sms = _inbound(Channel.SMS, "phone", "+8613800138000", NOW - timedelta(minutes=50))
    delivery = _delivery(decide(_timeline(Channel.CHAT, chat, sms), _reply(Channel.CHAT), NOW, available={Channel.SMS}))
    assert (delivery.channel, delivery.to, delivery.fallback_from) == (Channel.SMS, "+8613800138000", Channel.CHAT)
    assert "no chat sender is configured" in delivery.why
    assert decide(_timeline(Channel.CHAT, chat), _reply(Channel.CHAT), NOW, available=set()) == Undeliverable(
        "no chat sender is configured and no other channel"
    )


@pytest.mark.parametrize("channel", [Channel.PHONE, Channel.IN_STORE])
def test_R5_1_phone_and_in_store_reply_by_sms_else_email_else_fail(channel: Channel) -> None:
    sms = _delivery(decide(_timeline(channel, contact="+1 415 555 0100"), _reply(channel), NOW))
    assert (sms.channel, sms.to) == (Channel.SMS, "+14155550100")
    mail = _delivery(decide(_timeline(channel, contact="a.b@shop-customer.example"), _reply(channel), NOW))
    assert (mail.channel, mail.to) == (Channel.EMAIL, "a.b@shop-customer.example")
    failed = decide(_timeline(channel, contact="ask for Mr Li"), _reply(channel), NOW)
    assert isinstance(failed, Undeliverable) and "without a phone number or email address" in failed.reason


def test_no_inbound_message_on_the_channel_is_a_failure_with_reason() -> None:
    decision = decide(_timeline(Channel.WEIBO), _reply(Channel.WEIBO), NOW)
    assert decision == Undeliverable("no weibo sender to reply to and no other channel")
