"""The same identity rule for agents (R8.2): a reply that gives away an order's number, tracking
number, phone, e-mail or address goes out only to that order's own customer, or to a customer who
answered the verification question on this inquiry. Otherwise it is refused with the reason."""

from __future__ import annotations

from collections.abc import Iterable

from inquiry_desk.errors import DeskError
from inquiry_desk.model import EventType
from inquiry_desk.orders.identity import disclosed, order_numbers_in, owner_of
from inquiry_desk.orders.ports import OrderBook
from inquiry_desk.ports import InquiryRepository, Timeline


class IdentityNotVerified(DeskError):
    """The reply would tell someone about an order that is not theirs (R8.2)."""

    http_status = 409
    code = "identity_not_verified"


class OrderPrivacy:
    def __init__(self, orders: OrderBook, repository: InquiryRepository, order_number_pattern: str) -> None:
        self._orders = orders
        self._repo = repository
        self._pattern = order_number_pattern

    def check_reply(self, timeline: Timeline, text: str) -> None:
        inquiry = timeline.inquiry
        verified = {
            str(e.data.get("order_number"))
            for e in timeline.events
            if e.type is EventType.IDENTITY_CHECKED and e.data.get("outcome") in ("owner", "verified")
        }
        for number in self._candidates(timeline, text):
            if number in verified:
                continue
            order = self._orders.order(number)
            if order is None:
                continue
            told = disclosed(order, text)
            if told and not owner_of(order, inquiry.customer_id, self._repo.customers_for):
                raise IdentityNotVerified(
                    f"the reply gives away the {', '.join(told).replace('_', ' ')} of order {number}, and this "
                    "inquiry's customer is not verified as that order's customer: ask for the phone number or "
                    "e-mail on the order first"
                )

    def _candidates(self, timeline: Timeline, text: str) -> Iterable[str]:
        seen: list[str] = []
        named = [
            *order_numbers_in(text, self._pattern),
            *([timeline.inquiry.order_number] if timeline.inquiry.order_number else []),
            *(str(e.data["order_number"]) for e in timeline.events if e.data.get("order_number")),
            *(n for m in timeline.messages for n in order_numbers_in(m.body or "", self._pattern)),
        ]
        for number in named:
            if number not in seen:
                seen.append(number)
        return seen
