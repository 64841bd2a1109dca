"""The small interfaces the domain needs from the outside world. Adapters implement them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from inquiry_desk.model import Customer, Identity, Inquiry, InquiryEvent, Message

if TYPE_CHECKING:
    from inquiry_desk.deadlines.contracts import LadderState, TimerSpec
    from inquiry_desk.deadlines.decisions import NamedTimer


class DuplicateMessage(Exception):
    """The channel message was recorded before: nothing was written."""

    def __init__(self, inquiry_id: str) -> None:
        super().__init__(f"message already recorded in inquiry {inquiry_id}")
        self.inquiry_id = inquiry_id


class IdentityTaken(Exception):
    """Another request linked one of these identities to a customer first: resolve and retry."""


class StaleInquiry(Exception):
    """The inquiry changed since it was read (optimistic concurrency)."""


@dataclass(frozen=True)
class NewInquiry:
    """Everything written, all or nothing, when a message opens an inquiry."""

    inquiry: Inquiry
    message: Message
    events: Sequence[InquiryEvent]
    dedupe_key: str
    new_customer: Customer | None = None  # set when the sender was not known before
    new_identities: Sequence[Identity] = field(default_factory=tuple)


@dataclass(frozen=True)
class Timeline:
    inquiry: Inquiry
    events: list[InquiryEvent]
    messages: list[Message]


class Timers(Protocol):
    def arm(self, inquiry_id: str, timer: TimerSpec | None, now: datetime, replacing: TimerSpec | None) -> int:
        """Make `timer` the inquiry's one armed timer (None: none), replacing the one armed for
        `replacing` when known; returns the number of AWS requests it took (at most 2)."""


class NamedSchedules(Protocol):
    def sync(self, inquiry_id: str, timers: Sequence[NamedTimer]) -> dict[str, int]:
        """Make the inquiry's named schedules exactly `timers` (created, moved, deleted counts)."""

    def ensure(self, inquiry_id: str, timers: Sequence[NamedTimer]) -> int:
        """Create those of `timers` that are missing (lost); leave existing ones as they are.
        Returns how many were created."""


class Notifier(Protocol):
    def notify(self, kind: str, subject: str, body: dict[str, Any]) -> None: ...


class Ladders(Protocol):
    def start(self, name: str, state: LadderState) -> None: ...


class InquiryRepository(Protocol):
    def customer_for(self, identity: Identity) -> str | None: ...

    def customers_for(self, identities: Sequence[Identity]) -> dict[str, str]: ...

    def inquiry_for_message(self, channel: str, channel_message_id: str) -> str | None: ...

    def relink_identity(self, identity: Identity, old: Customer, new: Customer) -> None: ...

    def get_customer(self, customer_id: str) -> Customer | None: ...

    def create(self, new: NewInquiry) -> None:
        """Write atomically; raise DuplicateMessage or IdentityTaken when a condition fails."""

    def append(
        self,
        inquiry: Inquiry,
        expected_version: int,
        events: Sequence[InquiryEvent],
        message: Message | None = None,
        dedupe_key: str | None = None,
    ) -> None:
        """Save `inquiry` (already advanced), add events/message; raise StaleInquiry/DuplicateMessage."""

    def get(self, inquiry_id: str) -> Inquiry | None: ...

    def timeline(self, inquiry_id: str) -> Timeline | None: ...

    def team_queue(self, team: str, limit: int = 50) -> list[Inquiry]: ...

    def customer_inquiries(self, customer_id: str, limit: int = 50) -> list[Inquiry]: ...

    def overdue(self, team: str, now: datetime, limit: int = 100, newest_first: bool = False) -> list[Inquiry]:
        """A team's open inquiries whose next deadline has passed: longest overdue first, or with
        `newest_first` the most recently passed first (the reconciler: a timer lost now is among
        them, while long-breached inquiries wait for a person, not for the reconciler)."""
        ...

    def recent(self, since: datetime, limit: int = 50) -> list[Inquiry]: ...


class AgentDirectory(Protocol):
    def teams_of(self, user: str) -> frozenset[str] | None:
        """The agent's teams; None when there is no such user or the user is disabled."""
