"""Identities: normalised phone numbers and email addresses, and which identities link channels.

Identity kinds the codecs produce:

| kind | value | from |
|---|---|---|
| `chat_customer` | the shop's customer id | chat widget |
| `member` | the shop's member id | chat widget (asserted by the shop's signed payload) |
| `wechat_openid` / `wechat_unionid` | FromUserName / UnionId | WeChat |
| `messenger_psid` / `instagram_igsid` | sender.id | Messenger / Instagram |
| `phone` | E.164, e.g. `+8613800138000` | WhatsApp, SMS |
| `email` | lower-cased address | email |
| `marketplace_buyer` | `<marketplace>:<buyer id>` | marketplace connectors |
"""

from __future__ import annotations

import re
import unicodedata
from email.headerregistry import Address
from email.utils import parseaddr

from inquiry_desk.model import Identity, InboundMessage

CHAT_CUSTOMER = "chat_customer"
MEMBER = "member"
WECHAT_OPENID = "wechat_openid"
WECHAT_UNIONID = "wechat_unionid"
MESSENGER_PSID = "messenger_psid"
INSTAGRAM_IGSID = "instagram_igsid"
PHONE = "phone"
EMAIL = "email"
MARKETPLACE_BUYER = "marketplace_buyer"

# Kinds that name the same person on any channel; the rest are scoped to one channel/app.
CROSS_CHANNEL_KINDS = frozenset({PHONE, EMAIL, WECHAT_UNIONID, MEMBER})

_PHONE_PUNCTUATION = re.compile(r"[\s\-.()/\u00a0\u2010-\u2015\u2212]")


def normalize_phone(value: str, default_country_code: str | None = None) -> str:
    """A phone number in E.164 (`+<country code><number>`), or ValueError.

    Accepts `+86 138 0013 8000`, `0086 13800138000`, `(+86) 138-0013-8000`, full-width digits,
    and, with `default_country_code` ("86" or "+86"), national forms such as `138-0013-8000` or
    `010-1234-5678` (one national trunk `0` is dropped). Without a country code a national
    number is refused: guessing the country would merge different customers.
    """
    text = unicodedata.normalize("NFKC", value or "").strip()
    if text.lower().startswith("tel:"):
        text = text[4:]
    text = _PHONE_PUNCTUATION.sub("", text)
    if text.startswith("+"):
        digits = text[1:]
    elif text.startswith("00"):
        digits = text[2:]
    else:
        if default_country_code is None:
            raise ValueError(f"'{value}' has no country code and no default country code was given")
        country = default_country_code.strip().lstrip("+")
        if not country.isdigit() or not 1 <= len(country) <= 3 or country.startswith("0"):
            raise ValueError(f"'{default_country_code}' is not a country calling code")
        national = text[1:] if text.startswith("0") else text
        digits = country + national
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f"'{value}' is not a phone number")
    if digits.startswith("0") or not 8 <= len(digits) <= 15:
        raise ValueError(f"'{value}' is not a valid international number (E.164 has 8-15 digits)")
    return "+" + digits


def normalize_email(value: str) -> str:
    """A bare, lower-cased address (`"Li Lei" <Li.Lei@Example.COM>` -> `li.lei@example.com`).

    The whole address is lower-cased: mailbox names are case-insensitive in practice, and one
    customer writing with different capitalisation must be one customer. ValueError when there
    is no usable address.
    """
    _, address = parseaddr(value or "")
    address = unicodedata.normalize("NFKC", address).strip().strip("<>").lower()
    if address.count("@") != 1:
        raise ValueError(f"'{value}' is not an email address")
    local, domain = address.split("@")
    if not local or not domain or "." not in domain or any(c.isspace() for c in address):
        raise ValueError(f"'{value}' is not an email address")
    try:
        Address(addr_spec=address)
    except (ValueError, IndexError):
        raise ValueError(f"'{value}' is not an email address") from None
    return address


def strong_identities(msg: InboundMessage) -> list[Identity]:
    """The identities the channel vouches for, sender first, without duplicates.

    Use them to find the customer (R1.3). Included: the sender (the channel's signature or the
    provider vouches for it) and `other_identities` (the codecs only put verified ones there).
    Left out: anything the customer typed (the `contact` field), and an email sender whose
    message failed DMARC, or both SPF and DKIM (see `email.parse_email`), because its From
    address may be forged. Phone and email values are normalised again for safety.
    """
    result: list[Identity] = []
    seen: set[str] = set()
    for ident in (msg.sender, *msg.other_identities):
        if ident.kind == EMAIL and _email_auth_failed(msg):
            continue
        normal = _normalised(ident)
        if normal is None or normal.key in seen:
            continue
        seen.add(normal.key)
        result.append(normal)
    return result


def _email_auth_failed(msg: InboundMessage) -> bool:
    meta = msg.metadata
    if meta.get("dmarc") == "fail":
        return True
    return meta.get("spf") == "fail" and meta.get("dkim") != "pass"


def _normalised(ident: Identity) -> Identity | None:
    try:
        if ident.kind == PHONE:
            return Identity(kind=PHONE, value=normalize_phone(ident.value))
        if ident.kind == EMAIL:
            return Identity(kind=EMAIL, value=normalize_email(ident.value))
    except ValueError:
        return None
    return ident if ident.value else None
