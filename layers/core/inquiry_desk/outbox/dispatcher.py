"""The outbox dispatcher (R5.1): sends one pending reply and records what happened.

A `reply` stores an OUTBOUND message with delivery_status "pending" in the same transaction as
the inquiry (the outbox). The table's stream hands each such message to `Dispatcher.dispatch`,
which re-reads the timeline, decides the delivery (`outbox.decide`), sends it with the channel's
sender, and records the result twice: on the message (delivery_status sent | failed, attempts,
error, delivered_at: a conditional update that only a pending message accepts) and as a NOTE
event on the inquiry's timeline (`{"delivery": "sent" | "failed", ...}`), so a failure is never
silent.

* Idempotent: a message that is no longer pending is not sent again. If its timeline event is
  missing (the process died between the two writes), it is added then.
* Retryable send errors (provider 5xx/429, network) are counted on the message and raised as
  `RetryDelivery`, so the stream retries; the attempt that reaches `max_attempts` marks the
  message failed instead (visible on the inquiry, not only in the dead-letter queue).
* At least once: two concurrent dispatches of one message can both send (only one records).
  Payloads carry the desk's message id (chat, marketplace, email Message-ID) for receivers to
  dedupe on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from inquiry_desk.inquiries.service import InquiryService
from inquiry_desk.model import Channel, DeliveryStatus, Direction, EventType, Message
from inquiry_desk.outbox.decision import ChannelWindows, Delivery, SendError, Undeliverable, decide
from inquiry_desk.ports import InquiryRepository, Timeline

if TYPE_CHECKING:
    from inquiry_desk.deadlines.planner import DeadlinePlanner

ACTOR = "dispatcher"
PENDING, SENT, FAILED = DeliveryStatus.PENDING, DeliveryStatus.SENT, DeliveryStatus.FAILED


class ChannelSender(Protocol):
    def send(self, delivery: Delivery, message: Message) -> str | None:
        """Send `message.body` as `delivery` says; the provider's message id if it gives one.
        Raise outbox.SendError on failure."""


class OutboxRepository(InquiryRepository, Protocol):
    def mark_delivery(
        self,
        message: Message,
        *,
        status: str,
        attempts: int,
        error: str | None,
        delivered_at: datetime | None,
        details: Mapping[str, str],
    ) -> bool:
        """Update the message item if it is still pending (merging `details` into its metadata);
        False when it was not pending any more."""


class RetryDelivery(Exception):
    """A retryable send failure: raise it out of the stream handler so the record is retried."""


@dataclass(frozen=True)
class DispatchResult:
    outcome: str  # sent | failed | skipped
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)


class Dispatcher:
    def __init__(
        self,
        repository: OutboxRepository,
        senders: Mapping[Channel, ChannelSender],
        now: Callable[[], datetime],
        *,
        planner: DeadlinePlanner | None = None,
        windows: ChannelWindows | None = None,
        max_attempts: int = 3,
    ) -> None:
        self._repo = repository
        self._senders = senders
        self._now = now
        self._inquiries = InquiryService(repository, planner)
        self._windows = windows or ChannelWindows()
        self._max_attempts = max(1, max_attempts)

    def dispatch(self, inquiry_id: str, message_id: str) -> DispatchResult:
        timeline = self._repo.timeline(inquiry_id)
        if timeline is None:
            return DispatchResult("skipped", f"no inquiry {inquiry_id}")
        message = next((m for m in timeline.messages if m.message_id == message_id), None)
        if message is None or message.direction is not Direction.OUTBOUND:
            return DispatchResult("skipped", f"no outbound message {message_id}")
        if message.delivery_status != PENDING:
            self._ensure_recorded(timeline, message)
            return DispatchResult("skipped", f"already {message.delivery_status}")
        now = self._now()
        decision = decide(timeline, message, now, self._windows, available=set(self._senders))
        if isinstance(decision, Undeliverable):
            return self._finish(message, FAILED, decision.reason, None, {})
        details = _details(decision)
        try:
            provider_id = self._senders[decision.channel].send(decision, message)
        except SendError as err:
            attempts = message.delivery_attempts + 1
            if err.retryable and attempts < self._max_attempts:
                self._repo.mark_delivery(
                    message,
                    status=PENDING,
                    attempts=attempts,
                    error=f"attempt {attempts} failed, retrying: {err.reason}",
                    delivered_at=None,
                    details=_as_metadata(details),
                )
                raise RetryDelivery(f"{decision.channel.value} send failed (attempt {attempts}): {err.reason}") from err
            reason = f"{err.reason} (after {attempts} attempts)" if err.retryable else err.reason
            return self._finish(message, FAILED, reason, None, details)
        if provider_id:
            details["provider_message_id"] = provider_id
        return self._finish(message, SENT, "", now, details)

    # --- recording --------------------------------------------------------------------------
    def _finish(
        self, message: Message, status: str, reason: str, delivered_at: datetime | None, details: dict[str, str]
    ) -> DispatchResult:
        attempts = message.delivery_attempts + 1
        won = self._repo.mark_delivery(
            message,
            status=status,
            attempts=attempts,
            error=reason or None,
            delivered_at=delivered_at,
            details=_as_metadata(details),
        )
        if not won:  # a concurrent dispatch recorded first; it also records the event
            return DispatchResult("skipped", "recorded by a concurrent dispatch", dict(details))
        data = _event_data(message.message_id, status, attempts, reason, details)
        self._inquiries.record(message.inquiry_id, self._now(), ACTOR, EventType.NOTE, data)
        return DispatchResult(status, reason, dict(details))

    def _ensure_recorded(self, timeline: Timeline, message: Message) -> None:
        """Add the delivery event of a finished message if a crash lost it."""
        if message.delivery_status not in (SENT, FAILED):
            return
        for event in timeline.events:
            if event.data.get("message_id") == message.message_id and event.data.get("delivery") in (SENT, FAILED):
                return
        details = {
            k: v
            for k, v in message.metadata.items()
            if k in ("delivery_channel", "delivery_to", "fallback_from", "why", "provider_message_id")
        }
        data = _event_data(
            message.message_id,
            str(message.delivery_status),
            message.delivery_attempts,
            message.delivery_error or "",
            {_plain_key(k): v for k, v in details.items()},
        )
        self._inquiries.record(message.inquiry_id, self._now(), ACTOR, EventType.NOTE, data)


def _details(delivery: Delivery) -> dict[str, str]:
    details = {"channel": delivery.channel.value, "to": delivery.to}
    if delivery.fallback_from is not None:
        details["fallback_from"] = delivery.fallback_from.value
    if delivery.why:
        details["why"] = delivery.why
    return details


_METADATA_KEYS = {"channel": "delivery_channel", "to": "delivery_to"}


def _as_metadata(details: Mapping[str, str]) -> dict[str, str]:
    """The delivery details as message metadata ("channel" -> "delivery_channel", ...)."""
    return {_METADATA_KEYS.get(k, k): v for k, v in details.items()}


def _plain_key(key: str) -> str:
    return {v: k for k, v in _METADATA_KEYS.items()}.get(key, key)


def _event_data(message_id: str, status: str, attempts: int, reason: str, details: Mapping[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {"delivery": status, "message_id": message_id, "attempts": attempts, **details}
    if reason:
        data["reason"] = reason
    return data
