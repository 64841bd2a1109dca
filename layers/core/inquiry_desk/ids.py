"""Sortable unique ids (ULID layout: 48-bit millisecond time + 80 random bits, Crockford base32)."""

from __future__ import annotations

import secrets
from datetime import datetime

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _encode(number: int, length: int) -> str:
    chars = []
    for _ in range(length):
        number, rem = divmod(number, 32)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def new_id(at: datetime, prefix: str = "") -> str:
    """A 26-character id that sorts by `at`; ids made in the same millisecond differ randomly."""
    millis = int(at.timestamp() * 1000)
    return prefix + _encode(millis, 10) + _encode(secrets.randbits(80), 16)
