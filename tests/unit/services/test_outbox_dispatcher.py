"""The outbox dispatcher on fakes (R5.1 replies go back on the customer's own channel): sent once,
retryable failures retried then failed, permanent failures failed at once, the channel window's
fallback, and every result recorded on the message and on the timeline."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from inquiry_desk.inquiries.lifecycle import Action
from inquiry_desk.model import Channel, EventType, Message
from inquiry_desk.outbox.decision import SendError
from inquiry_desk.outbox.dispatcher import RetryDelivery

from tests.fakes import T0, Desk, FakeSender
from tests.fakes.inbound import inbound

PHONE = "+8613800138000"


def _reply(desk: Desk, channel: Channel, sender: str, **fields: Any) -> tuple[str, Message]:
    """The customer writes at T0; an agent replies a minute later (the reply waits in the outbox)."""
    inquiry_id = desk.intake().receive(inbound(channel, sender, "where is my order", T0, **fields)).inquiry_id
    desk.inquiries().act(inquiry_id, Action.REPLY, "agent-7", T0 + timedelta(minutes=1), text="已发货 shipped")
    return inquiry_id, _message(desk, inquiry_id)


def _message(desk: Desk, inquiry_id: str) -> Message:
    timeline = desk.repository.timeline(inquiry_id)
    assert timeline is not None
    return timeline.messages[-1]


def _deliveries(desk: Desk, inquiry_id: str) -> list[dict[str, Any]]:
    timeline = desk.repository.timeline(inquiry_id)
    assert timeline is not None
    return [e.data for e in timeline.events if e.type is EventType.NOTE and "delivery" in e.data]


def test_R5_1_a_reply_is_sent_on_the_customers_own_channel_once(desk: Desk) -> None:
    chat = desk.sender(Channel.CHAT, FakeSender(provider_id="chat-77"))
    inquiry_id, reply = _reply(desk, Channel.CHAT, "web-42")
    desk.clock.at = T0 + timedelta(minutes=2)
    result = desk.dispatcher().dispatch(inquiry_id, reply.message_id)
    assert result.outcome == "sent"
    [sent] = chat.sent
    assert (sent.delivery.channel, sent.delivery.to, sent.message.body) == (Channel.CHAT, "web-42", "已发货 shipped")
    stored = _message(desk, inquiry_id)
    assert (stored.delivery_status, stored.delivery_attempts, stored.delivered_at) == ("sent", 1, desk.clock.at)
    assert stored.metadata["provider_message_id"] == "chat-77"
    assert _deliveries(desk, inquiry_id) == [
        {
            "delivery": "sent",
            "message_id": reply.message_id,
            "attempts": 1,
            "channel": "chat",
            "to": "web-42",
            "why": "the customer's own channel",
            "provider_message_id": "chat-77",
        }
    ]
    again = desk.dispatcher().dispatch(inquiry_id, reply.message_id)  # the stream delivers it again
    assert (again.outcome, again.reason) == ("skipped", "already sent")
    assert len(chat.sent) == 1 and len(_deliveries(desk, inquiry_id)) == 1


def test_R5_1_an_email_reply_threads_into_the_customers_mail(desk: Desk) -> None:
    mail = desk.sender(Channel.EMAIL)
    inquiry_id, reply = _reply(
        desk, Channel.EMAIL, "li@example.com", message_id="<a1@example.com>", subject="Order SO-1"
    )
    desk.dispatcher().dispatch(inquiry_id, reply.message_id)
    [sent] = mail.sent
    assert (sent.delivery.to, sent.delivery.in_reply_to) == ("li@example.com", "<a1@example.com>")
    assert sent.delivery.subject is not None and f"INQ-{inquiry_id}" in sent.delivery.subject


def test_a_retryable_failure_is_counted_and_retried_then_sent(desk: Desk) -> None:
    sms = desk.sender(Channel.SMS, FakeSender(SendError("HTTP 503", retryable=True)))
    inquiry_id, reply = _reply(desk, Channel.SMS, PHONE)
    with pytest.raises(RetryDelivery):
        desk.dispatcher().dispatch(inquiry_id, reply.message_id)
    pending = _message(desk, inquiry_id)
    assert (pending.delivery_status, pending.delivery_attempts) == ("pending", 1)
    assert pending.delivery_error == "attempt 1 failed, retrying: HTTP 503"
    assert _deliveries(desk, inquiry_id) == []  # nothing final yet
    result = desk.dispatcher().dispatch(inquiry_id, reply.message_id)  # the stream's retry
    assert result.outcome == "sent" and len(sms.sent) == 1
    stored = _message(desk, inquiry_id)
    assert (stored.delivery_status, stored.delivery_attempts, stored.delivery_error) == ("sent", 2, None)
    assert _deliveries(desk, inquiry_id)[0]["attempts"] == 2


def test_a_retryable_failure_on_the_last_attempt_marks_the_reply_failed(desk: Desk) -> None:
    busy = SendError("HTTP 429", retryable=True)
    desk.sender(Channel.SMS, FakeSender(busy, busy, busy))
    inquiry_id, reply = _reply(desk, Channel.SMS, PHONE)
    for _ in range(2):
        with pytest.raises(RetryDelivery):
            desk.dispatcher().dispatch(inquiry_id, reply.message_id)
    result = desk.dispatcher().dispatch(inquiry_id, reply.message_id)
    assert (result.outcome, result.reason) == ("failed", "HTTP 429 (after 3 attempts)")
    stored = _message(desk, inquiry_id)
    assert (stored.delivery_status, stored.delivery_attempts) == ("failed", 3)
    [failed] = _deliveries(desk, inquiry_id)
    assert (failed["delivery"], failed["reason"]) == ("failed", "HTTP 429 (after 3 attempts)")


def test_a_permanent_failure_marks_the_reply_failed_at_once_and_visibly(desk: Desk) -> None:
    wechat = desk.sender(Channel.WECHAT, FakeSender(SendError("errcode 40003: invalid openid", retryable=False)))
    inquiry_id, reply = _reply(desk, Channel.WECHAT, "oXyz")
    result = desk.dispatcher().dispatch(inquiry_id, reply.message_id)
    assert (result.outcome, result.reason) == ("failed", "errcode 40003: invalid openid")
    assert wechat.attempts == 1 and wechat.sent == []
    stored = _message(desk, inquiry_id)
    assert (stored.delivery_status, stored.delivery_error) == ("failed", "errcode 40003: invalid openid")
    assert _deliveries(desk, inquiry_id)[0]["reason"] == "errcode 40003: invalid openid"


def test_R5_1_outside_the_wechat_window_the_reply_falls_back_to_sms(desk: Desk) -> None:
    wechat, sms = desk.sender(Channel.WECHAT), desk.sender(Channel.SMS)
    inquiry_id, reply = _reply(desk, Channel.WECHAT, "oXyz", contact=PHONE)
    desk.clock.at = T0 + timedelta(hours=49)  # the customer last wrote 49 h ago: WeChat allows 48 h
    result = desk.dispatcher().dispatch(inquiry_id, reply.message_id)
    assert result.outcome == "sent" and wechat.sent == []
    [sent] = sms.sent
    assert (sent.delivery.channel, sent.delivery.to, sent.delivery.fallback_from) == (
        Channel.SMS,
        PHONE,
        Channel.WECHAT,
    )
    [recorded] = _deliveries(desk, inquiry_id)
    assert (recorded["channel"], recorded["fallback_from"]) == ("sms", "wechat")
    assert recorded["why"].startswith("outside the wechat customer-service window")


def test_R5_1_outside_the_window_with_no_other_channel_the_reply_is_undeliverable(desk: Desk) -> None:
    wechat = desk.sender(Channel.WECHAT)
    inquiry_id, reply = _reply(desk, Channel.WECHAT, "oXyz")
    desk.clock.at = T0 + timedelta(hours=49)
    result = desk.dispatcher().dispatch(inquiry_id, reply.message_id)
    assert (result.outcome, result.reason) == (
        "failed",
        "outside the wechat customer-service window and no other channel",
    )
    assert wechat.attempts == 0
    assert _message(desk, inquiry_id).delivery_status == "failed"


def test_a_channel_without_a_sender_falls_back_or_fails(desk: Desk) -> None:
    inquiry_id, reply = _reply(desk, Channel.WHATSAPP, PHONE)
    result = desk.dispatcher().dispatch(inquiry_id, reply.message_id)  # no sender configured at all
    assert (result.outcome, result.reason) == ("failed", "no whatsapp sender is configured and no other channel")
    other_id, other = _reply(desk, Channel.WHATSAPP, "+8613900000000")
    sms = desk.sender(Channel.SMS)
    assert desk.dispatcher().dispatch(other_id, other.message_id).outcome == "sent"
    assert sms.sent[0].delivery.fallback_from is Channel.WHATSAPP


def test_a_finished_delivery_whose_event_was_lost_is_recorded_on_redelivery(desk: Desk) -> None:
    inquiry_id, reply = _reply(desk, Channel.CHAT, "web-42")
    # the process died between marking the message and recording the event
    desk.repository.mark_delivery(
        reply,
        status="sent",
        attempts=1,
        error=None,
        delivered_at=T0,
        details={"delivery_channel": "chat", "delivery_to": "web-42"},
    )
    result = desk.dispatcher().dispatch(inquiry_id, reply.message_id)
    assert result.outcome == "skipped"
    [recorded] = _deliveries(desk, inquiry_id)
    assert (recorded["delivery"], recorded["channel"], recorded["to"]) == ("sent", "chat", "web-42")
    desk.dispatcher().dispatch(inquiry_id, reply.message_id)
    assert len(_deliveries(desk, inquiry_id)) == 1


def test_what_is_not_a_pending_outbound_message_is_skipped(desk: Desk) -> None:
    inquiry_id, _ = _reply(desk, Channel.CHAT, "web-42")
    timeline = desk.repository.timeline(inquiry_id)
    assert timeline is not None
    inbound_id = timeline.messages[0].message_id
    dispatcher = desk.dispatcher()
    assert dispatcher.dispatch("QNOPE", "M1").outcome == "skipped"
    assert dispatcher.dispatch(inquiry_id, "MNOPE").outcome == "skipped"
    assert dispatcher.dispatch(inquiry_id, inbound_id).reason == f"no outbound message {inbound_id}"
