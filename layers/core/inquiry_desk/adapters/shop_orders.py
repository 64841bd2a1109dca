"""The shop's own order system over HTTP (implements orders.ports.OrderBook, read only).

For shops that keep their orders in their own system instead of feeding the desk's order store.
The shop exposes two read-only endpoints; every request we send is signed so the shop knows it is
us:

    GET <base>/orders/<order number>                 -> 200 {order} | 404
    GET <base>/orders?identity=<kind>%23<value>&...  -> 200 {"orders": [{order}, ...]}

    X-Desk-Timestamp: <unix seconds>
    X-Desk-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<METHOD> <path and query>")>

An order is the JSON of ``orders.model.Order`` (docs: README "The bot and orders"). The shop
should refuse a timestamp more than 5 minutes from its clock. Errors other than 404 raise
``ShopUnavailable``: the bot then hands the customer to a person.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlencode, urlsplit
from urllib.request import Request, urlopen

from inquiry_desk.model import Identity
from inquiry_desk.orders.model import Order
from inquiry_desk.orders.ports import OrdersUnavailable


class ShopUnavailable(OrdersUnavailable):
    """The shop's system did not answer as documented."""


def signature(secret: bytes, timestamp: str, method: str, path_and_query: str) -> str:
    digest = hmac.new(secret, f"{timestamp}.{method} {path_and_query}".encode(), hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class ShopOrderSystem:
    def __init__(
        self,
        base_url: str,
        secret: bytes,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.time,
        country_code: str | None = None,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._secret = secret
        self._timeout = timeout
        self._clock = clock
        self._country = country_code

    def order(self, order_number: str) -> Order | None:
        found = self._get(f"/orders/{quote(order_number, safe='')}")
        return None if found is None else self._parse(found)

    def orders_of(self, identities: Sequence[Identity], limit: int = 20) -> list[Order]:
        if not identities:
            return []
        query = urlencode([("identity", i.key) for i in identities] + [("limit", str(limit))])
        found = self._get(f"/orders?{query}")
        return [self._parse(o) for o in (found or {}).get("orders", [])][:limit]

    def _parse(self, body: Any) -> Order:
        try:
            return Order.model_validate(body, context={"country_code": self._country})
        except ValueError as err:
            raise ShopUnavailable(f"the shop answered an order we cannot read: {err}") from None

    def _get(self, path_and_query: str) -> Any:
        url = self._base + path_and_query
        signed_path = urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else "")
        timestamp = str(int(self._clock()))
        request = Request(
            url,
            method="GET",
            headers={
                "Accept": "application/json",
                "X-Desk-Timestamp": timestamp,
                "X-Desk-Signature": signature(self._secret, timestamp, "GET", signed_path),
            },
        )
        try:
            with urlopen(request, timeout=self._timeout) as answer:
                return json.loads(answer.read().decode("utf-8"))
        except HTTPError as err:
            if err.code == 404:
                return None
            raise ShopUnavailable(f"the shop's order system answered {err.code}") from None
        except (URLError, TimeoutError, ValueError) as err:
            raise ShopUnavailable(f"the shop's order system did not answer: {err}") from None
