"""Undoing an automatic link (R1.3: every merge explained and reversible).

Unlinking an identity from a customer gives it a customer of its own again, and moves along every
inquiry whose customer messages all came from that identity; inquiries that mix identities stay
(and say so on their timeline). Each step leaves an event on the inquiries it touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from inquiry_desk.errors import Conflict, NotFound
from inquiry_desk.ids import new_id
from inquiry_desk.inquiries.service import InquiryService
from inquiry_desk.model import Customer, Direction, EventType, Identity
from inquiry_desk.ports import InquiryRepository


@dataclass(frozen=True)
class Unlinked:
    identity: str
    from_customer: str
    to_customer: str
    moved: list[str]
    kept: list[str]


class CustomerService:
    def __init__(self, repository: InquiryRepository, inquiries: InquiryService) -> None:
        self._repo = repository
        self._inquiries = inquiries

    def unlink(self, customer_id: str, identity_key: str, actor: str, at: datetime, reason: str) -> Unlinked:
        kind, _, value = identity_key.partition("#")
        if not kind or not value:
            raise NotFound(f"{identity_key!r} is not an identity (kind#value)")
        identity = Identity(kind=kind, value=value)
        owner = self._repo.customer_for(identity)
        if owner is None:
            raise NotFound(f"identity {identity_key} is not linked to any customer")
        if owner != customer_id:
            raise Conflict(f"identity {identity_key} belongs to customer {owner}, not {customer_id}")
        old = self._repo.get_customer(customer_id)
        if old is None:
            raise NotFound(f"no customer {customer_id}")
        new = Customer(customer_id=new_id(at, "C"), name=old.name, identities=[identity], created_at=at)
        remaining = old.model_copy(update={"identities": [i for i in old.identities if i.key != identity.key]})
        self._repo.relink_identity(identity, old=remaining, new=new)

        moved, kept = [], []
        for inquiry in self._repo.customer_inquiries(customer_id, limit=200):
            timeline = self._repo.timeline(inquiry.inquiry_id)
            if timeline is None:
                continue
            senders = {m.sender.key for m in timeline.messages if m.direction is Direction.INBOUND and m.sender}
            data = {
                "identity": identity_key,
                "reason": reason,
                "from_customer": customer_id,
                "to_customer": new.customer_id,
            }
            if senders == {identity.key}:
                self._move(timeline.inquiry.inquiry_id, new.customer_id, actor, at, data)
                moved.append(inquiry.inquiry_id)
            elif identity.key in senders:
                kept.append(inquiry.inquiry_id)
                self._note(inquiry.inquiry_id, actor, at, {**data, "kept": "messages from several identities"})
        return Unlinked(identity_key, customer_id, new.customer_id, moved, kept)

    def _move(self, inquiry_id: str, to_customer: str, actor: str, at: datetime, data: dict[str, str]) -> None:
        self._inquiries.record(
            inquiry_id,
            at,
            actor,
            EventType.NOTE,
            {"unlinked": data["identity"], **data, "moved": "true"},
            changes={"customer_id": to_customer},
        )

    def _note(self, inquiry_id: str, actor: str, at: datetime, data: dict[str, str]) -> None:
        self._inquiries.record(inquiry_id, at, actor, EventType.NOTE, {"unlinked": data["identity"], **data})
