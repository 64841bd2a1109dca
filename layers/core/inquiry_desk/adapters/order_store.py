"""The shop's orders in the desk's one DynamoDB table (implements orders.ports.OrderStore).

order                PK ORDER#<number>               SK ORDER
order of an identity PK ORDERS_OF#<kind>#<value>     SK <placed at>#<number>   (one per identity of the order)
exception opened     PK ORDER#<number>               SK EXC#<kind>             (once per order and exception)

Reads are GetItem, BatchGetItem and one Query per identity: no scan, no extra index. A put writes
the order and its identity items in one transaction and deletes the identity items the order no
longer has.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from inquiry_desk.model import Identity, utc_now
from inquiry_desk.orders.model import Order

_ser = TypeSerializer()
_deser = TypeDeserializer()


def _iso(order: Order) -> str:
    return order.placed_at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _key(order_number: str) -> dict[str, Any]:
    return {"PK": {"S": f"ORDER#{order_number}"}, "SK": {"S": "ORDER"}}


def _index_key(identity_key: str, order: Order) -> dict[str, Any]:
    return {"PK": {"S": f"ORDERS_OF#{identity_key}"}, "SK": {"S": f"{_iso(order)}#{order.order_number}"}}


class DynamoOrderStore:
    def __init__(self, client: Any, table_name: str) -> None:
        self._db = client
        self._table = table_name

    def order(self, order_number: str) -> Order | None:
        item = self._db.get_item(TableName=self._table, Key=_key(order_number)).get("Item")
        return _order(item) if item else None

    def orders_of(self, identities: Sequence[Identity], limit: int = 20) -> list[Order]:
        numbers: dict[str, str] = {}  # number -> placed at (newest first after sorting)
        for identity in {i.key: i for i in identities}.values():
            got = self._db.query(
                TableName=self._table,
                KeyConditionExpression="PK = :pk",
                ExpressionAttributeValues={":pk": {"S": f"ORDERS_OF#{identity.key}"}},
                ScanIndexForward=False,
                Limit=limit,
            )
            for item in got.get("Items", []):
                placed, _, number = item["SK"]["S"].partition("#")
                numbers[number] = max(placed, numbers.get(number, ""))
        newest = sorted(numbers, key=lambda n: numbers[n], reverse=True)[:limit]
        return [o for o in self._batch(newest) if o is not None]

    def _batch(self, numbers: list[str]) -> list[Order | None]:
        found: dict[str, Order] = {}
        for start in range(0, len(numbers), 100):
            request: dict[str, Any] = {self._table: {"Keys": [_key(n) for n in numbers[start : start + 100]]}}
            while request:
                got = self._db.batch_get_item(RequestItems=request)
                for item in got.get("Responses", {}).get(self._table, []):
                    order = _order(item)
                    found[order.order_number] = order
                request = got.get("UnprocessedKeys") or {}
        return [found.get(n) for n in numbers]

    def put(self, order: Order) -> Order | None:
        before = self.order(order.order_number)
        stored = order.model_copy(update={"updated_at": order.updated_at or utc_now()})
        body = stored.model_dump(mode="json", exclude_none=True)
        item = {"PK": f"ORDER#{order.order_number}", "SK": "ORDER", "kind": "order", **body}
        writes: list[dict[str, Any]] = [
            {"Put": {"TableName": self._table, "Item": {k: _ser.serialize(v) for k, v in item.items()}}}
        ]
        keep = {i.key for i in stored.identities()}
        for key in sorted(keep):
            index = {**_index_key(key, stored), "kind": {"S": "order_of"}, "order_number": {"S": order.order_number}}
            writes.append({"Put": {"TableName": self._table, "Item": index}})
        if before is not None:
            for old in before.identities():
                if old.key not in keep or _iso(before) != _iso(stored):
                    writes.append({"Delete": {"TableName": self._table, "Key": _index_key(old.key, before)}})
        for start in range(0, len(writes), 100):
            self._db.transact_write_items(TransactItems=writes[start : start + 100])
        return before

    def mark_exception_opened(self, order_number: str, exception_kind: str, inquiry_id: str) -> bool:
        try:
            self._db.put_item(
                TableName=self._table,
                Item={
                    "PK": {"S": f"ORDER#{order_number}"},
                    "SK": {"S": f"EXC#{exception_kind}"},
                    "kind": {"S": "order_exception"},
                    "inquiry_id": {"S": inquiry_id},
                },
                ConditionExpression="attribute_not_exists(PK)",
            )
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def exception_inquiry(self, order_number: str, exception_kind: str) -> str | None:
        item = self._db.get_item(
            TableName=self._table,
            Key={"PK": {"S": f"ORDER#{order_number}"}, "SK": {"S": f"EXC#{exception_kind}"}},
        ).get("Item")
        return item["inquiry_id"]["S"] if item else None


def _order(item: dict[str, Any]) -> Order:
    plain = {k: _deser.deserialize(v) for k, v in item.items() if k not in ("PK", "SK", "kind")}
    return Order.model_validate(_numbers(plain))


def _numbers(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    return value
