from __future__ import annotations

import pytest
from inquiry_desk.channels.identity import normalize_email, normalize_phone, strong_identities
from inquiry_desk.model import Channel, Identity, InboundMessage


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("+86 138 0013 8000", None, "+8613800138000"),
        ("0086 13800138000", None, "+8613800138000"),
        ("(+86) 138-0013-8000", None, "+8613800138000"),
        ("138-0013-8000", "86", "+8613800138000"),
        ("13800138000", "+86", "+8613800138000"),
        ("＋８６　１３８００１３８０００", None, "+8613800138000"),
        ("010-1234-5678", "86", "+861012345678"),
        ("+1 (415) 867-5309", None, "+14158675309"),
        ("tel:+44 20 7946 0958", None, "+442079460958"),
        ("020 7946 0958", "44", "+442079460958"),
    ],
)
def test_normalize_phone(raw: str, country: str | None, expected: str) -> None:
    assert normalize_phone(raw, country) == expected


@pytest.mark.parametrize(
    ("raw", "country"),
    [
        ("138-0013-8000", None),
        ("13800138000", "0"),
        ("+86 138 abc", None),
        ("+86 12", None),
        ("+8613800138000123456", None),
        ("", None),
        ("+0123456789", None),
    ],
)
def test_normalize_phone_refuses_what_it_cannot_place(raw: str, country: str | None) -> None:
    with pytest.raises(ValueError):
        normalize_phone(raw, country)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Li.Lei@Example.COM", "li.lei@example.com"),
        ('"李雷" <LiLei@Example.com>', "lilei@example.com"),
        (" <kf@shop.cn> ", "kf@shop.cn"),
    ],
)
def test_normalize_email(raw: str, expected: str) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize("raw", ["", "no-at-sign", "a@b", "a@@b.com", "@example.com", "a b@example.com"])
def test_normalize_email_refuses_non_addresses(raw: str) -> None:
    with pytest.raises(ValueError):
        normalize_email(raw)


def _msg(**fields: object) -> InboundMessage:
    base: dict[str, object] = {
        "channel": Channel.CHAT,
        "channel_message_id": "m1",
        "sender": Identity(kind="chat_customer", value="c1"),
    }
    return InboundMessage(**(base | fields))  # type: ignore[arg-type]


def test_strong_identities_are_the_sender_and_verified_others_without_duplicates() -> None:
    msg = _msg(
        contact="13800138000",
        other_identities=(Identity(kind="member", value="M1"), Identity(kind="member", value="M1")),
    )
    assert strong_identities(msg) == [
        Identity(kind="chat_customer", value="c1"),
        Identity(kind="member", value="M1"),
    ]


def test_phone_and_email_identities_are_normalised_and_bad_ones_dropped() -> None:
    msg = _msg(
        channel=Channel.SMS,
        sender=Identity(kind="phone", value="0086 138 0013 8000"),
        other_identities=(
            Identity(kind="email", value="Li@Example.com"),
            Identity(kind="phone", value="junk"),
        ),
    )
    assert strong_identities(msg) == [
        Identity(kind="phone", value="+8613800138000"),
        Identity(kind="email", value="li@example.com"),
    ]


@pytest.mark.parametrize(
    ("verdicts", "kept"),
    [
        ({}, True),
        ({"spf": "pass", "dkim": "pass", "dmarc": "pass"}, True),
        ({"spf": "fail", "dkim": "pass"}, True),
        ({"spf": "fail", "dkim": "none"}, False),
        ({"spf": "pass", "dkim": "pass", "dmarc": "fail"}, False),
    ],
)
def test_an_email_sender_failing_authentication_is_not_strong(verdicts: dict[str, str], kept: bool) -> None:
    msg = _msg(channel=Channel.EMAIL, sender=Identity(kind="email", value="a@example.com"), metadata=verdicts)
    assert strong_identities(msg) == ([Identity(kind="email", value="a@example.com")] if kept else [])
