"""An in-memory ChannelSender (the outbox dispatcher's port, `adapters.senders` on AWS) that
records what it sent and fails as told: a queue of SendErrors to raise before succeeding."""

from __future__ import annotations

from dataclasses import dataclass

from inquiry_desk.model import Message
from inquiry_desk.outbox.decision import Delivery, SendError


@dataclass(frozen=True)
class Sent:
    delivery: Delivery
    message: Message


class FakeSender:
    def __init__(self, *failures: SendError, provider_id: str | None = "provider-1") -> None:
        self.failures = list(failures)
        self.provider_id = provider_id
        self.sent: list[Sent] = []
        self.attempts = 0

    def send(self, delivery: Delivery, message: Message) -> str | None:
        self.attempts += 1
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(Sent(delivery, message))
        return self.provider_id
