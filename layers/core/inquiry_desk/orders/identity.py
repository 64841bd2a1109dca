"""Who may hear about an order (R8.2): the order's own customer, and no one else.

The asker is the order's customer when an identity the channels vouch for (the chat user id, the
WeChat openid, the WhatsApp/SMS phone, a DMARC-aligned e-mail: linked to customers by intake, see
``channels/identity.strong_identities``) belongs to the inquiry's customer and is one of the
order's identities. Anything a customer *types* (a phone number in a message, the chat form's
contact field) is weak: it is only ever compared, in full, as the answer to a verification
question, and is never linked to the customer. Values are masked wherever they are recorded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from inquiry_desk.channels.identity import normalize_email, normalize_phone
from inquiry_desk.model import Identity
from inquiry_desk.orders.model import Order

_EMAIL = re.compile(r"[^\s@<>,;:，；：]+@[^\s@<>,;:，；：]+\.[^\s@<>,;:，；：]+")
_PHONE = re.compile(r"(?:\+|00)?[\d\s\-().\uff10-\uff19]{7,24}\d")


def is_owner(order: Order, customer_id: str, linked: Mapping[str, str]) -> bool:
    """`linked` maps identity keys to the customer each is linked to (``customers_for``)."""
    return any(linked.get(i.key) == customer_id for i in order.identities())


def owner_of(order: Order, customer_id: str, customers_for: Callable[[Sequence[Identity]], dict[str, str]]) -> bool:
    identities = order.identities()
    return bool(identities) and is_owner(order, customer_id, customers_for(identities))


def looks_like_contact(text: str) -> bool:
    """The text holds something shaped like a phone number or an e-mail address."""
    return bool(_EMAIL.search(text) or _PHONE.search(text))


def answers_verification(order: Order, text: str, country_code: str | None) -> str | None:
    """The kind ("phone" or "email") of the order's detail the text gives in full, else None.

    A phone number is compared as a whole number in E.164 (a national number gets the default
    country code); a part of a number never matches. An e-mail is compared lower-cased.
    """
    if order.email:
        for candidate in _EMAIL.findall(text):
            try:
                if normalize_email(candidate.strip(".")) == order.email:
                    return "email"
            except ValueError:
                continue
    if order.phone:
        for candidate in _PHONE.findall(text):
            try:
                if normalize_phone(candidate.strip(), country_code) == order.phone:
                    return "phone"
            except ValueError:
                continue
    return None


def mask(value: str | None) -> str:
    """``+861********000``, ``l***@example.com``: enough for an agent to recognise, not to reuse."""
    if not value:
        return ""
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    if len(value) <= 4:
        return "*" * len(value)
    keep = max(2, min(4, len(value) // 4))
    return value[: keep + (1 if value.startswith("+") else 0)] + "*" * (len(value) - 2 * keep) + value[-keep:]


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def disclosed(order: Order, text: str) -> list[str]:
    """Which of the order's details `text` gives away: order number, tracking number, phone,
    e-mail, address (the agents' reply check, R8.2)."""
    found: list[str] = []
    lowered = text.lower()
    if order.order_number.lower() in lowered:
        found.append("order_number")
    tracking = order.logistics.tracking_number if order.logistics else None
    if tracking and tracking.lower() in lowered:
        found.append("tracking_number")
    if order.phone:
        national = order.phone.lstrip("+")
        digits = _digits(text)
        if national[-8:] in digits or national in digits:
            found.append("phone")
    if order.email and order.email in lowered:
        found.append("email")
    if order.address and len(order.address) >= 6 and order.address.lower() in lowered:
        found.append("address")
    return found


def order_numbers_in(text: str, pattern: str) -> list[str]:
    """Order numbers written in a text, by the shop's pattern (assistant policy), each once."""
    seen: list[str] = []
    for match in re.finditer(pattern, text or ""):
        number = match.group(match.lastindex or 0) if match.lastindex else match.group(0)
        if number not in seen:
            seen.append(number)
    return seen
