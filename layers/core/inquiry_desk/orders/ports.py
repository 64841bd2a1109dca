"""The order port: where the bot and the agents' reply check read orders from. Adapters: the
DynamoDB order store the shop feeds (`adapters/order_store.py`) and the shop's own system over
HTTP (`adapters/shop_orders.py`); an in-memory fake in tests/fakes/orders.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from inquiry_desk.model import Identity
from inquiry_desk.orders.model import Order


class OrdersUnavailable(RuntimeError):
    """The order source did not answer: the bot hands the customer to a person."""


class OrderBook(Protocol):
    def order(self, order_number: str) -> Order | None:
        """The order with this number, or None."""

    def orders_of(self, identities: Sequence[Identity], limit: int = 20) -> list[Order]:
        """The orders of any of these customer identities, newest placed first, each once."""


class OrderStore(OrderBook, Protocol):
    def put(self, order: Order) -> Order | None:
        """Store (create or replace) the order; returns the order as it was before, or None."""

    def mark_exception_opened(self, order_number: str, exception_kind: str, inquiry_id: str) -> bool:
        """Record that this order's exception opened an inquiry; False when it had been recorded."""

    def exception_inquiry(self, order_number: str, exception_kind: str) -> str | None:
        """The inquiry this order's exception opened, if one was recorded."""
