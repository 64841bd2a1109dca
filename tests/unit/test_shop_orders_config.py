"""The shop's own order system is named in the channels secret (its signing key is a secret)."""

from __future__ import annotations

import pytest
from inquiry_desk.adapters.shop_orders import signature
from inquiry_desk.channels.config import ChannelsConfig
from pydantic import ValidationError


def test_shop_orders_are_optional_and_their_secret_is_hidden() -> None:
    assert ChannelsConfig.from_json("{}").shop_orders is None
    config = ChannelsConfig.from_json({"shop_orders": {"base_url": "https://shop.example/api", "secret": "s3cr3t"}})
    assert config.shop_orders is not None and "s3cr3t" not in repr(config)
    with pytest.raises(ValidationError):
        ChannelsConfig.from_json({"shop_orders": {"base_url": "ftp://shop", "secret": "x"}})


def test_request_signature_covers_time_method_and_path() -> None:
    one = signature(b"k", "1700000000", "GET", "/orders/SO-1")
    assert one.startswith("sha256=") and len(one) == 7 + 64
    assert one != signature(b"k", "1700000001", "GET", "/orders/SO-1")
    assert one != signature(b"k", "1700000000", "GET", "/orders/SO-2")
