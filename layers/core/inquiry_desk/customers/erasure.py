"""Erasure on a customer's request (R8.2): personal data out of the table and the mail bucket.

What goes: the profile's name and identities, the identity links, the inquiry record's name,
contact, order number, member id, description and subject, every message's text,
sender, metadata and attachments, raw mail and attachment objects, and on the shop's orders we
hold for them (the bot's look-ups) the phone, e-mail, channel ids, name and address. What stays, so reports still
add up: ids, channel, category, team, owner, status, times, result, satisfaction; and on each
inquiry's timeline a `customer_erased` tombstone (who, when, why) — the audit record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from inquiry_desk.errors import NotFound
from inquiry_desk.model import Customer, EventType, Inquiry, InquiryEvent
from inquiry_desk.ports import InquiryRepository, Timeline

if TYPE_CHECKING:
    from inquiry_desk.orders.ports import OrderStore

ERASED = "[erased]"
# Inquiry fields that carry personal data, and what they become.
INQUIRY_FIELDS: dict[str, str | None] = {
    "customer_name": None,
    "contact": None,
    "order_number": None,
    "member_id": None,
    "description": ERASED,
    "subject": None,
}
# Order fields that identify the person; the order itself (items, status, payment) stays the shop's.
ORDER_FIELDS: dict[str, object] = {
    "phone": None,
    "email": None,
    "channel_ids": [],
    "customer_name": None,
    "address": None,
}


class ErasureStore(Protocol):
    def erase_messages(self, inquiry_id: str) -> list[str]:
        """Blank every message of the inquiry; return the mail ids whose stored objects must go."""

    def erase_events(self, inquiry_id: str, values: list[str]) -> None:
        """Blank personal values quoted in the inquiry's timeline event data."""

    def erase_identity_links(self, customer: Customer) -> None: ...

    def erase_profile(self, customer_id: str, at: datetime) -> None: ...

    def erase_mail(self, mail_ids: list[str]) -> int:
        """Delete raw mail and attachments of these mails; return how many objects went."""


class ArchivedInquiries(Protocol):
    def archived_of(self, customer_id: str) -> list[str]: ...

    def get(self, inquiry_id: str) -> Timeline | None: ...

    def replace(self, timeline: Timeline) -> None: ...


class Tombstones(Protocol):
    def record(
        self,
        inquiry_id: str,
        at: datetime,
        actor: str,
        event_type: EventType,
        data: dict[str, object],
        changes: dict[str, object] | None = None,
    ) -> Inquiry: ...


@dataclass
class Erased:
    customer_id: str
    inquiries: list[str] = field(default_factory=list)
    identities: int = 0
    mail_objects: int = 0
    orders: int = 0


class CustomerEraser:
    def __init__(
        self,
        repository: InquiryRepository,
        store: ErasureStore,
        inquiries: Tombstones,
        archive: ArchivedInquiries | None = None,
        orders: OrderStore | None = None,
    ) -> None:
        self._repo = repository
        self._store = store
        self._inquiries = inquiries
        self._archive = archive
        self._orders = orders

    def erase(self, customer_id: str, actor: str, at: datetime, reason: str) -> Erased:
        customer = self._repo.get_customer(customer_id)
        if customer is None:
            raise NotFound(f"no customer {customer_id}")
        done = Erased(customer_id, identities=len(customer.identities))
        values = [i.value for i in customer.identities] + ([customer.name] if customer.name else [])
        mail_ids: list[str] = []
        for inquiry in self._repo.customer_inquiries(customer_id, limit=10_000):
            values += [v for v in (inquiry.customer_name, inquiry.contact) if v]
            mail_ids += self._store.erase_messages(inquiry.inquiry_id)
            self._inquiries.record(
                inquiry.inquiry_id,
                at,
                actor,
                EventType.CUSTOMER_ERASED,
                {"reason": reason, "customer_id": customer_id},
                changes=dict(INQUIRY_FIELDS),
            )
            done.inquiries.append(inquiry.inquiry_id)
        for inquiry_id in done.inquiries:
            self._store.erase_events(inquiry_id, sorted(set(values), key=len, reverse=True))
        if self._archive is not None:
            for inquiry_id in self._archive.archived_of(customer_id):
                archived = self._archive.get(inquiry_id)
                if archived is not None:
                    mail_ids += [m.metadata["mail_id"] for m in archived.messages if "mail_id" in m.metadata]
                    self._archive.replace(_erased(archived, actor, at, reason))
                    done.inquiries.append(inquiry_id)
        if self._orders is not None:  # the shop's orders we hold: kept for the shop, without the person
            for order in self._orders.orders_of(customer.identities, limit=1_000):
                self._orders.put(order.model_copy(update=dict(ORDER_FIELDS)))
                done.orders += 1
        self._store.erase_identity_links(customer)
        self._store.erase_profile(customer_id, at)
        done.mail_objects = self._store.erase_mail(sorted(set(mail_ids)))
        return done


def _erased(timeline: Timeline, actor: str, at: datetime, reason: str) -> Timeline:
    """An archived inquiry with its personal data gone and the tombstone on its timeline."""
    inquiry = timeline.inquiry.model_copy(update=dict(INQUIRY_FIELDS))
    messages = [
        m.model_copy(update={"body": ERASED, "sender": None, "attachments": [], "metadata": {}})
        for m in timeline.messages
    ]
    events = [e.model_copy(update={"data": {}}) if e.data else e for e in timeline.events]
    tombstone = InquiryEvent(
        inquiry_id=inquiry.inquiry_id,
        seq=len(events) + 1,
        type=EventType.CUSTOMER_ERASED,
        at=at,
        actor=actor,
        data={"reason": reason, "customer_id": inquiry.customer_id},
    )
    return Timeline(inquiry, [*events, tombstone], messages)
