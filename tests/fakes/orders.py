"""In memory: the order store the shop feeds (orders.ports.OrderStore). Behaves as
adapters/order_store.DynamoOrderStore does; tests/integration/test_order_store_contract.py runs
the same assertions on both."""

from __future__ import annotations

from collections.abc import Sequence

from inquiry_desk.model import Identity, utc_now
from inquiry_desk.orders.model import Order


class FakeOrderStore:
    def __init__(self) -> None:
        self.orders: dict[str, Order] = {}
        self.exceptions: dict[tuple[str, str], str] = {}
        self.reads = 0

    def order(self, order_number: str) -> Order | None:
        self.reads += 1
        return self.orders.get(order_number)

    def orders_of(self, identities: Sequence[Identity], limit: int = 20) -> list[Order]:
        self.reads += 1
        keys = {i.key for i in identities}
        mine = [o for o in self.orders.values() if keys & {i.key for i in o.identities()}]
        return sorted(mine, key=lambda o: o.placed_at, reverse=True)[:limit]

    def put(self, order: Order) -> Order | None:
        before = self.orders.get(order.order_number)
        self.orders[order.order_number] = order.model_copy(update={"updated_at": order.updated_at or utc_now()})
        return before

    def mark_exception_opened(self, order_number: str, exception_kind: str, inquiry_id: str) -> bool:
        if (order_number, exception_kind) in self.exceptions:
            return False
        self.exceptions[(order_number, exception_kind)] = inquiry_id
        return True

    def exception_inquiry(self, order_number: str, exception_kind: str) -> str | None:
        return self.exceptions.get((order_number, exception_kind))
