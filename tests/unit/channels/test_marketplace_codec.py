"""Marketplace connector webhook (format: docs/channels/marketplace.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from inquiry_desk.channels import marketplace
from inquiry_desk.channels.config import MarketplaceConfig
from inquiry_desk.channels.limits import MAX_WEBHOOK_BYTES
from inquiry_desk.errors import PayloadError, PayloadTooLarge, SignatureError
from inquiry_desk.model import Channel, Identity

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "channels"
CONFIG = MarketplaceConfig(secret="whsec_test")  # type: ignore[arg-type]
SIGNED_AT = datetime.fromtimestamp(1714527000, UTC)


def sample(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_published_vector() -> None:
    """The test vector printed in docs/channels/marketplace.md."""
    body = b'{"marketplace":"jd","message_id":"1","buyer_id":"b1","text":"hi"}'
    headers = {
        "X-Desk-Timestamp": "1714527000",
        "X-Desk-Signature": "sha256=b2636d3566421505dd18e63f500d517e0e133c21b1e59e7504d6fdba06f73d57",
    }
    marketplace.verify_marketplace(headers, body, CONFIG, now=SIGNED_AT)
    assert marketplace.sign_marketplace(body, CONFIG, SIGNED_AT) == headers


@pytest.mark.parametrize("age", [timedelta(0), timedelta(minutes=4, seconds=59), -timedelta(minutes=4)])
def test_requests_within_five_minutes_are_accepted(age: timedelta) -> None:
    body = sample("marketplace_tmall.json")
    headers = marketplace.sign_marketplace(body, CONFIG, SIGNED_AT)
    marketplace.verify_marketplace(headers, body, CONFIG, now=SIGNED_AT + age)


@pytest.mark.parametrize("age", [timedelta(minutes=5, seconds=1), timedelta(days=3), -timedelta(minutes=6)])
def test_old_or_future_requests_are_refused_as_stale(age: timedelta) -> None:
    body = sample("marketplace_tmall.json")
    headers = marketplace.sign_marketplace(body, CONFIG, SIGNED_AT)
    with pytest.raises(SignatureError, match="stale"):
        marketplace.verify_marketplace(headers, body, CONFIG, now=SIGNED_AT + age)


def test_a_replayed_signature_with_a_fresh_timestamp_does_not_verify() -> None:
    body = sample("marketplace_tmall.json")
    headers = marketplace.sign_marketplace(body, CONFIG, SIGNED_AT)
    later = SIGNED_AT + timedelta(hours=1)
    replay = {**headers, "X-Desk-Timestamp": str(int(later.timestamp()))}
    with pytest.raises(SignatureError, match="does not match"):
        marketplace.verify_marketplace(replay, body, CONFIG, now=later)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"X-Desk-Signature": "sha256=00"}, "missing X-Desk-Timestamp"),
        ({"X-Desk-Timestamp": "1714527000"}, "missing X-Desk-Signature"),
        ({"X-Desk-Timestamp": "2024-05-01", "X-Desk-Signature": "sha256=00"}, "unix seconds"),
        ({"X-Desk-Timestamp": "1714527000", "X-Desk-Signature": "sha256=" + "0" * 64}, "does not match"),
    ],
)
def test_missing_or_forged_headers_are_refused(headers: dict[str, str], reason: str) -> None:
    with pytest.raises(SignatureError, match=reason):
        marketplace.verify_marketplace(headers, sample("marketplace_tmall.json"), CONFIG, now=SIGNED_AT)


def test_another_secret_does_not_verify() -> None:
    body = sample("marketplace_tmall.json")
    other = MarketplaceConfig(secret="someone-else")  # type: ignore[arg-type]
    with pytest.raises(SignatureError):
        marketplace.verify_marketplace(marketplace.sign_marketplace(body, other, SIGNED_AT), body, CONFIG, SIGNED_AT)


def test_an_oversized_body_is_refused() -> None:
    body = b" " * (MAX_WEBHOOK_BYTES + 1)
    with pytest.raises(PayloadTooLarge):
        marketplace.verify_marketplace(marketplace.sign_marketplace(body, CONFIG, SIGNED_AT), body, CONFIG, SIGNED_AT)


def test_parses_a_buyer_message(now: datetime) -> None:
    msg = marketplace.parse_marketplace(sample("marketplace_tmall.json"), now=now)
    assert msg.channel is Channel.MARKETPLACE
    assert msg.channel_message_id == "tmall:8817263540012"
    assert msg.sender == Identity(kind="marketplace_buyer", value="tmall:tb_buyer_5521")
    assert (msg.name, msg.order_number, msg.text) == ("小明", "3521998812330", "请问这款有没有黑色的？")
    assert msg.sent_at == datetime(2024, 5, 1, 1, 30, tzinfo=UTC)
    assert msg.metadata == {"marketplace": "tmall"}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"marketplace": "Tmall Global!"}, "marketplace"),
        ({"buyer_id": ""}, "buyer_id"),
        ({"text": ""}, "text"),
        ({"sent_at": "yesterday"}, "sent_at"),
    ],
)
def test_malformed_messages_are_refused(change: dict[str, object], reason: str) -> None:
    data = json.loads(sample("marketplace_tmall.json")) | change
    with pytest.raises(PayloadError, match=reason):
        marketplace.parse_marketplace(json.dumps(data).encode())


def test_reply_body(now: datetime) -> None:
    reply = marketplace.build_marketplace_reply(
        "tmall", "tb_buyer_5521", "有货", message_id="M1", sent_at=now, in_reply_to="8817263540012"
    )
    assert reply == {
        "marketplace": "tmall",
        "message_id": "M1",
        "buyer_id": "tb_buyer_5521",
        "text": "有货",
        "sent_at": "2024-05-01T02:00:00+00:00",
        "in_reply_to": "8817263540012",
    }
