"""The order store contract: the same assertions on the in-memory fake (tests/fakes) and on the
DynamoDB adapter in the stack's own table (moto)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from inquiry_desk.adapters.order_store import DynamoOrderStore
from inquiry_desk.model import Identity
from inquiry_desk.orders.model import Order

from infra import names
from tests.fakes.orders import FakeOrderStore


@pytest.fixture(params=["fake", "dynamodb"])
def store(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "fake":
        yield FakeOrderStore()
        return
    stack = request.getfixturevalue("stack")
    yield DynamoOrderStore(boto3.client("dynamodb", region_name="us-east-1"), stack.outputs[names.OUT_TABLE])


def _order(number: str, chat: str, placed: str = "2026-03-01T02:00:00Z", **changes: Any) -> Order:
    return Order.model_validate(
        {
            "order_number": number,
            "status": "shipped",
            "phone": "+8613800138000",
            "channel_ids": [{"kind": "chat_customer", "value": chat}],
            "payment_status": "paid",
            "logistics": {"carrier": "SF", "tracking_number": "SF1", "events": [{"at": placed, "description": "在途"}]},
            "placed_at": placed,
            **changes,
        }
    )


def test_put_then_read_back_the_same_order(store: Any) -> None:
    number = f"SO-{uuid.uuid4().hex[:8]}"
    order = _order(number, "c-1")
    assert store.put(order) is None
    got = store.order(number)
    assert got is not None and got.model_dump(exclude={"updated_at"}) == order.model_dump(exclude={"updated_at"})
    assert got.updated_at is not None
    assert store.order("SO-never") is None


def test_put_again_returns_the_previous_version(store: Any) -> None:
    number = f"SO-{uuid.uuid4().hex[:8]}"
    store.put(_order(number, "c-1"))
    before = store.put(_order(number, "c-1", status="completed"))
    assert before is not None and before.status.value == "shipped"
    found = store.order(number)
    assert found is not None and found.status.value == "completed"


def test_orders_of_an_identity_newest_first_each_once(store: Any) -> None:
    chat = f"c-{uuid.uuid4().hex[:8]}"
    older, newer = f"SO-{uuid.uuid4().hex[:8]}", f"SO-{uuid.uuid4().hex[:8]}"
    store.put(_order(older, chat, "2026-01-01T00:00:00Z", phone=None))
    store.put(_order(newer, chat, "2026-02-01T00:00:00Z", phone=None))
    ident = Identity(kind="chat_customer", value=chat)
    assert [o.order_number for o in store.orders_of([ident, ident])] == [newer, older]
    assert store.orders_of([Identity(kind="chat_customer", value="nobody")]) == []


def test_an_identity_removed_from_an_order_no_longer_finds_it(store: Any) -> None:
    number, chat = f"SO-{uuid.uuid4().hex[:8]}", f"c-{uuid.uuid4().hex[:8]}"
    store.put(_order(number, chat, phone=None))
    store.put(_order(number, f"{chat}-new", phone=None))
    assert store.orders_of([Identity(kind="chat_customer", value=chat)]) == []
    assert [o.order_number for o in store.orders_of([Identity(kind="chat_customer", value=f"{chat}-new")])] == [number]


def test_an_exception_is_marked_once(store: Any) -> None:
    number = f"SO-{uuid.uuid4().hex[:8]}"
    assert store.exception_inquiry(number, "payment_failed") is None
    assert store.mark_exception_opened(number, "payment_failed", "Q1") is True
    assert store.mark_exception_opened(number, "payment_failed", "Q2") is False
    assert store.exception_inquiry(number, "payment_failed") == "Q1"
    assert store.exception_inquiry(number, "out_of_stock") is None
