"""The shop feeds its orders (authenticated API, CSV import): stored, and an exception (payment
failed, out of stock, logistics, cancelled with refund) opens an urgent inquiry for the order's
customer, exactly once per order and exception (R10.2), routed like any other."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from inquiry_desk.channels import identity as kinds
from inquiry_desk.model import Channel, Identity, InboundMessage
from inquiry_desk.orders.model import Order
from inquiry_desk.orders.ports import OrderStore

# the channel an order's customer is written to, by the identity the shop gave us, best first
_CHANNEL_OF = {
    kinds.CHAT_CUSTOMER: Channel.CHAT,
    kinds.WECHAT_OPENID: Channel.WECHAT,
    kinds.MESSENGER_PSID: Channel.MESSENGER,
    kinds.INSTAGRAM_IGSID: Channel.INSTAGRAM,
    kinds.MARKETPLACE_BUYER: Channel.MARKETPLACE,
    kinds.PHONE: Channel.SMS,
    kinds.EMAIL: Channel.EMAIL,
}


@dataclass(frozen=True)
class Fed:
    order: Order
    created: bool
    exception_inquiry: str | None = None  # the inquiry the order's exception opened (now or before)


def exception_message(order: Order, text: str, at: datetime) -> InboundMessage | None:
    """The order's exception as a message from its customer's channel; None without an identity."""
    assert order.exception is not None
    by_rank = sorted(
        (i for i in order.identities() if i.kind in _CHANNEL_OF), key=lambda i: list(_CHANNEL_OF).index(i.kind)
    )
    if not by_rank:
        return None
    sender: Identity = by_rank[0]
    return InboundMessage(
        channel=_CHANNEL_OF[sender.kind],
        channel_message_id=f"order-exception:{order.order_number}:{order.exception.kind.value}",
        sender=sender,
        text=text + (f": {order.exception.detail}" if order.exception.detail else ""),
        received_at=at,
        name=order.customer_name,
        order_number=order.order_number,
        # its own inquiry, like a recorded call: never joined to a conversation in progress
        metadata={"recorded_by": "order_feed", "order_exception": order.exception.kind.value},
    )


class OrderFeed:
    def __init__(
        self,
        store: OrderStore,
        open_urgent: Callable[[InboundMessage], str],
        texts: dict[str, str],
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._open_urgent = open_urgent
        self._texts = texts
        self._clock = clock

    def put(self, order: Order) -> Fed:
        before = self._store.put(order)
        exception = order.exception
        if exception is None:
            return Fed(order, before is None)
        kind = exception.kind.value
        opened = self._store.exception_inquiry(order.order_number, kind)
        if opened is None:
            text = self._texts.get(kind, "{order}: " + kind).format(order=order.order_number)
            message = exception_message(order, text, self._clock())
            if message is not None:
                opened = self._open_urgent(message)
                self._store.mark_exception_opened(order.order_number, kind, opened)
        return Fed(order, before is None, opened)
